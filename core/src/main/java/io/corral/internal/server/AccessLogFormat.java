package io.corral.internal.server;

import io.corral.ConfigException;
import io.corral.Setting;
import io.corral.http.Headers;
import io.corral.http.TlsInfo;
import io.corral.internal.http.RequestHead;
import io.corral.internal.net.IpAddresses;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.Locale;
import java.util.Set;

/**
 * gunicorn's {@code access_log_format}: Python {@code %(atom)s} placeholders in a line of text,
 * with {@code %%} for a percent sign. The atoms:
 *
 * <table>
 *   <caption>atoms</caption>
 *   <tr><td>{@code h}</td><td>the client's address, as derived from trusted proxies</td></tr>
 *   <tr><td>{@code l}</td><td>{@code -}</td></tr>
 *   <tr><td>{@code u}</td><td>the user name of HTTP Basic authentication, or {@code -}</td></tr>
 *   <tr><td>{@code t}</td><td>the time, {@code [26/Nov/2026:23:49:30 +0000]}</td></tr>
 *   <tr><td>{@code r}</td><td>the request line</td></tr>
 *   <tr><td>{@code m U q H}</td><td>the method, the path, the query (without {@code ?}), the protocol</td></tr>
 *   <tr><td>{@code s}</td><td>the status (0 if none was sent)</td></tr>
 *   <tr><td>{@code B b}</td><td>the response body's length; {@code b} writes {@code -} for 0</td></tr>
 *   <tr><td>{@code f a}</td><td>the Referer and the User-Agent, or {@code -}</td></tr>
 *   <tr><td>{@code T M D L}</td><td>the request time in whole seconds, milliseconds, microseconds, and decimal seconds</td></tr>
 *   <tr><td>{@code p}</td><td>the process id, as {@code <1234>}</td></tr>
 *   <tr><td>{@code {name}i {name}o}</td><td>a request or a response header, or {@code -}</td></tr>
 *   <tr><td>{@code {SSL_CLIENT_S_DN}x}</td><td>the subject of the client's verified certificate
 *       (RFC 2253, such as {@code CN=billing,O=Example}), or {@code -}</td></tr>
 *   <tr><td>{@code {SSL_CLIENT_I_DN}x}</td><td>the issuer of the client's certificate, or {@code -}</td></tr>
 *   <tr><td>{@code {SSL_PROTOCOL}x {SSL_CIPHER}x}</td><td>the TLS protocol and cipher suite, or {@code -}
 *       on a plain connection</td></tr>
 *   <tr><td>{@code {SSL_TLS_SNI}x}</td><td>the host name the client asked for with SNI, or {@code -}</td></tr>
 * </table>
 *
 * <p>gunicorn has no atom for TLS; the {@code {VARIABLE}x} atoms take Apache mod_ssl's variable
 * names (as in its {@code %{SSL_CLIENT_S_DN}x}), any case.
 *
 * <p>The line is written straight from the format, with no compiled form to keep; {@link #check}
 * refuses an unknown atom when the settings are built. Stateless.
 */
public final class AccessLogFormat {

    /** gunicorn's default. */
    public static final String DEFAULT = "%(h)s %(l)s %(u)s %(t)s \"%(r)s\" %(s)s %(b)s \"%(f)s\" \"%(a)s\"";

    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("'['dd/MMM/yyyy:HH:mm:ss Z']'", Locale.ROOT);
    private static final String ATOMS = "h l u t r m U q H s B b f a T M D L p {header}i {header}o"
            + " {SSL_CLIENT_S_DN}x {SSL_CLIENT_I_DN}x {SSL_PROTOCOL}x {SSL_CIPHER}x {SSL_TLS_SNI}x";
    private static final Set<String> TLS_VARIABLES =
            Set.of("SSL_CLIENT_S_DN", "SSL_CLIENT_I_DN", "SSL_PROTOCOL", "SSL_CIPHER", "SSL_TLS_SNI");

    private AccessLogFormat() {}

    /**
     * One finished exchange, as a line needs it.
     *
     * @param client the derived client
     * @param head the request head
     * @param status the status sent, or 0
     * @param bodyBytes the response body bytes sent
     * @param responseHeaders the response's headers, or null if the server answered itself
     * @param durationNanos from the head's arrival to the end of the exchange
     * @param time when it ended
     * @param tls what the connection's TLS handshake settled, or null on a plain connection
     */
    public record Entry(
            InetSocketAddress client,
            RequestHead head,
            int status,
            long bodyBytes,
            Headers responseHeaders,
            long durationNanos,
            ZonedDateTime time,
            TlsInfo tls) {}

    /**
     * Checks {@code format}.
     *
     * @throws ConfigException naming {@code access_log_format}, the format and the atoms allowed
     */
    public static void check(String format) {
        render(format, null, null);
    }

    /** Returns the line for {@code e}. */
    public static String format(String format, Entry e) {
        StringBuilder sb = new StringBuilder(128);
        render(format, e, sb);
        return sb.toString();
    }

    /** Walks {@code format}; with an entry, appends the line to {@code out}, else only checks it. */
    private static void render(String format, Entry e, StringBuilder out) {
        int n = format.length();
        int i = 0;
        while (i < n) {
            char c = format.charAt(i);
            if (c != '%') {
                if (out != null) {
                    out.append(c);
                }
                i++;
                continue;
            }
            if (i + 1 < n && format.charAt(i + 1) == '%') {
                if (out != null) {
                    out.append('%');
                }
                i += 2;
                continue;
            }
            if (i + 1 >= n || format.charAt(i + 1) != '(') {
                throw bad(format, "a % that starts no %(atom)s placeholder (write %% for a percent sign)");
            }
            int close = format.indexOf(')', i + 2);
            if (close < 0 || close + 1 >= n || "sd".indexOf(format.charAt(close + 1)) < 0) {
                throw bad(format, "a placeholder that does not end with )s");
            }
            String atom = format.substring(i + 2, close);
            if (!known(atom)) {
                throw bad(format, "%(" + atom + ")s is not an atom");
            }
            if (out != null) {
                atom(atom, e, out);
            }
            i = close + 2;
        }
    }

    private static boolean known(String atom) {
        if (atom.length() == 1) {
            return "hlutrmUqHsBbfaTMDLp".indexOf(atom.charAt(0)) >= 0;
        }
        if (atom.length() > 3 && atom.charAt(0) == '{' && atom.endsWith("}x")) {
            return TLS_VARIABLES.contains(atom.substring(1, atom.length() - 2).toUpperCase(Locale.ROOT));
        }
        return atom.length() > 3 && atom.charAt(0) == '{' && (atom.endsWith("}i") || atom.endsWith("}o"));
    }

    private static void atom(String atom, Entry e, StringBuilder out) {
        RequestHead head = e.head();
        if (atom.endsWith("}x")) {
            out.append(orDash(tlsVariable(atom.substring(1, atom.length() - 2), e.tls())));
            return;
        }
        if (atom.length() > 1) {
            String name = atom.substring(1, atom.length() - 2);
            Headers h = atom.endsWith("i") ? head.headers() : e.responseHeaders();
            String v = h == null ? null : h.firstOrNull(name);
            out.append(v == null ? "-" : v);
            return;
        }
        long micros = e.durationNanos() / 1000;
        switch (atom.charAt(0)) {
            case 'h' -> out.append(host(e.client()));
            case 'l' -> out.append('-');
            case 'u' -> out.append(user(head.headers().firstOrNull("Authorization")));
            case 't' -> out.append(TIME.format(e.time()));
            case 'r' -> out.append(head.requestLine());
            case 'm' -> out.append(head.method());
            case 'U' -> out.append(pathOf(head.target()));
            case 'q' -> out.append(queryOf(head.target()));
            case 'H' -> out.append(head.version());
            case 's' -> out.append(e.status());
            case 'B' -> out.append(e.bodyBytes());
            case 'b' -> out.append(e.bodyBytes() == 0 ? "-" : Long.toString(e.bodyBytes()));
            case 'f' -> out.append(orDash(head.headers().firstOrNull("Referer")));
            case 'a' -> out.append(orDash(head.headers().firstOrNull("User-Agent")));
            case 'T' -> out.append(micros / 1_000_000);
            case 'M' -> out.append(micros / 1000);
            case 'D' -> out.append(micros);
            case 'L' ->
                out.append(micros / 1_000_000)
                        .append('.')
                        .append(String.format(Locale.ROOT, "%06d", micros % 1_000_000));
            case 'p' -> out.append('<').append(ProcessHandle.current().pid()).append('>');
            default -> throw new IllegalStateException("unchecked atom " + atom);
        }
    }

    private static String host(InetSocketAddress a) {
        if (a == null) {
            return "-";
        }
        return a.getAddress() != null ? IpAddresses.text(a.getAddress()) : a.getHostString();
    }

    /** One of mod_ssl's variables for a connection's TLS, or null if it has none. */
    private static String tlsVariable(String name, TlsInfo tls) {
        if (tls == null) {
            return null;
        }
        return switch (name.toUpperCase(Locale.ROOT)) {
            case "SSL_CLIENT_S_DN" -> tls.clientSubject().orElse(null);
            case "SSL_CLIENT_I_DN" ->
                tls.clientCertificate()
                        .map(c -> c.getIssuerX500Principal().getName())
                        .orElse(null);
            case "SSL_PROTOCOL" -> tls.protocol();
            case "SSL_CIPHER" -> tls.cipherSuite();
            case "SSL_TLS_SNI" -> tls.serverName().orElse(null);
            default -> throw new IllegalStateException("unchecked TLS variable " + name);
        };
    }

    private static String orDash(String v) {
        return v == null ? "-" : v;
    }

    private static String pathOf(String target) {
        int q = target.indexOf('?');
        return q < 0 ? target : target.substring(0, q);
    }

    private static String queryOf(String target) {
        int q = target.indexOf('?');
        return q < 0 ? "" : target.substring(q + 1);
    }

    /** The user of {@code Authorization: Basic ...}, as gunicorn logs it; {@code -} otherwise. */
    private static String user(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return "-";
        }
        try {
            String decoded = new String(
                    Base64.getDecoder().decode(authorization.substring(6).strip()), StandardCharsets.UTF_8);
            int colon = decoded.indexOf(':');
            return colon < 0 ? "-" : decoded.substring(0, colon);
        } catch (IllegalArgumentException e) {
            return "-";
        }
    }

    private static ConfigException bad(String format, String why) {
        return new ConfigException(
                Setting.ACCESS_LOG_FORMAT, format, "gunicorn's atoms as %(atom)s (" + ATOMS + "), but found " + why);
    }
}
