package io.corral.internal.server;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The access log: one line per request on logger {@code io.corral.access} at INFO, in {@code
 * access_log_format} (gunicorn's default: {@code %(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s
 * "%(f)s" "%(a)s"}):
 *
 * <pre>
 * 127.0.0.1 - - [26/Nov/2026:23:49:30 +0000] "GET /hello HTTP/1.1" 200 13 "-" "curl/8.5.0"
 * </pre>
 *
 * <p>{@code h} is the client as derived from trusted proxies (the PROXY header, forwarded headers),
 * not the raw peer. Nothing is formatted when the logger is off, so a disabled access log costs
 * one check. Stateless and thread-safe.
 */
public final class AccessLog {

    private static final Logger LOG = LoggerFactory.getLogger("io.corral.access");

    private AccessLog() {}

    /** Returns true if access lines are logged at all. */
    public static boolean enabled() {
        return LOG.isInfoEnabled();
    }

    /** Logs one exchange in {@code format}; {@code entry} is only built when the log is on. */
    public static void log(String format, java.util.function.Supplier<AccessLogFormat.Entry> entry) {
        if (!LOG.isInfoEnabled()) {
            return;
        }
        LOG.info(AccessLogFormat.format(format, entry.get()));
    }

    /** Returns the time a line ending now carries. */
    static ZonedDateTime now() {
        return ZonedDateTime.now(ZoneOffset.UTC);
    }
}
