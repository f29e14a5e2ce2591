package io.corral.internal.server;

import io.corral.http.ProxyHeader;
import io.corral.http.Request;
import io.corral.http.TlsInfo;
import io.corral.internal.http.RequestHead;
import java.io.InputStream;
import java.net.InetSocketAddress;
import javax.net.ssl.SSLSession;

/**
 * Where one request comes from, as {@link ConnectionOrigin#resolve} derived it: the values a {@link
 * io.corral.http.Request} carries, the access log's {@code h} and the metrics' scheme. Immutable.
 *
 * @param client the client, derived from trusted proxies (the peer without one)
 * @param peer the TCP peer
 * @param scheme {@code http} or {@code https}
 * @param host the host from a trusted forwarded header, or null to take the request's own
 * @param secure whether the connection itself is encrypted
 * @param proxyHeader the PROXY header the connection began with, or null
 * @param tls what the connection's TLS handshake settled, or null on a plain connection
 * @param tlsSession the connection's JSSE session, or null on a plain connection
 */
public record RequestOrigin(
        InetSocketAddress client,
        InetSocketAddress peer,
        String scheme,
        String host,
        boolean secure,
        ProxyHeader proxyHeader,
        TlsInfo tls,
        SSLSession tlsSession) {

    /** Returns the {@link Request} a handler sees for {@code head}, attributed to this origin, with {@code body}. */
    public Request toRequest(RequestHead head, InputStream body) {
        Request.Builder b = Request.builder()
                .method(head.method())
                .target(head.target())
                .version(head.version())
                .headers(head.headers())
                .remoteAddress(client)
                .peerAddress(peer)
                .scheme(scheme)
                .secure(secure)
                .proxyHeader(proxyHeader)
                .tls(tls)
                .tlsSession(tlsSession)
                .body(body, head.contentLength());
        if (host != null) {
            b.host(host);
        }
        return b.build();
    }

    /** The origin of a request straight from {@code peer}, with no proxy: for tests and fallbacks. */
    public static RequestOrigin direct(InetSocketAddress peer) {
        return new RequestOrigin(peer, peer, "http", null, false, null, null, null);
    }
}
