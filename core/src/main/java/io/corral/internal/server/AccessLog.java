package io.corral.internal.server;

import io.corral.internal.http.RequestHead;
import java.net.InetSocketAddress;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The access log: one line per request on logger {@code io.corral.access} at INFO, in gunicorn's
 * default format {@code %(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"}:
 *
 * <pre>
 * 127.0.0.1 - - [26/Nov/2026:23:49:30 +0000] "GET /hello HTTP/1.1" 200 13 "-" "curl/8.5.0"
 * </pre>
 *
 * <p>Nothing is formatted when the logger is off, so a disabled access log costs one check.
 * Stateless and thread-safe.
 */
public final class AccessLog {

    private static final Logger LOG = LoggerFactory.getLogger("io.corral.access");

    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("'['dd/MMM/yyyy:HH:mm:ss Z']'", Locale.ROOT);

    private AccessLog() {}

    /** Returns true if access lines are logged at all. */
    public static boolean enabled() {
        return LOG.isInfoEnabled();
    }

    /**
     * Logs one exchange.
     *
     * @param bodyBytes the response body bytes sent
     */
    public static void log(InetSocketAddress remote, RequestHead head, int status, long bodyBytes) {
        if (!LOG.isInfoEnabled()) {
            return;
        }
        LOG.info(format(remote, head, status, bodyBytes, ZonedDateTime.now(ZoneOffset.UTC)));
    }

    static String format(InetSocketAddress remote, RequestHead head, int status, long bodyBytes, ZonedDateTime now) {
        String referer = head.headers().firstOrNull("Referer");
        String agent = head.headers().firstOrNull("User-Agent");
        return host(remote) + " - - " + TIME.format(now) + " \"" + head.requestLine() + "\" " + status + " "
                + (bodyBytes == 0 ? "-" : Long.toString(bodyBytes)) + " \"" + (referer == null ? "-" : referer)
                + "\" \"" + (agent == null ? "-" : agent) + "\"";
    }

    private static String host(InetSocketAddress remote) {
        if (remote == null) {
            return "-";
        }
        return remote.getAddress() != null ? remote.getAddress().getHostAddress() : remote.getHostString();
    }
}
