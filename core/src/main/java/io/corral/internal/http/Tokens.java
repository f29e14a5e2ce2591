package io.corral.internal.http;

/**
 * RFC 9110's token characters ({@code tchar}), defined once for the codec and for {@link
 * io.corral.http.Headers}, which checks the names a handler sets. Stateless.
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
}
