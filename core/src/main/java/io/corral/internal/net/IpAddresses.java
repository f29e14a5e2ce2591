package io.corral.internal.net;

import io.corral.internal.http.Tokens;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * Parses IP address literals strictly and without DNS: {@link InetAddress#getByName} would look a
 * name up, and a forwarded header or a PROXY line must never make the server resolve anything.
 * IPv4 is four decimal parts of 0 to 255 without leading zeros; IPv6 is RFC 4291 text (with
 * {@code ::} and an IPv4 tail), without a zone. An IPv4-mapped IPv6 address comes back as IPv4, as
 * the JDK reports a peer on a dual-stack socket. Stateless.
 */
public final class IpAddresses {

    private IpAddresses() {}

    /** Returns the address {@code text} spells, or null if it is not an IP literal. */
    public static InetAddress parse(CharSequence text) {
        byte[] bytes = bytes(text, 0, text.length());
        if (bytes == null) {
            return null;
        }
        try {
            return InetAddress.getByAddress(bytes); // no lookup: the bytes are the address
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** Returns the 4 or 16 bytes of the literal in {@code text[from, to)}, or null if it is not one. */
    public static byte[] bytes(CharSequence text, int from, int to) {
        if (to - from < 2 || to - from > 45) {
            return null;
        }
        for (int i = from; i < to; i++) {
            if (text.charAt(i) == ':') {
                return ipv6(text, from, to);
            }
        }
        byte[] out = new byte[4];
        return ipv4(text, from, to, out, 0) ? out : null;
    }

    /**
     * Parses {@code host:port}, {@code [ipv6]:port}, a bare IPv4 or a bare IPv6 (no port: 0) from a
     * forwarded header or a PROXY line, or returns null if it is none of these.
     */
    public static InetSocketAddress parseHostPort(String text) {
        if (text.isEmpty()) {
            return null;
        }
        if (text.charAt(0) == '[') {
            int close = text.indexOf(']');
            if (close < 0) {
                return null;
            }
            InetAddress a = parse(text.substring(1, close));
            if (!(a instanceof Inet6Address) && !(a instanceof Inet4Address && isMappedLiteral(text, close))) {
                return null;
            }
            if (close == text.length() - 1) {
                return new InetSocketAddress(a, 0);
            }
            if (text.charAt(close + 1) != ':') {
                return null;
            }
            int port = port(text, close + 2, text.length());
            return port < 0 ? null : new InetSocketAddress(a, port);
        }
        int colon = text.indexOf(':');
        if (colon >= 0 && colon == text.lastIndexOf(':')) { // IPv4:port
            InetAddress a = parse(text.substring(0, colon));
            int port = port(text, colon + 1, text.length());
            return a instanceof Inet4Address && port >= 0 ? new InetSocketAddress(a, port) : null;
        }
        InetAddress a = parse(text);
        return a == null ? null : new InetSocketAddress(a, 0);
    }

    /** Returns the decimal port in {@code text[from, to)}, 0 to 65535 without leading zeros, or -1. */
    public static int port(CharSequence text, int from, int to) {
        if (to <= from || to - from > 5 || (text.charAt(from) == '0' && to - from > 1)) {
            return -1;
        }
        int v = 0;
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v > 65535 ? -1 : v;
    }

    /** Returns the address as text for logs and headers: dotted IPv4, compressed IPv6. */
    public static String text(InetAddress a) {
        if (a instanceof Inet6Address) {
            return compress(a.getAddress());
        }
        return a.getHostAddress();
    }

    private static boolean isMappedLiteral(String text, int close) {
        return text.substring(1, close).contains(":");
    }

    private static boolean ipv4(CharSequence s, int from, int to, byte[] out, int at) {
        int part = 0;
        int start = from;
        for (int i = from; i <= to; i++) {
            if (i == to || s.charAt(i) == '.') {
                int len = i - start;
                if (len < 1 || len > 3 || part > 3 || (len > 1 && s.charAt(start) == '0')) {
                    return false;
                }
                int v = 0;
                for (int j = start; j < i; j++) {
                    char c = s.charAt(j);
                    if (c < '0' || c > '9') {
                        return false;
                    }
                    v = v * 10 + (c - '0');
                }
                if (v > 255) {
                    return false;
                }
                out[at + part++] = (byte) v;
                start = i + 1;
            }
        }
        return part == 4;
    }

    private static byte[] ipv6(CharSequence s, int from, int to) {
        byte[] out = new byte[16];
        int groups = 0; // 16-bit groups written
        int gap = -1; // where :: was, in groups
        int i = from;
        if (s.charAt(i) == ':') {
            if (to - i < 2 || s.charAt(i + 1) != ':') {
                return null;
            }
            gap = 0;
            i += 2;
            if (i == to) {
                return out; // ::
            }
        }
        while (i < to) {
            int start = i;
            while (i < to && Tokens.hexDigit(s.charAt(i)) >= 0) {
                i++;
            }
            if (i < to && s.charAt(i) == '.') { // an IPv4 tail
                if (groups > 6 || !ipv4(s, start, to, out, groups * 2)) {
                    return null;
                }
                groups += 2;
                i = to;
                break;
            }
            int len = i - start;
            if (len < 1 || len > 4 || groups >= 8) {
                return null;
            }
            int v = 0;
            for (int j = start; j < i; j++) {
                v = (v << 4) | Tokens.hexDigit(s.charAt(j));
            }
            out[groups * 2] = (byte) (v >> 8);
            out[groups * 2 + 1] = (byte) v;
            groups++;
            if (i == to) {
                break;
            }
            if (s.charAt(i) != ':') {
                return null;
            }
            i++;
            if (i < to && s.charAt(i) == ':') {
                if (gap >= 0) {
                    return null; // a second ::
                }
                gap = groups;
                i++;
                if (i == to) {
                    break;
                }
            } else if (i == to) {
                return null; // a trailing single colon
            }
        }
        if (gap < 0) {
            return groups == 8 ? out : null;
        }
        if (groups > 7) {
            return null;
        }
        int tail = (groups - gap) * 2;
        System.arraycopy(out, gap * 2, out, 16 - tail, tail);
        java.util.Arrays.fill(out, gap * 2, 16 - tail, (byte) 0);
        return out;
    }

    /** RFC 5952 text: lower case, the longest run of two or more zero groups as ::. */
    private static String compress(byte[] b) {
        int[] g = new int[8];
        for (int i = 0; i < 8; i++) {
            g[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLen = 1;
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(g[i]));
        }
        return sb.toString();
    }
}
