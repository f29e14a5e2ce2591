package io.corral.benchmarks.compare;

import io.corral.internal.http.Tokens;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * Finds the end of one HTTP/1.1 response in the bytes a load-generator connection has received,
 * so that the connection can send its next request: just enough parsing for a benchmark client
 * (status, {@code Content-Length}, chunked bodies, {@code Connection: close}), not a validating
 * parser.
 *
 * <pre>{@code
 * ResponseReader reader = new ResponseReader();
 * int status = reader.read(received);   // -1: need more bytes; else the status of a complete response
 * if (status > 0 && reader.closeAfter()) reconnect();
 * }</pre>
 *
 * <p>Confined to the thread that owns the connection. A body without a length and not chunked
 * runs until the server closes; {@link #endOfStream()} completes it.
 */
public final class ResponseReader {

    /** Splits a head into lines; compiled once, as String.split would compile it for every head. */
    private static final Pattern CRLF = Pattern.compile("\r\n");

    private static final int MAX_HEAD = 16 * 1024;

    private enum State {
        HEAD,
        LENGTH_BODY,
        CHUNK_SIZE,
        CHUNK_DATA,
        CHUNK_DATA_CRLF,
        TRAILERS,
        UNTIL_CLOSE
    }

    private State state = State.HEAD;
    private int status;
    private boolean closeAfter;
    private long remaining;

    /**
     * Consumes bytes of {@code in} until one response is complete.
     *
     * @return the status of the response that just completed (with {@code in} positioned after it),
     *     or -1 if every byte was consumed and more are needed
     * @throws IOException if the bytes are not an HTTP/1.x response this reader understands
     */
    public int read(ByteBuffer in) throws IOException {
        while (true) {
            switch (state) {
                case HEAD -> {
                    int end = headEnd(in);
                    if (end < 0) {
                        if (in.remaining() > MAX_HEAD) {
                            throw new IOException("response head larger than " + MAX_HEAD + " bytes");
                        }
                        return -1;
                    }
                    parseHead(in, end);
                    if (state == State.HEAD) {
                        return finish();
                    }
                }
                case LENGTH_BODY -> {
                    int n = (int) Math.min(remaining, in.remaining());
                    in.position(in.position() + n);
                    remaining -= n;
                    if (remaining > 0) {
                        return -1;
                    }
                    return finish();
                }
                case CHUNK_SIZE -> {
                    int eol = lineEnd(in);
                    if (eol < 0) {
                        return -1;
                    }
                    remaining = chunkSize(in, eol);
                    in.position(eol + 2);
                    state = remaining == 0 ? State.TRAILERS : State.CHUNK_DATA;
                }
                case CHUNK_DATA -> {
                    int n = (int) Math.min(remaining, in.remaining());
                    in.position(in.position() + n);
                    remaining -= n;
                    if (remaining > 0) {
                        return -1;
                    }
                    state = State.CHUNK_DATA_CRLF;
                }
                case CHUNK_DATA_CRLF -> {
                    if (in.remaining() < 2) {
                        return -1;
                    }
                    if (in.get() != '\r' || in.get() != '\n') {
                        throw new IOException("chunk data not followed by CRLF");
                    }
                    state = State.CHUNK_SIZE;
                }
                case TRAILERS -> {
                    int eol = lineEnd(in);
                    if (eol < 0) {
                        return -1;
                    }
                    boolean empty = eol == in.position();
                    in.position(eol + 2);
                    if (empty) {
                        return finish();
                    }
                }
                case UNTIL_CLOSE -> {
                    in.position(in.limit());
                    return -1;
                }
            }
        }
    }

    /** The server closed the connection: returns the status if that ends a read-until-close body, else -1. */
    public int endOfStream() {
        if (state == State.UNTIL_CLOSE) {
            return finish();
        }
        return -1;
    }

    /** Returns true if the response that last completed said the connection closes after it. */
    public boolean closeAfter() {
        return closeAfter;
    }

    /** Returns true if part of a response has been consumed but it is not complete. */
    public boolean inProgress() {
        return state != State.HEAD;
    }

    private int finish() {
        state = State.HEAD;
        return status;
    }

    /** Returns the index just after the CRLFCRLF that ends the head, or -1. */
    static int headEnd(ByteBuffer in) {
        for (int i = in.position(); i + 3 < in.limit(); i++) {
            if (in.get(i) == '\r' && in.get(i + 1) == '\n' && in.get(i + 2) == '\r' && in.get(i + 3) == '\n') {
                return i + 4;
            }
        }
        return -1;
    }

    /** Returns the index of the CR of the next CRLF, or -1. */
    private static int lineEnd(ByteBuffer in) {
        for (int i = in.position(); i + 1 < in.limit(); i++) {
            if (in.get(i) == '\r' && in.get(i + 1) == '\n') {
                return i;
            }
        }
        return -1;
    }

    private void parseHead(ByteBuffer in, int end) throws IOException {
        byte[] bytes = new byte[end - in.position()];
        in.get(bytes);
        String head = new String(bytes, StandardCharsets.ISO_8859_1);
        String[] lines = CRLF.split(head);
        String statusLine = lines[0];
        if (!statusLine.startsWith("HTTP/1.") || statusLine.length() < 12) {
            throw new IOException("not an HTTP/1.x status line: " + abbreviate(statusLine));
        }
        try {
            status = Integer.parseInt(statusLine.substring(9, 12));
        } catch (NumberFormatException e) {
            throw new IOException("bad status code: " + abbreviate(statusLine), e);
        }
        boolean http10 = statusLine.startsWith("HTTP/1.0");
        closeAfter = http10;
        long length = -1;
        boolean chunked = false;
        for (int i = 1; i < lines.length; i++) {
            String line = lines[i];
            int colon = line.indexOf(':');
            if (colon <= 0) {
                continue;
            }
            String name = line.substring(0, colon).trim();
            String value = line.substring(colon + 1).trim();
            if (name.equalsIgnoreCase("Content-Length")) {
                try {
                    length = Long.parseLong(value);
                } catch (NumberFormatException e) {
                    throw new IOException("bad Content-Length: " + abbreviate(value), e);
                }
            } else if (name.equalsIgnoreCase("Transfer-Encoding")) {
                chunked = value.toLowerCase(java.util.Locale.ROOT).endsWith("chunked");
            } else if (name.equalsIgnoreCase("Connection")) {
                if (Tokens.listContains(value, "close")) {
                    closeAfter = true;
                } else if (Tokens.listContains(value, "keep-alive")) {
                    closeAfter = false;
                }
            }
        }
        boolean noBody = status == 204 || status == 304 || (status >= 100 && status < 200);
        if (noBody) {
            state = State.HEAD;
        } else if (chunked) {
            state = State.CHUNK_SIZE;
        } else if (length >= 0) {
            remaining = length;
            state = length == 0 ? State.HEAD : State.LENGTH_BODY;
        } else {
            closeAfter = true;
            state = State.UNTIL_CLOSE;
        }
    }

    private static long chunkSize(ByteBuffer in, int eol) throws IOException {
        long size = 0;
        int digits = 0;
        for (int i = in.position(); i < eol; i++) {
            int c = in.get(i);
            int d = Character.digit(c, 16);
            if (d < 0) {
                if (c == ';' || c == ' ' || c == '\t') {
                    break; // chunk extensions
                }
                throw new IOException("bad chunk size");
            }
            if (++digits > 15) {
                throw new IOException("chunk size too large");
            }
            size = size * 16 + d;
        }
        if (digits == 0) {
            throw new IOException("empty chunk size");
        }
        return size;
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 60) + "...";
    }
}
