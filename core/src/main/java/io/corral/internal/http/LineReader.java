package io.corral.internal.http;

import io.corral.Setting;
import io.corral.http.BadMessageException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Assembles one line at a time from bytes that arrive in pieces, never holding more than the
 * line's limit. Confined to the thread of the parser or decoder that owns it.
 *
 * <p>A line ends at LF; a CR just before the LF belongs to the ending. When a whole line is already
 * in a heap buffer, {@link #next} exposes it in place (no copy); only a line split across reads is
 * copied into the internal buffer, which grows to at most the limit plus one byte (a CR that may
 * turn out to end the line).
 *
 * <p>After {@link #next} returns true, {@link #array()}, {@link #start()} and {@link #end()} give the
 * line without its ending, valid until the next call, and {@link #length()} its size with the
 * ending.
 */
final class LineReader {

    static final byte CR = '\r';
    static final byte LF = '\n';

    private byte[] buf = new byte[0];

    /** Bytes of the unfinished line held in {@link #buf}. */
    private int held;

    private byte[] lineArray;
    private int lineStart;
    private int lineEnd;
    private int lineLength;

    /**
     * Consumes bytes of {@code in} up to and including the next LF.
     *
     * @param max the most bytes the line may hold, not counting its ending; may be negative, then
     *     no line fits
     * @param status the status to fail with when the line is longer than {@code max}
     * @param what the line's name in the failure message, such as "request line"
     * @param shownLimit the limit the failure message names ({@code max} may be less, when bytes
     *     before the line count toward it)
     * @return true if a line is complete, with {@code in} positioned after its LF; false if every
     *     byte of {@code in} was consumed without finding the end
     * @throws BadMessageException as soon as more than {@code max} bytes of content are known
     */
    boolean next(ByteBuffer in, int max, int status, String what, int shownLimit) throws BadMessageException {
        int pos = in.position();
        int limit = in.limit();
        int lf = indexOfLf(in, pos, limit);
        if (lf < 0) {
            int n = limit - pos;
            if (n == 0) {
                return false;
            }
            int total = held + n;
            // more than max bytes, unless the only extra one is a CR that a LF may follow
            if (total > max && !(total == max + 1 && in.get(limit - 1) == CR)) {
                throw tooLong(status, what, shownLimit);
            }
            append(in, pos, n, max + 1);
            in.position(limit);
            return false;
        }
        int n = lf - pos;
        int total = held + n;
        boolean cr = n > 0 ? in.get(lf - 1) == CR : held > 0 && buf[held - 1] == CR;
        int content = cr ? total - 1 : total;
        if (content > max) {
            throw tooLong(status, what, shownLimit);
        }
        if (held == 0 && in.hasArray()) {
            lineArray = in.array();
            lineStart = in.arrayOffset() + pos;
        } else {
            append(in, pos, n, max + 1);
            lineArray = buf;
            lineStart = 0;
            held = 0;
        }
        lineEnd = lineStart + content;
        lineLength = total + 1;
        in.position(lf + 1);
        return true;
    }

    /** The failure for a line over its limit; its message is built only when a line is refused. */
    private static BadMessageException tooLong(int status, String what, int shownLimit) {
        Setting limit =
                status == 414 ? Setting.LIMIT_REQUEST_LINE : status == 431 ? Setting.LIMIT_REQUEST_FIELD_SIZE : null;
        return new BadMessageException(status, what + " is longer than " + shownLimit + " bytes", limit);
    }

    /** Returns true if bytes of an unfinished line are held. */
    boolean holdsPartialLine() {
        return held > 0;
    }

    /** Returns true if the unfinished line held so far is just a CR, the start of an empty line. */
    boolean holdsOnlyCr() {
        return held == 1 && buf[0] == CR;
    }

    /** Forgets any unfinished line. */
    void clear() {
        held = 0;
        lineArray = null;
    }

    byte[] array() {
        return lineArray;
    }

    int start() {
        return lineStart;
    }

    int end() {
        return lineEnd;
    }

    /** Returns true if the last line had no content. */
    boolean isEmpty() {
        return lineEnd == lineStart;
    }

    /** Returns the bytes of the last line, ending included. */
    int length() {
        return lineLength;
    }

    /** Appends to the held line, growing the buffer by doubling but not past {@code cap}. */
    private void append(ByteBuffer in, int pos, int n, int cap) {
        int need = held + n;
        if (need > buf.length) {
            int grown = Math.min(Math.max(64, 2 * buf.length), cap);
            buf = Arrays.copyOf(buf, Math.max(need, grown));
        }
        in.get(pos, buf, held, n);
        held = need;
    }

    private static int indexOfLf(ByteBuffer in, int from, int to) {
        if (in.hasArray()) {
            byte[] a = in.array();
            int off = in.arrayOffset();
            for (int i = from + off, end = to + off; i < end; i++) {
                if (a[i] == LF) {
                    return i - off;
                }
            }
            return -1;
        }
        for (int i = from; i < to; i++) {
            if (in.get(i) == LF) {
                return i;
            }
        }
        return -1;
    }
}
