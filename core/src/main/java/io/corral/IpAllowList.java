package io.corral;

import io.corral.internal.net.IpAddresses;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A list of IP addresses and CIDR ranges that a setting trusts, such as {@code
 * forwarded_allow_ips} or {@code proxy_allow_from}: {@code 127.0.0.1,::1}, {@code
 * 10.0.0.0/8,fd00::/8}, or {@code *} for any peer. Written as gunicorn writes it: comma-separated,
 * spaces ignored. Only literals: a host name is refused, since trusting a peer must never depend on
 * a DNS answer.
 *
 * <pre>{@code
 * IpAllowList trusted = IpAllowList.parse("127.0.0.1, 10.0.0.0/8").orElseThrow();
 * trusted.contains(InetAddress.getByName("10.1.2.3"));   // true
 * }</pre>
 *
 * <p>Immutable and thread-safe; {@link #contains} allocates nothing.
 */
public final class IpAllowList {

    /** Trusts no peer (the empty list). */
    public static final IpAllowList NONE = new IpAllowList("", false, List.of());

    private final String text;
    private final boolean any;
    private final List<Range> ranges;

    private record Range(byte[] network, int prefix) {}

    private IpAllowList(String text, boolean any, List<Range> ranges) {
        this.text = text;
        this.any = any;
        this.ranges = ranges;
    }

    /**
     * Parses {@code text}: comma-separated IPv4 and IPv6 addresses and CIDR ranges, or {@code *}
     * for any peer; empty for none.
     *
     * @return the list, or empty if an element is not an address, a range or {@code *}
     */
    public static Optional<IpAllowList> parse(String text) {
        String trimmed = text.strip();
        if (trimmed.isEmpty()) {
            return Optional.of(NONE);
        }
        boolean any = false;
        List<Range> ranges = new ArrayList<>();
        List<String> canonical = new ArrayList<>();
        for (String raw : trimmed.split(",", -1)) {
            String item = raw.strip().toLowerCase(Locale.ROOT);
            if (item.equals("*")) {
                any = true;
                canonical.add("*");
                continue;
            }
            int slash = item.indexOf('/');
            String address = slash < 0 ? item : item.substring(0, slash);
            byte[] bytes = IpAddresses.bytes(address, 0, address.length());
            if (bytes == null) {
                return Optional.empty();
            }
            bytes = unmapped(bytes);
            int max = bytes.length * 8;
            int prefix = max;
            if (slash >= 0) {
                prefix = IpAddresses.port(item, slash + 1, item.length());
                if (prefix < 0 || prefix > max || slash + 1 == item.length()) {
                    return Optional.empty();
                }
            }
            ranges.add(new Range(mask(bytes, prefix), prefix));
            canonical.add(item);
        }
        return Optional.of(new IpAllowList(String.join(",", canonical), any, List.copyOf(ranges)));
    }

    /** Returns true for the list {@code *}, which trusts any peer. */
    public boolean any() {
        return any;
    }

    /** Returns true if the list trusts no peer at all. */
    public boolean isEmpty() {
        return !any && ranges.isEmpty();
    }

    /** Returns true if {@code address} is in the list; false for null. */
    public boolean contains(InetAddress address) {
        if (any) {
            return address != null;
        }
        if (address == null) {
            return false;
        }
        byte[] a = address.getAddress();
        for (Range r : ranges) {
            if (r.network.length == a.length && matches(r, a)) {
                return true;
            }
        }
        return false;
    }

    private static boolean matches(Range r, byte[] a) {
        int full = r.prefix / 8;
        for (int i = 0; i < full; i++) {
            if (r.network[i] != a[i]) {
                return false;
            }
        }
        int rest = r.prefix % 8;
        if (rest == 0) {
            return true;
        }
        int m = (0xff << (8 - rest)) & 0xff;
        return (r.network[full] & m) == (a[full] & m);
    }

    private static byte[] mask(byte[] bytes, int prefix) {
        byte[] out = bytes.clone();
        for (int i = 0; i < out.length; i++) {
            int bits = Math.max(0, Math.min(8, prefix - i * 8));
            out[i] = (byte) (out[i] & ((0xff << (8 - bits)) & 0xff));
        }
        return out;
    }

    /** An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is matched as the IPv4 address it carries. */
    private static byte[] unmapped(byte[] b) {
        if (b.length != 16) {
            return b;
        }
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return b;
            }
        }
        if (b[10] != (byte) 0xff || b[11] != (byte) 0xff) {
            return b;
        }
        return new byte[] {b[12], b[13], b[14], b[15]};
    }

    /** Returns the list as it would be written in a setting: {@code 127.0.0.1,::1}. */
    @Override
    public String toString() {
        return text;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IpAllowList other && other.text.equals(text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }
}
