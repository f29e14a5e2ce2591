/**
 * TLS as the settings describe it ({@code certfile}, {@code keyfile}, {@code ca_certs}, {@code
 * cert_reqs}, {@code ciphers}, {@code keystore}), with the JDK alone: {@link
 * io.corral.internal.tls.TlsContext} reads and checks the files and makes one server-mode {@code
 * SSLEngine} per connection; {@link io.corral.internal.tls.TlsReloader} holds the context in force
 * and swaps it on {@code Arbiter.reloadTls()}; {@link io.corral.internal.tls.CipherSuites} checks
 * the {@code ciphers} setting when the configuration is built. PEM keys in PKCS#8, PKCS#1 and SEC1
 * are read by a small DER re-wrapping, with no third-party library. Or, when the embedder gives
 * {@code Arbiter.Builder.tls} an {@code SSLContext} of its own, {@link
 * io.corral.internal.tls.SuppliedTls} makes every engine from it, with Corral's floor and the
 * embedder's {@code TlsConfigurator}; nothing is read or reloaded then.
 *
 * <pre>
 *   Config ──TlsContext.load──▶ TlsContext (immutable) ◀── TlsReloader.current (volatile; reloadTls swaps it)
 *                                   │ newEngine(peer), once per accepted connection  (or SuppliedTls.newEngine)
 *                                   ▼
 *                      SSLEngine ── the engine's handshake ──▶ ConnectionOrigin.tlsEstablished(engine)
 *                                                                 ──▶ TlsInfo and SSLSession on each Request
 * </pre>
 *
 * <p>Internal: exported to the worker modules only. The engines reach the context through {@code
 * WorkerContext.newTlsEngine(peer)}.
 */
package io.corral.internal.tls;
