package io.corral.internal.http;

import io.corral.http.Headers;
import io.corral.http.Request;
import java.io.InputStream;
import java.net.InetSocketAddress;

/**
 * A parsed request line and header block, with the framing and persistence decisions the codec
 * derived from them. Immutable.
 *
 * @param method the method token, case as sent
 * @param target the request target as sent (origin-form, absolute-form or {@code *})
 * @param minorVersion 0 for HTTP/1.0, 1 for HTTP/1.1 (and for HTTP/1.2 and up, which are served as 1.1)
 * @param headers the header fields, names and values as sent (values without surrounding whitespace)
 * @param contentLength the Content-Length, or -1 if the body is chunked or absent
 * @param chunked true if the body is chunked (Transfer-Encoding: chunked)
 * @param keepAlive true if the client allows the connection to persist after this exchange
 *     (HTTP/1.1 without {@code Connection: close}; HTTP/1.0 with {@code Connection: keep-alive})
 * @param expectContinue true if an HTTP/1.1 client sent {@code Expect: 100-continue}
 */
public record RequestHead(
        String method,
        String target,
        int minorVersion,
        Headers headers,
        long contentLength,
        boolean chunked,
        boolean keepAlive,
        boolean expectContinue) {

    /** Returns the {@link Request} a handler sees for this head, from {@code remote}, with {@code body}. */
    public Request toRequest(InetSocketAddress remote, InputStream body) {
        return Request.builder()
                .method(method)
                .target(target)
                .version(version())
                .headers(headers)
                .remoteAddress(remote)
                .body(body, contentLength)
                .build();
    }

    /** Returns {@code HTTP/1.0} or {@code HTTP/1.1}. */
    public String version() {
        return minorVersion == 0 ? "HTTP/1.0" : "HTTP/1.1";
    }

    /** Returns true for a HEAD request, whose response carries no body. */
    public boolean isHead() {
        return method.equals("HEAD");
    }

    /** Returns true if a body follows the head (chunked, or a Content-Length above 0). */
    public boolean hasBody() {
        return chunked || contentLength > 0;
    }

    /** Returns the request line as sent, such as {@code GET /a HTTP/1.1}, for logs. */
    public String requestLine() {
        return method + " " + target + " " + version();
    }
}
