/**
 * TLS as the settings describe it ({@code certfile}, {@code keyfile}, {@code ca_certs}, {@code
 * cert_reqs}, {@code ciphers}, {@code keystore}), with the JDK alone: {@link
 * io.corral.internal.tls.TlsContext} reads and checks the files and makes one server-mode {@code
 * SSLEngine} per connection; {@link io.corral.internal.tls.TlsReloader} holds the context in force
 * and swaps it on {@code Arbiter.reloadTls()}; {@link io.corral.internal.tls.CipherSuites} checks
 * the {@code ciphers} setting when the configuration is built. PEM keys in PKCS#8, PKCS#1 and SEC1
 * are read by a small DER re-wrapping, with no third-party library.
 *
 * <pre>
 *   Config ──TlsContext.load──▶ TlsContext (immutable) ◀── TlsReloader.current (volatile; reloadTls swaps it)
 *                                   │ newEngine(peer), once per accepted connection
 *                                   ▼
 *                      SSLEngine ── the engine's handshake ──▶ TlsContext.info(engine) ──▶ TlsInfo on each Request
 * </pre>
 *
 * <p>Internal: exported to the worker modules only. The engines reach the context through {@code
 * WorkerContext.newTlsEngine(peer)}.
 */
package io.corral.internal.tls;
