package io.corral.internal.net;

import io.corral.IpAllowList;
import io.corral.http.BadMessageException;
import io.corral.http.Headers;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Derives a request's client, scheme and host from the forwarded headers a trusted proxy sent:
 * RFC 7239 {@code Forwarded}, and {@code X-Forwarded-For}, {@code -Proto}, {@code -Host} (with
 * gunicorn's {@code X-Forwarded-Protocol: ssl} and {@code X-Forwarded-Ssl: on}). Fail-closed:
 *
 * <ul>
 *   <li>From a peer outside {@code forwarded_allow_ips} every such header is ignored: the client is
 *       the peer.
 *   <li>The client is found right to left (nginx's {@code real_ip_recursive on}, Tomcat's {@code
 *       RemoteIpValve}): the right-most address that is not itself a trusted proxy; if every hop is
 *       trusted, the left-most. The walk stops at an entry that is not an IP literal ({@code
 *       unknown}, an obfuscated {@code _node}, garbage): the client is then the trusted hop that
 *       added it, never the unverifiable value. Several header lines are joined in order.
 *   <li>The scheme and host come from the entry that named the client ({@code Forwarded}) or the
 *       {@code X-Forwarded-*} value at the same position as the client in {@code X-Forwarded-For}
 *       (when the lists have the same length; otherwise the right-most value, which the nearest
 *       trusted proxy set).
 *   <li>Sources that contradict each other are a 400: two scheme headers that disagree (gunicorn's
 *       {@code InvalidSchemeHeaders}), {@code Forwarded} and {@code X-Forwarded-For} naming different
 *       clients, two hosts that disagree. So a client cannot slip a family that the proxy does not
 *       set past one that it does. A malformed {@code Forwarded} from a trusted peer is a 400 too.
 * </ul>
 *
 * <p>Stateless and thread-safe; it parses no header unless the peer is trusted.
 */
public final class Forwarding {

    private Forwarding() {}

    /**
     * What the forwarded headers say about one request.
     *
     * @param client the client's address (port 0 if no header gave one)
     * @param scheme {@code http} or {@code https}
     * @param host the host the client asked for, from a forwarded header, or null if none gave one
     */
    public record Result(InetSocketAddress client, String scheme, String host) {}

    /**
     * Resolves the request that came from {@code peer} (the TCP peer, or the PROXY header's
     * source) on a connection of {@code connectionScheme}.
     *
     * @throws BadMessageException with 400 if a trusted peer sent contradictory or malformed headers
     */
    public static Result resolve(IpAllowList trusted, InetSocketAddress peer, String connectionScheme, Headers h)
            throws BadMessageException {
        if (!mentionsForwarding(h) || !trusted.contains(peer.getAddress())) {
            return new Result(peer, connectionScheme, null);
        }
        List<Element> forwarded = h.contains("Forwarded") ? forwarded(h.all("Forwarded")) : List.of();
        List<String> xff = list(h, "X-Forwarded-For");

        Hop viaForwarded = null;
        if (!forwarded.isEmpty()) {
            List<String> fors = new ArrayList<>(forwarded.size());
            for (Element e : forwarded) {
                fors.add(e.forNode == null ? "" : e.forNode);
            }
            viaForwarded = walk(trusted, peer, fors, true);
        }
        Hop viaXff = xff.isEmpty() ? null : walk(trusted, peer, xff, false);
        if (viaForwarded != null
                && viaXff != null
                && !viaForwarded.client.getAddress().equals(viaXff.client.getAddress())) {
            throw new BadMessageException(400, "Forwarded and X-Forwarded-For name different clients");
        }
        InetSocketAddress client = viaForwarded != null ? viaForwarded.client : viaXff != null ? viaXff.client : peer;

        String scheme = null;
        String schemeSource = null;
        if (viaForwarded != null && viaForwarded.index >= 0 && forwarded.get(viaForwarded.index).proto != null) {
            scheme = proto(forwarded.get(viaForwarded.index).proto, "Forwarded");
            schemeSource = "Forwarded";
        }
        String xfp = aligned(list(h, "X-Forwarded-Proto"), xff, viaXff);
        if (xfp != null) {
            scheme = agree(scheme, schemeSource, proto(xfp, "X-Forwarded-Proto"), "X-Forwarded-Proto");
            schemeSource = "X-Forwarded-Proto";
        }
        String protocol = lastValue(h, "X-Forwarded-Protocol");
        if (protocol != null) {
            String s = protocol.equalsIgnoreCase("ssl") ? "https" : "http";
            scheme = agree(scheme, schemeSource, s, "X-Forwarded-Protocol");
            schemeSource = "X-Forwarded-Protocol";
        }
        String ssl = lastValue(h, "X-Forwarded-Ssl");
        if (ssl != null) {
            String s = ssl.equalsIgnoreCase("on") ? "https" : "http";
            scheme = agree(scheme, schemeSource, s, "X-Forwarded-Ssl");
        }

        String host = null;
        if (viaForwarded != null && viaForwarded.index >= 0) {
            host = forwarded.get(viaForwarded.index).host;
        }
        String xfh = aligned(list(h, "X-Forwarded-Host"), xff, viaXff);
        if (xfh != null) {
            if (host != null && !host.equalsIgnoreCase(xfh)) {
                throw new BadMessageException(400, "Forwarded and X-Forwarded-Host name different hosts");
            }
            host = xfh;
        }
        if (host != null && !validHost(host)) {
            throw new BadMessageException(400, "a forwarded host that is not a host name or address");
        }
        return new Result(client, scheme != null ? scheme : connectionScheme, host);
    }

    /**
     * True if a field could be a forwarding one; one scan of the names, so that a request without
     * any (most requests) costs no trust check and no parsing.
     */
    private static boolean mentionsForwarding(Headers h) {
        for (int i = 0; i < h.size(); i++) {
            String name = h.name(i);
            if (name.regionMatches(true, 0, "X-Forwarded-", 0, 12) || name.equalsIgnoreCase("Forwarded")) {
                return true;
            }
        }
        return false;
    }

    private record Hop(InetSocketAddress client, int index) {}

    /** The right-most untrusted hop of {@code hops}, walking from {@code peer}; its index, or -1 for the peer. */
    private static Hop walk(IpAllowList trusted, InetSocketAddress peer, List<String> hops, boolean forwarded) {
        InetSocketAddress current = peer;
        int index = -1;
        for (int i = hops.size() - 1; i >= 0; i--) {
            InetSocketAddress a = node(hops.get(i), forwarded);
            if (a == null) {
                return new Hop(current, index); // unverifiable: the trusted hop that added it stands
            }
            current = a;
            index = i;
            if (!trusted.contains(a.getAddress())) {
                break;
            }
        }
        return new Hop(current, index);
    }

    private static InetSocketAddress node(String raw, boolean forwarded) {
        String v = raw.strip();
        if (forwarded && v.indexOf(':') != v.lastIndexOf(':') && !v.startsWith("[")) {
            return null; // RFC 7239: an IPv6 node is bracketed
        }
        return IpAddresses.parseHostPort(v);
    }

    private static String aligned(List<String> values, List<String> xff, Hop viaXff) {
        if (values.isEmpty()) {
            return null;
        }
        if (viaXff != null && viaXff.index >= 0 && values.size() == xff.size()) {
            return values.get(viaXff.index);
        }
        return values.get(values.size() - 1);
    }

    private static String agree(String current, String currentSource, String next, String nextSource)
            throws BadMessageException {
        if (current != null && !current.equals(next)) {
            throw new BadMessageException(
                    400, "Contradictory scheme headers: " + currentSource + " and " + nextSource + " disagree");
        }
        return next;
    }

    private static String proto(String value, String header) throws BadMessageException {
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "http", "ws" -> "http";
            case "https", "wss" -> "https";
            default -> throw new BadMessageException(400, header + " names a scheme other than http or https");
        };
    }

    /** The comma-separated elements of every line of {@code name}, in order, trimmed; empty if absent. */
    private static List<String> list(Headers h, String name) {
        if (!h.contains(name)) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (String line : h.all(name)) {
            for (String item : line.split(",", -1)) {
                out.add(item.strip());
            }
        }
        return out;
    }

    private static String lastValue(Headers h, String name) {
        List<String> l = list(h, name);
        return l.isEmpty() ? null : l.get(l.size() - 1);
    }

    private static boolean validHost(String host) {
        if (host.isEmpty() || host.length() > 255) {
            return false;
        }
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z')
                    || (c >= 'A' && c <= 'Z')
                    || (c >= '0' && c <= '9')
                    || c == '.'
                    || c == '-'
                    || c == '_'
                    || c == ':'
                    || c == '['
                    || c == ']';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    // ---- RFC 7239 ---------------------------------------------------------------------------

    /** One forwarded-element: the parameters Corral reads. */
    private static final class Element {
        String forNode;
        String proto;
        String host;
    }

    /** Parses every {@code Forwarded} line, joined: elements by commas, pairs by semicolons, quoted strings. */
    static List<Element> forwarded(List<String> lines) throws BadMessageException {
        List<Element> out = new ArrayList<>();
        for (String line : lines) {
            int i = 0;
            int n = line.length();
            Element e = new Element();
            boolean any = false;
            while (i <= n) {
                // skip whitespace
                while (i < n && (line.charAt(i) == ' ' || line.charAt(i) == '\t')) {
                    i++;
                }
                if (i == n) {
                    if (any) {
                        out.add(e);
                    }
                    break;
                }
                char c = line.charAt(i);
                if (c == ',') {
                    if (any) {
                        out.add(e);
                    }
                    e = new Element();
                    any = false;
                    i++;
                    continue;
                }
                if (c == ';') {
                    i++;
                    continue;
                }
                int eq = i;
                while (eq < n && isTchar(line.charAt(eq))) {
                    eq++;
                }
                if (eq == i || eq >= n || line.charAt(eq) != '=') {
                    throw malformed();
                }
                String name = line.substring(i, eq).toLowerCase(Locale.ROOT);
                i = eq + 1;
                String value;
                if (i < n && line.charAt(i) == '"') {
                    StringBuilder sb = new StringBuilder();
                    i++;
                    boolean closed = false;
                    while (i < n) {
                        char q = line.charAt(i++);
                        if (q == '\\' && i < n) {
                            sb.append(line.charAt(i++));
                        } else if (q == '"') {
                            closed = true;
                            break;
                        } else {
                            sb.append(q);
                        }
                    }
                    if (!closed) {
                        throw malformed();
                    }
                    value = sb.toString();
                } else {
                    int end = i;
                    while (end < n && isTchar(line.charAt(end))) {
                        end++;
                    }
                    if (end == i) {
                        throw malformed();
                    }
                    value = line.substring(i, end);
                    i = end;
                }
                any = true;
                switch (name) {
                    case "for" -> e.forNode = once(e.forNode, value);
                    case "proto" -> e.proto = once(e.proto, value);
                    case "host" -> e.host = once(e.host, value);
                    default -> {
                        // by= and extensions: not used
                    }
                }
                while (i < n && (line.charAt(i) == ' ' || line.charAt(i) == '\t')) {
                    i++;
                }
                if (i < n && line.charAt(i) != ';' && line.charAt(i) != ',') {
                    throw malformed();
                }
            }
        }
        return out;
    }

    private static String once(String previous, String value) throws BadMessageException {
        if (previous != null) {
            throw new BadMessageException(400, "a Forwarded element repeats a parameter");
        }
        return value;
    }

    private static boolean isTchar(char c) {
        return (c >= 'a' && c <= 'z')
                || (c >= 'A' && c <= 'Z')
                || (c >= '0' && c <= '9')
                || "!#$%&'*+-.^_`|~:[]".indexOf(c) >= 0;
    }

    private static BadMessageException malformed() {
        return new BadMessageException(400, "a malformed Forwarded header");
    }
}
