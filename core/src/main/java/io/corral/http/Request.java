package io.corral.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One HTTP request as a handler sees it: the request line, the headers, the client's address and a
 * body that is read lazily.
 *
 * <pre>{@code
 * Response handle(Request req) throws IOException {
 *     String name = req.queryParam("name").orElse("world");   // GET /hello?name=Ann
 *     byte[] body = req.bodyBytes();                           // POST bodies, up to limit_request_body
 *     return Response.ok("Hello, " + name);
 * }
 * }</pre>
 *
 * <p>A request belongs to the one exchange that is handling it; the body stream is not
 * thread-safe and may be read once. Everything else is immutable. Tests build requests with {@link
 * #builder()}.
 */
public final class Request {

    private final String method;
    private final String target;
    private final String rawPath;
    private final String rawQuery;
    private final String version;
    private final Headers headers;
    private final InetSocketAddress remoteAddress;
    private final InputStream body;
    private final long contentLength;

    private String path; // decoded lazily; racy but idempotent
    private Map<String, List<String>> queryParams; // decoded lazily; racy but idempotent

    private Request(Builder b) {
        this.method = b.method;
        this.target = b.target;
        this.version = b.version;
        this.headers = b.headers;
        this.remoteAddress = b.remoteAddress;
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

    /** Returns the address of the client (the peer of the connection; a proxy if there is one). */
    public InetSocketAddress remoteAddress() {
        return remoteAddress;
    }

    /** Returns the body length the client declared with {@code Content-Length}; empty for chunked bodies. */
    public OptionalLong contentLength() {
        return contentLength < 0 ? OptionalLong.empty() : OptionalLong.of(contentLength);
    }

    /**
     * Returns the body as a stream: on the {@code sync} and {@code virtual} workers it is read from
     * the connection as the handler reads it, on {@code async} it was read whole before the handler
     * ran. A request without a body gives an empty stream. A malformed or oversized body makes
     * reads throw {@link BadMessageException}. What the handler leaves unread is skipped before the
     * next request (or the connection closes after the response if that would cost too much).
     */
    public InputStream body() {
        return body;
    }

    /**
     * Reads the whole body into memory; it is bounded by the server's {@code limit_request_body}.
     *
     * @throws BadMessageException with 413 if the body is larger than that limit
     */
    public byte[] bodyBytes() throws IOException {
        return body.readAllBytes();
    }

    /**
     * Reads the whole body into memory, refusing one larger than {@code maxBytes}.
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

    /** Reads the whole body as UTF-8 text; bounded as {@link #bodyBytes()} is. */
    public String bodyString() throws IOException {
        return new String(bodyBytes(), StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return method + " " + target + " " + version;
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
            if (c == '%' && i + 2 < s.length() && hex(s.charAt(i + 1)) >= 0 && hex(s.charAt(i + 2)) >= 0) {
                out.write(hex(s.charAt(i + 1)) * 16 + hex(s.charAt(i + 2)));
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

    private static int hex(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    /** Builds a {@link Request}. Not thread-safe. */
    public static final class Builder {
        private String method = "GET";
        private String target = "/";
        private String version = "HTTP/1.1";
        private Headers headers = Headers.empty();
        private InetSocketAddress remoteAddress = InetSocketAddress.createUnresolved("127.0.0.1", 0);
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
