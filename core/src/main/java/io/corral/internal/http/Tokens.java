package io.corral.internal.http;

/**
 * RFC 9110's token characters ({@code tchar}), comma-separated token lists and hex digits, defined
 * once for the codec, {@link io.corral.http.Headers}, {@link io.corral.http.Request} and the address
 * parsers. Stateless.
 */
public final class Tokens {

    private static final boolean[] TCHAR = new boolean[256];

    static {
        for (char c = '0'; c <= '9'; c++) {
            TCHAR[c] = true;
        }
        for (char c = 'a'; c <= 'z'; c++) {
            TCHAR[c] = true;
            TCHAR[c - 'a' + 'A'] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TCHAR[c] = true;
        }
    }

    private Tokens() {}

    /** True if {@code c} (a char, or a byte as 0 to 255) may appear in a token. */
    public static boolean isTokenChar(int c) {
        return c >= 0 && c < 256 && TCHAR[c];
    }

    /** The value of {@code c} (a char, or a byte as it comes) as a hex digit of either case; -1 if it is not one. */
    public static int hexDigit(int c) {
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

    /**
     * True if {@code list}, a comma-separated field value such as {@code Connection}'s, has {@code
     * token} as an element, ignoring case and the spaces and tabs around elements.
     */
    public static boolean listContains(String list, String token) {
        int n = list.length();
        int start = 0;
        while (true) {
            int comma = list.indexOf(',', start);
            int end = comma < 0 ? n : comma;
            int s = FieldLine.trimStart(list, start, end);
            int e = FieldLine.trimEnd(list, s, end);
            if (e - s == token.length() && list.regionMatches(true, s, token, 0, token.length())) {
                return true;
            }
            if (comma < 0) {
                return false;
            }
            start = comma + 1;
        }
    }
}
