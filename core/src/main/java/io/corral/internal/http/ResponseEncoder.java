package io.corral.internal.http;

import io.corral.http.Headers;
import io.corral.http.Response;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.OptionalLong;

/**
 * Encodes response heads, and decides each response's framing and persistence the same way for
 * every worker model.
 *
 * <p>The head goes into a buffer the encoder reuses, so a connection allocates nothing per
 * response once warm. Confined to one connection's thread (or event loop).
 *
 * <p>Rules: the status line is always {@code HTTP/1.1} (RFC 9110 2.5); {@code Date} and {@code
 * Server: corral} are added unless the handler set them; the handler's {@code Connection}, {@code
 * Keep-Alive}, {@code Transfer-Encoding} and {@code Content-Length} are replaced by the server's own
 * framing: {@code Content-Length} for a fixed body or a streaming body that declared one, {@code
 * chunked} for other streaming bodies on HTTP/1.1, and read-until-close on HTTP/1.0. Responses to
 * HEAD keep the headers a GET would get but carry no body; 204 and 304 carry neither a body nor a
 * length. A handler's {@code Connection: close} is honoured: the response announces the close and
 * the connection closes after it (the JDK's HttpServer API promises this to its handlers).
 */
public final class ResponseEncoder {

    /** How the body of an encoded response is delimited. */
    public enum Framing {
        /** No body follows the head (HEAD, 204, 304). */
        NONE,
        /** Exactly {@link #contentLength()} bytes follow. */
        LENGTH,
        /** Chunked transfer coding follows. */
        CHUNKED,
        /** The body runs until the server closes the connection (HTTP/1.0 streaming). */
        CLOSE
    }

    /** The interim response sent before reading a body the client is holding back. */
    public static final byte[] CONTINUE = ascii("HTTP/1.1 100 Continue\r\n\r\n");

    /** The final chunk of a chunked body, without trailers. */
    public static final byte[] LAST_CHUNK = ascii("0\r\n\r\n");

    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] SERVER = ascii("Server: corral\r\n");
    private static final byte[] DATE = ascii("Date: ");
    private static final byte[] CONTENT_LENGTH = ascii("Content-Length: ");
    private static final byte[] CHUNKED = ascii("Transfer-Encoding: chunked\r\n");
    private static final byte[] CLOSE = ascii("Connection: close\r\n");
    private static final byte[] KEEP_ALIVE = ascii("Connection: keep-alive\r\n");

    private final HttpDate date;
    private byte[] buf = new byte[256];
    private int len;
    private Framing framing = Framing.NONE;
    private long contentLength;
    private boolean close;

    /** Creates an encoder with a {@code Date} cache of its own. */
    public ResponseEncoder() {
        this(new HttpDate());
    }

    /** Creates an encoder that shares {@code date}, the formatted current second, with others. */
    public ResponseEncoder(HttpDate date) {
        this.date = date;
    }

    /**
     * Encodes the head of {@code response} to the request {@code head}.
     *
     * @param keepAlive true if the server wants the connection to persist after this response; the
     *     encoder may still decide to close (HTTP/1.0 streaming), see {@link #closeAfter()}
     * @return the head bytes, valid until the next call
     */
    public ByteBuffer encode(RequestHead head, Response response, boolean keepAlive) {
        int status = response.status();
        Headers headers = response.headers();
        boolean bodyless = status == 204 || status == 304;
        OptionalLong length = response.contentLength();
        if (bodyless) {
            framing = Framing.NONE;
            contentLength = 0;
        } else if (length.isPresent()) {
            framing = head.isHead() ? Framing.NONE : Framing.LENGTH;
            contentLength = length.getAsLong();
        } else if (head.isHead()) {
            framing = Framing.NONE;
            contentLength = 0;
        } else if (head.minorVersion() >= 1) {
            framing = Framing.CHUNKED;
            contentLength = -1;
        } else {
            framing = Framing.CLOSE;
            contentLength = -1;
        }
        // a handler may ask for the close itself (the JDK HttpServer API honours Connection: close)
        close = !keepAlive || framing == Framing.CLOSE || headers.containsToken("Connection", "close");

        len = 0;
        statusLine(status);
        boolean hasDate = false;
        boolean hasServer = false;
        for (int i = 0; i < headers.size(); i++) {
            String name = headers.name(i);
            if (isServerOwned(name)) {
                continue;
            }
            hasDate |= name.equalsIgnoreCase("Date");
            hasServer |= name.equalsIgnoreCase("Server");
            field(name, headers.value(i));
        }
        if (!hasDate) {
            put(DATE);
            put(date.now());
            put(CRLF);
        }
        if (!hasServer) {
            put(SERVER);
        }
        if (!bodyless && length.isPresent()) {
            put(CONTENT_LENGTH);
            putDecimal(contentLength);
            put(CRLF);
        } else if (framing == Framing.CHUNKED) {
            put(CHUNKED);
        }
        if (close) {
            put(CLOSE);
        } else if (head.minorVersion() == 0) {
            put(KEEP_ALIVE);
        }
        put(CRLF);
        return ByteBuffer.wrap(buf, 0, len);
    }

    /** Returns the framing chosen by the last {@link #encode}. */
    public Framing framing() {
        return framing;
    }

    /** Returns the body length chosen by the last {@link #encode}, or -1 if not length-delimited. */
    public long contentLength() {
        return contentLength;
    }

    /** Returns true if the last encoded response announced that the connection closes after it. */
    public boolean closeAfter() {
        return close;
    }

    /**
     * Returns a complete error response that closes the connection: a short plain-text body with the
     * reason and, if given, what was wrong.
     */
    public static byte[] errorResponse(int status, String detail) {
        String body =
                status + " " + Status.reason(status) + (detail == null || detail.isEmpty() ? "" : ": " + detail) + "\n";
        byte[] bodyBytes = body.getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 " + status + " " + Status.reason(status) + "\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\n"
                + "Content-Length: " + bodyBytes.length + "\r\n"
                + (status == 503 ? "Retry-After: 1\r\n" : "")
                + "Server: corral\r\n"
                + "Connection: close\r\n\r\n";
        byte[] headBytes = ascii(head);
        byte[] all = Arrays.copyOf(headBytes, headBytes.length + bodyBytes.length);
        System.arraycopy(bodyBytes, 0, all, headBytes.length, bodyBytes.length);
        return all;
    }

    /**
     * Writes a chunk-size line ({@code hex CRLF}) for {@code size} bytes into {@code dst} at {@code
     * off}.
     *
     * @return the number of bytes written, at most 18
     */
    public static int chunkHeader(int size, byte[] dst, int off) {
        int digits = Math.max(1, (Integer.SIZE - Integer.numberOfLeadingZeros(size) + 3) / 4);
        for (int i = digits - 1; i >= 0; i--) {
            dst[off + i] = HEX[size & 0xF];
            size >>>= 4;
        }
        dst[off + digits] = '\r';
        dst[off + digits + 1] = '\n';
        return digits + 2;
    }

    private static final byte[] HEX = ascii("0123456789abcdef");

    private static boolean isServerOwned(String name) {
        return name.equalsIgnoreCase("Content-Length")
                || name.equalsIgnoreCase("Transfer-Encoding")
                || name.equalsIgnoreCase("Connection")
                || name.equalsIgnoreCase("Keep-Alive");
    }

    private void statusLine(int status) {
        ensure(16);
        buf[len++] = 'H';
        buf[len++] = 'T';
        buf[len++] = 'T';
        buf[len++] = 'P';
        buf[len++] = '/';
        buf[len++] = '1';
        buf[len++] = '.';
        buf[len++] = '1';
        buf[len++] = ' ';
        buf[len++] = (byte) ('0' + status / 100);
        buf[len++] = (byte) ('0' + status / 10 % 10);
        buf[len++] = (byte) ('0' + status % 10);
        buf[len++] = ' ';
        putLatin1(Status.reason(status));
        put(CRLF);
    }

    private void field(String name, String value) {
        putLatin1(name);
        ensure(2);
        buf[len++] = ':';
        buf[len++] = ' ';
        putLatin1(value);
        put(CRLF);
    }

    private void putLatin1(String s) {
        int n = s.length();
        ensure(n);
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            buf[len++] = c <= 0xFF ? (byte) c : (byte) '?';
        }
    }

    private void putDecimal(long v) {
        ensure(20);
        if (v == 0) {
            buf[len++] = '0';
            return;
        }
        int start = len;
        while (v > 0) {
            buf[len++] = (byte) ('0' + v % 10);
            v /= 10;
        }
        for (int i = start, j = len - 1; i < j; i++, j--) {
            byte t = buf[i];
            buf[i] = buf[j];
            buf[j] = t;
        }
    }

    private void put(byte[] b) {
        ensure(b.length);
        System.arraycopy(b, 0, buf, len, b.length);
        len += b.length;
    }

    private void ensure(int more) {
        if (len + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + more));
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
