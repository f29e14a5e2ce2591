package io.corral;

import java.net.InetSocketAddress;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * Chooses the TLS parameters of each new connection when the embedder supplies the {@link
 * SSLContext} ({@link Arbiter.Builder#tls(SSLContext, TlsConfigurator)}): client certificates,
 * cipher suites, protocols, per client if need be. The JDK's {@code HttpsConfigurator.configure}
 * is the model, and the JDK-API drop-in is built on this.
 *
 * <pre>{@code
 * Arbiter.builder()
 *         .tls(sslContext, (peer, parameters) -> {
 *             parameters.setNeedClientAuth(true);       // mTLS: the SSLContext's trust managers verify
 *             return parameters;
 *         })
 *         .handler(handler)
 *         .start();
 * }</pre>
 *
 * <p><b>Corral's floor.</b> {@code parameters} arrive as Corral sets them for every connection:
 * the context's defaults with the protocols narrowed to TLS 1.3 and 1.2, ALPN offering {@code
 * http/1.1} only, the server's cipher-suite order, every SNI host name accepted, no client
 * certificate asked for. Whatever the method returns is set on the connection's engine, except
 * that Corral keeps its floor where the returned parameters leave the context's defaults: enabled
 * protocols equal to those of {@link SSLContext#getDefaultSSLParameters()} become TLS 1.3 and 1.2,
 * and an empty ALPN list becomes {@code http/1.1}. So returning {@code parameters} changed, or the
 * context's own defaults changed (the JDK's idiom), both keep the floor. What the method sets
 * explicitly is the application's responsibility: other protocols (TLS 1.1 is then served if the
 * JDK allows it), other ALPN protocols (Corral speaks HTTP/1.1 only, so a list without {@code
 * http/1.1} fails every client that offers ALPN, and one that lets a client pick {@code h2} breaks
 * it), cipher suites (one that fits no key of the context fails every handshake), and client
 * authentication (the context's trust managers decide which certificates verify).
 *
 * <p>Threading: called once per accepted connection, before its handshake, on the worker's
 * thread that accepted it (a selector loop on every model), concurrently from several workers.
 * It must be thread-safe and quick, and must not block: the worker's other connections wait
 * meanwhile. If it throws (or returns null), that connection's handshake is refused (the client
 * sees a handshake failure), the failure is logged, and the worker carries on.
 */
@FunctionalInterface
public interface TlsConfigurator {

    /**
     * Returns the parameters for the connection just accepted from {@code peer}.
     *
     * @param peer the TCP peer (a proxy, if the connection came through one)
     * @param parameters Corral's parameters for this connection, a fresh object the method may
     *     change and return
     * @return the parameters to set on the connection's engine; never null
     */
    SSLParameters configure(InetSocketAddress peer, SSLParameters parameters);
}
