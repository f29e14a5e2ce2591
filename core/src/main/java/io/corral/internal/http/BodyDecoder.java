package io.corral.internal.http;

import io.corral.Setting;
import io.corral.http.BadMessageException;
import io.corral.http.Headers;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * Decodes one request body, Content-Length delimited or chunked, from the buffer the head was
 * parsed from. Confined to the connection's thread.
 *
 * <pre>{@code
 * BodyDecoder body = BodyDecoder.forHead(head, limits);
 * int n;
 * while ((n = body.read(buffer, dst, 0, dst.length)) != -1) {
 *     if (n == 0) { buffer.compact(); channel.read(buffer); buffer.flip(); }  // needs more bytes
 *     else consume(dst, 0, n);
 * }
 * }</pre>
 *
 * <p>Data is copied in spans, never byte by byte; only the framing is looked at byte by byte. A
 * chunked body (RFC 9112 section 7.1) is checked strictly:
 *
 * <ul>
 *   <li>chunk-size: 1 to 16 hex digits of either case, leading zeros allowed, below 2^63; then
 *       optional extensions, {@code ;name} or {@code ;name=value} with a token or quoted-string
 *       value and optional SP/HTAB before the {@code ;}, {@code =} and each part; nothing else, and
 *       at most {@value #MAX_SIZE_LINE} bytes. Breaches are 400.
 *   <li>each chunk's data is followed by CRLF or a bare LF, else 400.
 *   <li>the last chunk (size 0) is followed by trailer fields, checked like header fields (431
 *       past {@link Limits#fields()} fields, a line past {@link Limits#fieldSize()}, or, with
 *       their line ends, more than {@link Limits#head()} bytes together, as a head; 400 for a
 *       trailer that would change framing, routing or authentication: Content-Length,
 *       Transfer-Encoding, Host, Trailer, TE, Authorization), and an empty line.
 *   <li>413 as soon as the chunk sizes announced add up to more than {@link Limits#body()}.
 * </ul>
 *
 * <p>Body bytes that come before bad framing are delivered first: a read that has already written
 * data returns it, and the error is thrown by the next read. After a {@link BadMessageException}
 * the decoder throws it again on every read, and the connection must be closed (the position of
 * {@code in} is then unspecified).
 */
public final class BodyDecoder {

    /** The longest chunk-size line, extensions included, not counting its ending. */
    static final int MAX_SIZE_LINE = 4096;

    private static final int MAX_SIZE_DIGITS = 16;

    private enum State {
        /** Delimited by Content-Length: {@link #remaining} bytes to go. */
        FIXED,
        CHUNK_SIZE,
        /** Inside a chunk: {@link #remaining} bytes to go. */
        CHUNK_DATA,
        /** After a chunk's data, before its CR or LF. */
        CHUNK_END,
        /** After a chunk's data and a CR, before the LF. */
        CHUNK_END_LF,
        TRAILERS,
        DONE
    }

    private final Limits limits;
    private State state;
    private long remaining;

    /** Bytes announced by the chunk sizes so far. */
    private long announced;

    private BadMessageException failure;

    // Chunked bodies only; the trailer parts are created at the last chunk.
    private LineReader lines;
    private FieldLine fieldLine;
    private Headers.Builder trailerFields;
    private int trailerCount;
    private long trailerBytes;
    private Headers trailers = Headers.empty();

    private BodyDecoder(Limits limits, State state, long remaining) {
        this.limits = limits;
        this.state = state;
        this.remaining = remaining;
    }

    /** Returns the decoder for the body that follows {@code head}, enforcing {@code limits.body()}. */
    public static BodyDecoder forHead(RequestHead head, Limits limits) {
        if (head.chunked()) {
            BodyDecoder d = new BodyDecoder(limits, State.CHUNK_SIZE, 0);
            d.lines = new LineReader();
            return d;
        }
        if (head.contentLength() <= 0) {
            return new BodyDecoder(limits, State.DONE, 0);
        }
        BodyDecoder d = new BodyDecoder(limits, State.FIXED, head.contentLength());
        if (limits.body() > 0 && head.contentLength() > limits.body()) {
            // the parser refuses such a head already; this guards heads made elsewhere
            d.failure = new BadMessageException(
                    413, "body is larger than " + limits.body() + " bytes", Setting.LIMIT_REQUEST_BODY);
        }
        return d;
    }

    /**
     * Decodes bytes of {@code in} into {@code dst}, consuming framing as far as the input goes: a
     * read stops when {@code in} is exhausted, {@code dst} is full or the body is complete, so that
     * the bytes of a pipelined request stay in {@code in}.
     *
     * @return the number of body bytes written to {@code dst} (0 if {@code in} held only framing or
     *     nothing, or {@code len} is 0), or -1 once the body is complete and all of its framing
     *     consumed
     * @throws BadMessageException for bad framing (400), trailers over the limits (431) or a body
     *     over the limit (413); thrown again by every later read
     * @throws IndexOutOfBoundsException if {@code off} and {@code len} do not fit {@code dst}
     */
    public int read(ByteBuffer in, byte[] dst, int off, int len) throws BadMessageException {
        Objects.checkFromIndexSize(off, len, dst.length);
        if (failure != null) {
            throw failure;
        }
        if (state == State.DONE) {
            return -1;
        }
        if (len == 0) {
            return 0;
        }
        if (state == State.FIXED) {
            int n = (int) Math.min(Math.min(remaining, in.remaining()), len);
            in.get(dst, off, n);
            remaining -= n;
            if (remaining == 0) {
                state = State.DONE;
            }
            return n;
        }
        return chunked(in, dst, off, len);
    }

    /** Returns true once the whole body, with its framing and trailers, has been consumed. */
    public boolean isComplete() {
        return state == State.DONE;
    }

    /** Returns the trailer fields of a chunked body, once complete; empty otherwise. */
    public Headers trailers() {
        return trailers;
    }

    /**
     * Decodes chunks while there is input, and room in {@code dst} for data. Data already written
     * when bad framing turns up is returned first; the error comes with the next read.
     */
    private int chunked(ByteBuffer in, byte[] dst, int off, int len) throws BadMessageException {
        int written = 0;
        try {
            while (true) {
                switch (state) {
                    case CHUNK_SIZE -> {
                        if (!lines.next(in, MAX_SIZE_LINE, 400, "chunk size line", MAX_SIZE_LINE)) {
                            return written;
                        }
                        chunkSize(lines.array(), lines.start(), lines.end());
                    }
                    case CHUNK_DATA -> {
                        int n = (int) Math.min(Math.min(remaining, in.remaining()), len - written);
                        if (n == 0) {
                            return written;
                        }
                        in.get(dst, off + written, n);
                        written += n;
                        remaining -= n;
                        if (remaining == 0) {
                            state = State.CHUNK_END;
                        }
                    }
                    case CHUNK_END, CHUNK_END_LF -> {
                        if (!in.hasRemaining()) {
                            return written;
                        }
                        byte b = in.get();
                        if (b == LineReader.LF) {
                            state = State.CHUNK_SIZE;
                        } else if (b == LineReader.CR && state == State.CHUNK_END) {
                            state = State.CHUNK_END_LF;
                        } else {
                            throw new BadMessageException(400, "chunk data is not followed by CRLF");
                        }
                    }
                    case TRAILERS -> {
                        if (!lines.next(in, limits.fieldSize(), 431, "trailer line", limits.fieldSize())) {
                            return written;
                        }
                        if (lines.isEmpty()) {
                            trailers = trailerFields == null ? Headers.empty() : trailerFields.build();
                            trailerFields = null;
                            state = State.DONE;
                        } else {
                            trailer(lines.array(), lines.start(), lines.end());
                        }
                    }
                    default -> {
                        return written > 0 ? written : -1;
                    }
                }
            }
        } catch (BadMessageException e) {
            failure = e;
            if (written > 0) {
                return written;
            }
            throw e;
        }
    }

    /** Parses {@code chunk-size [ chunk-ext ]} and moves to the chunk's data or the trailers. */
    private void chunkSize(byte[] a, int start, int end) throws BadMessageException {
        int p = start;
        long size = 0;
        while (p < end) {
            int digit = Tokens.hexDigit(a[p]);
            if (digit < 0) {
                break;
            }
            size = size << 4 | digit;
            p++;
        }
        int digits = p - start;
        if (digits == 0) {
            throw new BadMessageException(400, "chunk size must start with hex digits");
        }
        if (digits > MAX_SIZE_DIGITS || size < 0) {
            throw new BadMessageException(400, "chunk size is too large");
        }
        chunkExtensions(a, p, end);
        if (size == 0) {
            if (fieldLine == null) {
                fieldLine = new FieldLine();
            }
            state = State.TRAILERS;
            return;
        }
        if (limits.body() > 0 && size > limits.body() - announced) {
            throw new BadMessageException(
                    413, "body is larger than " + limits.body() + " bytes", Setting.LIMIT_REQUEST_BODY);
        }
        announced = announced + size < 0 ? Long.MAX_VALUE : announced + size;
        remaining = size;
        state = State.CHUNK_DATA;
    }

    /** Checks {@code *( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] )} in {@code a[p, end)}. */
    private static void chunkExtensions(byte[] a, int p, int end) throws BadMessageException {
        while (p < end) {
            p = skipSpace(a, p, end);
            if (p == end || a[p] != ';') {
                throw new BadMessageException(400, "chunk size is followed by something other than an extension");
            }
            p = skipSpace(a, p + 1, end);
            int name = p;
            p = skipToken(a, p, end);
            if (p == name) {
                throw new BadMessageException(400, "chunk extension without a name");
            }
            int afterName = p;
            p = skipSpace(a, p, end);
            if (p < end && a[p] == '=') {
                p = skipSpace(a, p + 1, end);
                int value = p;
                p = p < end && a[p] == '"' ? skipQuotedString(a, p, end) : skipToken(a, p, end);
                if (p == value) {
                    throw new BadMessageException(400, "chunk extension without a value after =");
                }
            } else {
                p = afterName;
            }
        }
    }

    private static int skipSpace(byte[] a, int p, int end) {
        while (p < end && FieldLine.isSpace(a[p])) {
            p++;
        }
        return p;
    }

    private static int skipToken(byte[] a, int p, int end) {
        while (p < end && FieldLine.isTchar(a[p])) {
            p++;
        }
        return p;
    }

    /** Returns the index after the quoted-string that starts at {@code a[p]}, a DQUOTE. */
    private static int skipQuotedString(byte[] a, int p, int end) throws BadMessageException {
        for (p++; p < end; p++) {
            int c = a[p] & 0xFF;
            if (c == '"') {
                return p + 1;
            }
            if (c == '\\') {
                p++;
                if (p == end) {
                    break;
                }
                c = a[p] & 0xFF;
            }
            if (c != '\t' && (c < 0x20 || c == 0x7F)) {
                throw new BadMessageException(400, "control character in a chunk extension");
            }
        }
        throw new BadMessageException(400, "unterminated quoted string in a chunk extension");
    }

    private void trailer(byte[] a, int start, int end) throws BadMessageException {
        if (++trailerCount > limits.fields()) {
            throw new BadMessageException(
                    431, "more than " + limits.fields() + " trailer fields", Setting.LIMIT_REQUEST_FIELDS);
        }
        trailerBytes += end - start + 2;
        if (limits.head() > 0 && trailerBytes > limits.head()) {
            throw new BadMessageException(431, "the trailers are larger than " + limits.head() + " bytes");
        }
        fieldLine.parse(a, start, end);
        String name = fieldLine.name();
        if (isForbiddenTrailer(name)) {
            throw new BadMessageException(400, "header " + name + " is not allowed in trailers");
        }
        if (trailerFields == null) {
            trailerFields = Headers.builder();
        }
        trailerFields.add(name, fieldLine.value());
    }

    private static boolean isForbiddenTrailer(String name) {
        return switch (name.length()) {
            case 2 -> name.equalsIgnoreCase("TE");
            case 4 -> name.equalsIgnoreCase("Host");
            case 7 -> name.equalsIgnoreCase("Trailer");
            case 13 -> name.equalsIgnoreCase("Authorization");
            case 14 -> name.equalsIgnoreCase("Content-Length");
            case 17 -> name.equalsIgnoreCase("Transfer-Encoding");
            default -> false;
        };
    }
}
