package io.corral.http;

import io.corral.internal.http.ResponseBodies;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * An HTTP response: a status, headers and a body from bytes, a string, or a {@link BodyWriter}
 * that streams it.
 *
 * <pre>{@code
 * Response.ok("Hello, World!");                          // 200, text/plain; charset=utf-8
 * Response.of(404);                                      // 404, empty body
 * Response.of(201).header("Location", "/items/7");
 * Response.of(200).contentType("application/json").body("{\"ok\":true}");
 * Response.of(200).body(out -> {                         // chunked
 *     for (String line : lines) out.write(line.getBytes(UTF_8));
 * });
 * }</pre>
 *
 * <p>Instances are immutable; each {@code with}-style method returns a copy. The server adds
 * {@code Date}, {@code Server}, {@code Connection} and the framing ({@code Content-Length} or
 * {@code Transfer-Encoding: chunked}); a {@code Content-Length} the handler sets on a streaming
 * body is kept and the body must match it. {@code Transfer-Encoding} and {@code Connection} set by
 * the handler are replaced: framing and persistence are the server's job, except that a handler's
 * {@code Connection: close} is honoured (the connection closes after this response).
 *
 * <p>A handler test checks {@link #status()}, {@link #headers()} and {@link #contentLength()}; the
 * body itself is the server's to write, so a test that needs its bytes runs the handler behind an
 * {@code Arbiter} on port 0 and reads the answer with an HTTP client.
 */
public final class Response {

    static {
        // the engines write bodies through the internal ResponseBodies; the API does not show how
        ResponseBodies.register(Response::writeBody);
    }

    private static final byte[] NO_BYTES = new byte[0];
    private static final String TEXT_UTF8 = "text/plain; charset=utf-8";

    private final int status;
    private final Headers headers;
    private final byte[] bytes; // null when the body streams
    private final BodyWriter writer; // null when the body is bytes

    private Response(int status, Headers headers, byte[] bytes, BodyWriter writer) {
        if (status < 200 || status > 599) {
            throw new IllegalArgumentException("status must be from 200 to 599, got " + status);
        }
        this.status = status;
        this.headers = headers;
        this.bytes = bytes;
        this.writer = writer;
    }

    /** Returns a response with {@code status} and an empty body. */
    public static Response of(int status) {
        return new Response(status, Headers.empty(), NO_BYTES, null);
    }

    /** Returns 200 with {@code text} as {@code text/plain; charset=utf-8}. */
    public static Response ok(String text) {
        return text(200, text);
    }

    /** Returns 200 with these bytes as {@code application/octet-stream}. */
    public static Response ok(byte[] body) {
        return new Response(200, Headers.of("Content-Type", "application/octet-stream"), body.clone(), null);
    }

    /** Returns {@code status} with {@code text} as {@code text/plain; charset=utf-8}. */
    public static Response text(int status, String text) {
        return new Response(status, Headers.of("Content-Type", TEXT_UTF8), text.getBytes(StandardCharsets.UTF_8), null);
    }

    /** Returns the status code. */
    public int status() {
        return status;
    }

    /** Returns the headers the handler set (without those the server adds when it sends). */
    public Headers headers() {
        return headers;
    }

    /** Returns a copy with this status. */
    public Response status(int status) {
        return new Response(status, headers, bytes, writer);
    }

    /** Returns a copy with one more header field. */
    public Response header(String name, String value) {
        return new Response(status, headers.with(name, value), bytes, writer);
    }

    /** Returns a copy with these headers instead of the current ones. */
    public Response headers(Headers headers) {
        return new Response(status, Objects.requireNonNull(headers, "headers"), bytes, writer);
    }

    /** Returns a copy whose {@code Content-Type} is {@code contentType}. */
    public Response contentType(String contentType) {
        return new Response(status, headers.withReplaced("Content-Type", contentType), bytes, writer);
    }

    /** Returns a copy whose body is {@code text} in UTF-8; sets {@code text/plain; charset=utf-8} unless a type is set. */
    public Response body(String text) {
        Headers h = headers.contains("Content-Type") ? headers : headers.with("Content-Type", TEXT_UTF8);
        return new Response(status, h, text.getBytes(StandardCharsets.UTF_8), null);
    }

    /** Returns a copy whose body is these bytes (copied). */
    public Response body(byte[] body) {
        return new Response(status, headers, body.clone(), null);
    }

    /** Returns a copy whose body is streamed by {@code writer}, chunked unless a Content-Length is set. */
    public Response body(BodyWriter writer) {
        return new Response(status, headers, null, Objects.requireNonNull(writer, "writer"));
    }

    /** Returns true if the body is produced by a {@link BodyWriter}. */
    public boolean isStreaming() {
        return writer != null;
    }

    /**
     * Returns the body length if it is known before sending: the byte count of a fixed body, or the
     * {@code Content-Length} header of a streaming one.
     */
    public OptionalLong contentLength() {
        if (bytes != null) {
            return OptionalLong.of(bytes.length);
        }
        String declared = headers.firstOrNull("Content-Length");
        if (declared != null) {
            try {
                long n = Long.parseLong(declared.trim());
                if (n >= 0) {
                    return OptionalLong.of(n);
                }
            } catch (NumberFormatException e) {
                // not a length the server can frame with; it streams chunked instead
            }
        }
        return OptionalLong.empty();
    }

    /** Writes the body to {@code out}: a fixed body in one write of its own array, or what the writer produces. */
    private void writeBody(OutputStream out) throws IOException {
        if (bytes != null) {
            out.write(bytes, 0, bytes.length);
        } else {
            writer.writeTo(out);
        }
    }

    @Override
    public String toString() {
        return "Response[" + status + ", " + headers + (writer != null ? ", streaming" : ", " + bytes.length + " bytes")
                + "]";
    }
}
