package io.corral.http;

import io.corral.internal.http.PublishingBody;
import io.corral.internal.http.RequestBodies;
import io.corral.internal.http.Tokens;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import javax.net.ssl.SSLSession;

/**
 * One HTTP request as a handler sees it: the request line, the headers, where it came from (the
 * client, the raw peer, the scheme and host it was sent to) and a body that is read lazily.
 *
 * <pre>{@code
 * Response handle(Request req) throws IOException {                  // a blocking Handler
 *     String name = req.queryParam("name").orElse("world");           // GET /hello?name=Ann
 *     byte[] body = req.bodyBytes();                                   // up to limit_request_body
 *     return Response.ok("Hello, " + name);
 * }
 *
 * CompletionStage<Response> handle(Request req) {                     // an AsyncHandler
 *     return req.bodyBytesAsync().thenApply(body -> Response.ok(body)); // never blocks a thread
 * }
 * }</pre>
 *
 * <p><b>Behind a proxy.</b> {@link #remoteAddress()} is the client as derived fail-closed from
 * what trusted proxies say: a PROXY protocol header (when {@code proxy_protocol} is on, from a peer
 * in {@code proxy_allow_from}), then {@code Forwarded} / {@code X-Forwarded-For} (only from a peer
 * in {@code forwarded_allow_ips}, right to left past the trusted hops). Without a trusted proxy it
 * is the peer itself. {@link #peerAddress()} is always the TCP peer; {@link #scheme()} and {@link
 * #host()} come from the same trusted headers, else from the connection and the {@code Host}
 * header; {@link #secure()} says whether this connection itself is encrypted, and {@link #tls()}
 * what its TLS handshake settled (the protocol, the cipher suite, SNI and the client's verified
 * certificate chain; {@link #tlsSession()} is JSSE's session itself).
 *
 * <h2>The body</h2>
 *
 * The body arrives as the handler consumes it; the server never holds more than a small buffer of
 * it (64 KiB on {@code async}) unless the handler asks for it whole. It is consumed once, in one
 * of two ways:
 *
 * <ul>
 *   <li>as a blocking stream: {@link #body()}, or whole with {@link #bodyBytes()}, {@link
 *       #bodyString()}; for a {@link Handler}, or for an {@link AsyncHandler} that reads on a
 *       thread of its own;
 *   <li>without blocking: whole with {@link #bodyBytesAsync()}, or piece by piece with {@link
 *       #bodyPublisher()}, which delivers only as many pieces as the subscriber asks for; for an
 *       {@link AsyncHandler}, which on the {@code async} worker must never block its event loop.
 * </ul>
 *
 * <p>A client that sent {@code Expect: 100-continue} gets {@code 100 Continue} when the body is
 * first asked for, in either way. A body cut short by the client fails the read with a {@link
 * BadMessageException} (400), one that stalls for longer than {@code header_timeout} (408), one
 * larger than {@code limit_request_body} (413), and a handler that lets the exception propagate
 * (or fails its stage with it) has the client answered with that status. What the handler leaves
 * unread is skipped after the response (at most 64 KiB of it; beyond that the connection closes).
 *
 * <p>A request belongs to the one exchange that is handling it. The body is not thread-safe: it has
 * one consumer at a time, any thread, while the handler runs (for an {@link AsyncHandler}, until its
 * stage completes), and the response's {@link BodyWriter} may read on; after that a read fails
 * with an {@link IOException} and a subscriber gets {@code onError}. Everything else is immutable
 * but {@link #tlsSession()}, which is JSSE's own, thread-safe object.
 * Tests build requests with {@link #builder()}; their bodies support every way above.
 */
public final class Request {

    private static final AtomicIntegerFieldUpdater<Request> BODY_SUBSCRIBED =
            AtomicIntegerFieldUpdater.newUpdater(Request.class, "bodySubscribed");

    private final String method;
    private final String target;
    private final String rawPath;
    private final String rawQuery;
    private final String version;
    private final Headers headers;
    private final InetSocketAddress remoteAddress;
    private final InetSocketAddress peerAddress;
    private final String scheme;
    private final String host;
    private final boolean secure;
    private final TlsInfo tls;
    private final SSLSession tlsSession;
    private final ProxyHeader proxyHeader;
    private final InputStream body;
    private final long contentLength;

    private volatile int bodySubscribed; // 1 once bodyPublisher() has had its one subscriber

    private String path; // decoded lazily; racy but idempotent
    private Map<String, List<String>> queryParams; // decoded lazily; racy but idempotent

    private Request(Builder b) {
        this.method = b.method;
        this.target = b.target;
        this.version = b.version;
        this.headers = b.headers;
        this.remoteAddress = b.remoteAddress;
        this.peerAddress = b.peerAddress != null ? b.peerAddress : b.remoteAddress;
        this.secure = b.secure || b.tls != null;
        this.tls = b.tls;
        this.tlsSession = b.tlsSession;
        this.scheme = b.scheme != null ? b.scheme : this.secure ? "https" : "http";
        this.host = b.host != null ? b.host : hostOf(b.target, b.headers);
        this.proxyHeader = b.proxyHeader;
        this.body = b.body;
        this.contentLength = b.contentLength;
        int q = b.target.indexOf('?');
        String pathPart = q < 0 ? b.target : b.target.substring(0, q);
        this.rawQuery = q < 0 ? "" : b.target.substring(q + 1);
        this.rawPath = originPath(pathPart);
    }

    /** Returns a builder, for tests and for code that forwards requests. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns the method, case-sensitive as sent: {@code GET}, {@code POST}, ... */
    public String method() {
        return method;
    }

    /** Returns the request target exactly as sent: {@code /a%20b?x=1}, or absolute-form {@code http://h/a}. */
    public String target() {
        return target;
    }

    /** Returns the path, percent-decoded as UTF-8: {@code /a b} for target {@code /a%20b?x=1}. */
    public String path() {
        String p = path;
        if (p == null) {
            p = path = percentDecode(rawPath, false);
        }
        return p;
    }

    /** Returns the path as sent, still percent-encoded: {@code /a%20b}. */
    public String rawPath() {
        return rawPath;
    }

    /** Returns the query as sent, without the {@code ?}; empty if there is none. */
    public String rawQuery() {
        return rawQuery;
    }

    /**
     * Returns the decoded query parameters, in order of first appearance; each name maps to all its
     * values ({@code +} and percent escapes decoded as UTF-8). The map is unmodifiable.
     */
    public Map<String, List<String>> queryParams() {
        Map<String, List<String>> m = queryParams;
        if (m == null) {
            m = queryParams = parseQuery(rawQuery);
        }
        return m;
    }

    /** Returns the first value of query parameter {@code name}, if present. */
    public Optional<String> queryParam(String name) {
        List<String> values = queryParams().get(name);
        return values == null ? Optional.empty() : Optional.of(values.get(0));
    }

    /** Returns the protocol version as sent: {@code HTTP/1.1} or {@code HTTP/1.0}. */
    public String version() {
        return version;
    }

    /** Returns the request headers. */
    public Headers headers() {
        return headers;
    }

    /** Returns the first value of header {@code name}, ignoring case, if present. */
    public Optional<String> header(String name) {
        return headers.first(name);
    }

    /**
     * Returns the client's address as derived from trusted proxies: the PROXY header's source, then
     * the right-most untrusted address of {@code Forwarded} / {@code X-Forwarded-For} from a peer
     * in {@code forwarded_allow_ips}; with no trusted proxy in front, the TCP peer itself. Its port is
     * the one the proxy reported, or 0 if it reported none (as {@code X-Forwarded-For} does not). Use
     * this for rate limits, allow lists and logs; the access log's {@code h} shows the same.
     */
    public InetSocketAddress remoteAddress() {
        return remoteAddress;
    }

    /** Returns the TCP peer of the connection, whatever any header or PROXY line says: a proxy if there is one. */
    public InetSocketAddress peerAddress() {
        return peerAddress;
    }

    /**
     * Returns {@code http} or {@code https}: what a trusted proxy says the client used ({@code
     * Forwarded proto=}, {@code X-Forwarded-Proto}, a PROXY v2 header's TLS flag), else whether
     * this connection is secure.
     */
    public String scheme() {
        return scheme;
    }

    /**
     * Returns the host (and port, if given) the client addressed: from a trusted proxy's {@code
     * Forwarded host=} or {@code X-Forwarded-Host}, else the authority of an absolute-form target,
     * else the {@code Host} header; empty if none names one (an HTTP/1.0 request without {@code
     * Host}).
     */
    public String host() {
        return host;
    }

    /**
     * Returns true if this connection itself is encrypted: TLS terminated by Corral ({@code
     * certfile} or {@code keystore} set); then {@link #tls()} is present. A proxy that terminates
     * TLS in front of Corral is told apart by {@link #scheme()} instead.
     */
    public boolean secure() {
        return secure;
    }

    /**
     * Returns what the TLS handshake of this connection settled (the protocol, the cipher suite, the
     * SNI host name, the ALPN protocol and the client's verified certificate chain), when Corral
     * terminated TLS on it; empty on a plain connection. See {@link TlsInfo}.
     */
    public Optional<TlsInfo> tls() {
        return Optional.ofNullable(tls);
    }

    /**
     * Returns the JSSE session of this connection's TLS handshake, when Corral terminated TLS on it;
     * empty on a plain connection. For what {@link #tls()} leaves out: the server's own certificate,
     * the session id, the peer's certificates as JSSE gives them, values bound to the session; the
     * JDK-API drop-in's {@code HttpsExchange.getSSLSession()} returns it. It is JSSE's live,
     * thread-safe object, the same for every request on the connection.
     */
    public Optional<SSLSession> tlsSession() {
        return Optional.ofNullable(tlsSession);
    }

    /** Returns the PROXY protocol header the connection began with, when {@code proxy_protocol} is on. */
    public Optional<ProxyHeader> proxyHeader() {
        return Optional.ofNullable(proxyHeader);
    }

    /** Returns the body length the client declared with {@code Content-Length}; empty for chunked bodies. */
    public OptionalLong contentLength() {
        return contentLength < 0 ? OptionalLong.empty() : OptionalLong.of(contentLength);
    }

    /**
     * Returns the body as a blocking stream, read from the connection as the handler reads it
     * (through a bounded buffer that the event loop fills, on {@code async}). A request without a
     * body gives an empty stream. A body that the client cuts short, that stalls past {@code
     * header_timeout}, that is malformed or larger than {@code limit_request_body} makes reads throw
     * {@link BadMessageException}. What the handler leaves unread is skipped before the next request
     * (or the connection closes after the response if that would cost too much).
     *
     * <p>On the {@code async} worker an {@link AsyncHandler} runs on the event loop, which must not
     * wait: there a read that would have to wait for the network throws {@link
     * IllegalStateException}; use {@link #bodyBytesAsync()} or {@link #bodyPublisher()}, or read on
     * a thread of your own.
     */
    public InputStream body() {
        return body;
    }

    /**
     * Reads the whole body into memory, blocking; it is bounded by the server's {@code
     * limit_request_body}.
     *
     * @throws BadMessageException with 413 if the body is larger than that limit, or with 400 or
     *     408 if the client cut it short or let it stall
     */
    public byte[] bodyBytes() throws IOException {
        return body.readAllBytes();
    }

    /**
     * Reads the whole body into memory, blocking, refusing one larger than {@code maxBytes}.
     *
     * @throws BadMessageException with 413 if the body has more than {@code maxBytes} bytes
     */
    public byte[] bodyBytes(int maxBytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(maxBytes, 8192));
        byte[] buf = new byte[8192];
        int n;
        while ((n = body.read(buf)) >= 0) {
            if (out.size() + n > maxBytes) {
                throw new BadMessageException(413, "request body is larger than " + maxBytes + " bytes");
            }
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }

    /**
     * Gathers the whole body into memory without blocking the calling thread, and returns a stage
     * that completes with it; bounded by the server's {@code limit_request_body}. For an {@link
     * AsyncHandler}:
     *
     * <pre>{@code
     * AsyncHandler echo = req -> req.bodyBytesAsync().thenApply(bytes -> Response.ok(bytes));
     * }</pre>
     *
     * <p>The stage fails with a {@link BadMessageException} if the body is larger than the limit
     * (413), cut short (400), stalled past {@code header_timeout} (408) or malformed (400); a handler
     * whose stage fails with it has the client answered with that status. On the {@code async}
     * worker the bytes are gathered on the event loop as they arrive and the stage completes there
     * (so dependent stages without an executor run on the loop, and must not block); on {@code
     * sync} and {@code virtual} the body is read on the request's own thread (called there, this
     * returns a completed stage). This consumes the body (see {@link #bodyPublisher()}); a second
     * call fails with {@link IllegalStateException}.
     */
    public CompletionStage<byte[]> bodyBytesAsync() {
        return bodyBytesAsync(RequestBodies.MAX_ARRAY);
    }

    /**
     * Gathers the whole body into memory without blocking, as {@link #bodyBytesAsync()} does, but
     * fails the stage with a {@link BadMessageException} (413) as soon as more than {@code maxBytes}
     * bytes arrive; nothing more is read then.
     *
     * @throws IllegalArgumentException if {@code maxBytes} is negative
     */
    public CompletionStage<byte[]> bodyBytesAsync(int maxBytes) {
        RequestBodies.Collector collector = RequestBodies.collector(maxBytes, contentLength);
        subscribeToBody(collector);
        return collector.result();
    }

    /**
     * Returns the body as a {@link java.util.concurrent.Flow.Publisher} of byte buffers, for an
     * {@link AsyncHandler} that consumes it piece by piece without blocking and without holding it
     * whole. It follows the rules {@link java.util.concurrent.Flow} documents (Reactive Streams):
     *
     * <ul>
     *   <li>one subscriber: the body is consumed once, so a second subscriber (or a call of {@link
     *       #bodyBytesAsync()} after a subscription) is refused with {@code onError(}{@link
     *       IllegalStateException}{@code )};
     *   <li>demand: {@code onNext} is called at most as many times as {@link
     *       java.util.concurrent.Flow.Subscription#request} asked for; while the subscriber asks for
     *       nothing the server stops reading the connection once its buffer is full, so the client
     *       is held back rather than the body piling up in memory (back-pressure);
     *   <li>signals never overlap, each buffer belongs to the subscriber, and the body ends with
     *       {@code onComplete}, or with {@code onError}: a {@link BadMessageException} for a body cut
     *       short (400), stalled past {@code header_timeout} (408), malformed (400) or larger than
     *       {@code limit_request_body} (413), an {@link IOException} if the connection closes or the
     *       response is sent first, an {@link IllegalArgumentException} for {@code request(n)} with
     *       {@code n <= 0}.
     * </ul>
     *
     * <p>On the {@code async} worker every signal runs on the event loop (whatever thread calls
     * {@code request}), as the bytes arrive: a subscriber must not block there. On {@code sync} and
     * {@code virtual} the body is read, and the signals run, on the request's own thread: in place
     * when the handler asks from there, and when demand comes from another thread while that thread
     * waits for an {@link AsyncHandler}'s stage, it is handed to it; demand from another thread
     * while the handler's own code still runs is read on that other thread. For a request a test
     * built, the body is read on the thread that calls {@code request}. A request made inside {@code
     * onNext} only adds demand, so signals never recurse.
     */
    public Flow.Publisher<ByteBuffer> bodyPublisher() {
        return this::subscribeToBody;
    }

    private void subscribeToBody(Flow.Subscriber<? super ByteBuffer> subscriber) {
        Objects.requireNonNull(subscriber, "subscriber"); // rule 1.9
        if (!BODY_SUBSCRIBED.compareAndSet(this, 0, 1)) {
            RequestBodies.refuse(
                    subscriber,
                    new IllegalStateException("the request body has had its subscriber already: it can be read once"));
        } else if (body instanceof PublishingBody publishing) {
            publishing.subscribe(subscriber);
        } else {
            RequestBodies.publish(body, subscriber);
        }
    }

    /** Reads the whole body as UTF-8 text; bounded as {@link #bodyBytes()} is. */
    public String bodyString() throws IOException {
        return new String(bodyBytes(), StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return method + " " + target + " " + version;
    }

    /** The authority of an absolute-form target, else the Host header, else empty (RFC 9112 3.2.2). */
    private static String hostOf(String target, Headers headers) {
        int scheme = target.indexOf("://");
        if (scheme > 0 && !target.startsWith("/")) {
            int end = target.length();
            for (int i = scheme + 3; i < target.length(); i++) {
                char c = target.charAt(i);
                if (c == '/' || c == '?' || c == '#') {
                    end = i;
                    break;
                }
            }
            return target.substring(scheme + 3, end);
        }
        String h = headers.firstOrNull("Host");
        return h == null ? "" : h;
    }

    /** The path part of an origin-form or absolute-form target. */
    private static String originPath(String pathPart) {
        if (pathPart.startsWith("/") || pathPart.equals("*")) {
            return pathPart;
        }
        int scheme = pathPart.indexOf("://");
        if (scheme > 0) {
            int slash = pathPart.indexOf('/', scheme + 3);
            return slash < 0 ? "/" : pathPart.substring(slash);
        }
        return pathPart;
    }

    private static Map<String, List<String>> parseQuery(String query) {
        if (query.isEmpty()) {
            return Map.of();
        }
        Map<String, List<String>> params = new LinkedHashMap<>();
        int start = 0;
        while (start <= query.length()) {
            int amp = query.indexOf('&', start);
            int end = amp < 0 ? query.length() : amp;
            if (end > start) {
                int eq = query.indexOf('=', start);
                String name;
                String value;
                if (eq < 0 || eq > end) {
                    name = percentDecode(query.substring(start, end), true);
                    value = "";
                } else {
                    name = percentDecode(query.substring(start, eq), true);
                    value = percentDecode(query.substring(eq + 1, end), true);
                }
                params.computeIfAbsent(name, k -> new ArrayList<>(1)).add(value);
            }
            if (amp < 0) {
                break;
            }
            start = amp + 1;
        }
        params.replaceAll((k, v) -> List.copyOf(v));
        return Collections.unmodifiableMap(params);
    }

    /**
     * Decodes percent escapes as UTF-8 (and {@code +} as a space in a query); a malformed escape is
     * kept as it was sent rather than refused, as browsers and most servers do.
     */
    static String percentDecode(String s, boolean plusIsSpace) {
        if (s.indexOf('%') < 0 && (!plusIsSpace || s.indexOf('+') < 0)) {
            return s;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%'
                    && i + 2 < s.length()
                    && Tokens.hexDigit(s.charAt(i + 1)) >= 0
                    && Tokens.hexDigit(s.charAt(i + 2)) >= 0) {
                out.write(Tokens.hexDigit(s.charAt(i + 1)) * 16 + Tokens.hexDigit(s.charAt(i + 2)));
                i += 2;
            } else if (c == '+' && plusIsSpace) {
                out.write(' ');
            } else if (c < 0x80) {
                out.write(c);
            } else {
                byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                out.write(b, 0, b.length);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** Builds a {@link Request}. Not thread-safe. */
    public static final class Builder {
        private String method = "GET";
        private String target = "/";
        private String version = "HTTP/1.1";
        private Headers headers = Headers.empty();
        private InetSocketAddress remoteAddress = InetSocketAddress.createUnresolved("127.0.0.1", 0);
        private InetSocketAddress peerAddress;
        private String scheme;
        private String host;
        private boolean secure;
        private TlsInfo tls;
        private SSLSession tlsSession;
        private ProxyHeader proxyHeader;
        private InputStream body = InputStream.nullInputStream();
        private long contentLength = -1;

        private Builder() {}

        /** Sets the method; default {@code GET}. */
        public Builder method(String method) {
            this.method = Objects.requireNonNull(method, "method");
            return this;
        }

        /** Sets the request target, such as {@code /path?q=1}; default {@code /}. */
        public Builder target(String target) {
            this.target = Objects.requireNonNull(target, "target");
            return this;
        }

        /** Sets the version; default {@code HTTP/1.1}. */
        public Builder version(String version) {
            this.version = Objects.requireNonNull(version, "version");
            return this;
        }

        /** Sets the headers; default none. */
        public Builder headers(Headers headers) {
            this.headers = Objects.requireNonNull(headers, "headers");
            return this;
        }

        /** Sets the client address; default {@code 127.0.0.1:0}. */
        public Builder remoteAddress(InetSocketAddress remoteAddress) {
            this.remoteAddress = Objects.requireNonNull(remoteAddress, "remoteAddress");
            return this;
        }

        /** Sets the TCP peer's address; default the client address. */
        public Builder peerAddress(InetSocketAddress peerAddress) {
            this.peerAddress = Objects.requireNonNull(peerAddress, "peerAddress");
            return this;
        }

        /** Sets the scheme, {@code http} or {@code https}; default {@code https} if secure, else {@code http}. */
        public Builder scheme(String scheme) {
            if (!scheme.equals("http") && !scheme.equals("https")) {
                throw new IllegalArgumentException("scheme must be http or https: " + scheme);
            }
            this.scheme = scheme;
            return this;
        }

        /** Sets the host; default the target's authority or the Host header. */
        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        /** Sets whether the connection itself is encrypted; default false. */
        public Builder secure(boolean secure) {
            this.secure = secure;
            return this;
        }

        /**
         * Sets what the connection's TLS handshake settled, or null for a plain connection (the
         * default); a request with one is {@link Request#secure() secure}.
         */
        public Builder tls(TlsInfo tls) {
            this.tls = tls;
            return this;
        }

        /** Sets the connection's JSSE session, or null for none (the default); see {@link Request#tlsSession()}. */
        public Builder tlsSession(SSLSession tlsSession) {
            this.tlsSession = tlsSession;
            return this;
        }

        /** Sets the PROXY protocol header; default none. */
        public Builder proxyHeader(ProxyHeader proxyHeader) {
            this.proxyHeader = proxyHeader;
            return this;
        }

        /** Sets the body to these bytes, with their length as the declared content length. */
        public Builder body(byte[] body) {
            this.body = new java.io.ByteArrayInputStream(body.clone());
            this.contentLength = body.length;
            return this;
        }

        /** Sets the body to this UTF-8 text. */
        public Builder body(String body) {
            return body(body.getBytes(StandardCharsets.UTF_8));
        }

        /**
         * Sets the body stream and the declared length.
         *
         * @param contentLength the declared length, or a negative number for none (chunked)
         */
        public Builder body(InputStream body, long contentLength) {
            this.body = Objects.requireNonNull(body, "body");
            this.contentLength = contentLength < 0 ? -1 : contentLength;
            return this;
        }

        /** Returns the request. */
        public Request build() {
            return new Request(this);
        }
    }
}
