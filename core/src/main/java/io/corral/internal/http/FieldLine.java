package io.corral.internal.http;

import io.corral.http.BadMessageException;
import java.nio.charset.StandardCharsets;

/**
 * Splits and checks one {@code name: value} line of a head or of a chunked body's trailers, and the
 * byte classes of HTTP/1.1 that the parser and decoder share. Confined to the thread of its owner;
 * one instance is reused for every line.
 *
 * <p>The rules (RFC 9112 section 5, as strict as gunicorn): the name is a non-empty token followed
 * at once by a colon; a line that starts with SP or HTAB is an obsolete fold; SP and HTAB around the
 * value are dropped; the value holds no control character but HTAB (bytes 0x80 to 0xFF are
 * obs-text, read as ISO-8859-1). Any breach is a 400.
 */
final class FieldLine {

    /** Bytes allowed inside a field value: HTAB, SP, VCHAR and obs-text. */
    private static final boolean[] FIELD_VCHAR = new boolean[256];

    static {
        for (int b = 0; b < 256; b++) {
            FIELD_VCHAR[b] = b == '\t' || (b >= 0x20 && b != 0x7F);
        }
    }

    /**
     * Names sent often, in the case clients send them, so that their Strings are shared rather than
     * made per request. Indexed by length.
     */
    private static final String[][] COMMON_NAMES = commonNames(
            "Host",
            "host",
            "Accept",
            "accept",
            "Accept-Encoding",
            "accept-encoding",
            "Accept-Language",
            "accept-language",
            "Authorization",
            "authorization",
            "Cache-Control",
            "cache-control",
            "Connection",
            "connection",
            "Content-Length",
            "content-length",
            "Content-Type",
            "content-type",
            "Cookie",
            "cookie",
            "Expect",
            "Origin",
            "Referer",
            "referer",
            "Transfer-Encoding",
            "transfer-encoding",
            "Upgrade",
            "User-Agent",
            "user-agent",
            "X-Forwarded-For",
            "X-Forwarded-Proto",
            "X-Request-ID");

    private String name;
    private String value;

    static boolean isTchar(byte b) {
        return Tokens.isTokenChar(b & 0xFF);
    }

    static boolean isSpace(byte b) {
        return b == ' ' || b == '\t';
    }

    /**
     * Splits and checks the line {@code a[start, end)}, which is not empty; then {@link #name()} and
     * {@link #value()} return its parts.
     *
     * @throws BadMessageException with 400 if the line breaks a rule
     */
    void parse(byte[] a, int start, int end) throws BadMessageException {
        if (isSpace(a[start])) {
            throw new BadMessageException(400, "obsolete line folding is not accepted");
        }
        int p = start;
        while (p < end && isTchar(a[p])) {
            p++;
        }
        if (p == end || a[p] != ':') {
            throw new BadMessageException(
                    400,
                    p < end && isSpace(a[p])
                            ? "whitespace between a header name and its colon"
                            : "a header line must be a token name, a colon and a value");
        }
        if (p == start) {
            throw new BadMessageException(400, "empty header name");
        }
        name = name(a, start, p - start);
        p++;
        while (p < end && isSpace(a[p])) {
            p++;
        }
        int valueEnd = p;
        for (int i = p; i < end; i++) {
            byte b = a[i];
            if (!FIELD_VCHAR[b & 0xFF]) {
                throw new BadMessageException(400, "control character in the value of header " + name);
            }
            if (b != ' ' && b != '\t') {
                valueEnd = i + 1;
            }
        }
        value = p == valueEnd ? "" : new String(a, p, valueEnd - p, StandardCharsets.ISO_8859_1);
    }

    /** Returns the name of the last line parsed, as sent. */
    String name() {
        return name;
    }

    /** Returns the value of the last line parsed, without surrounding whitespace. */
    String value() {
        return value;
    }

    static int trimStart(String s, int from, int to) {
        while (from < to && (s.charAt(from) == ' ' || s.charAt(from) == '\t')) {
            from++;
        }
        return from;
    }

    static int trimEnd(String s, int from, int to) {
        while (to > from && (s.charAt(to - 1) == ' ' || s.charAt(to - 1) == '\t')) {
            to--;
        }
        return to;
    }

    private static String name(byte[] a, int start, int length) {
        if (length < COMMON_NAMES.length) {
            for (String common : COMMON_NAMES[length]) {
                if (sameBytes(common, a, start)) {
                    return common;
                }
            }
        }
        return new String(a, start, length, StandardCharsets.ISO_8859_1);
    }

    /** True if {@code a} holds the ASCII characters of {@code s} from {@code start}; reuses common Strings. */
    static boolean sameBytes(String s, byte[] a, int start) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) != a[start + i]) {
                return false;
            }
        }
        return true;
    }

    private static String[][] commonNames(String... names) {
        int longest = 0;
        for (String n : names) {
            longest = Math.max(longest, n.length());
        }
        String[][] byLength = new String[longest + 1][];
        for (int len = 0; len <= longest; len++) {
            int count = 0;
            for (String n : names) {
                count += n.length() == len ? 1 : 0;
            }
            byLength[len] = new String[count];
            count = 0;
            for (String n : names) {
                if (n.length() == len) {
                    byLength[len][count++] = n;
                }
            }
        }
        return byLength;
    }
}
