package io.corral.internal.http;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The {@code Date} header value (IMF-fixdate), formatted at most once per second. One instance may
 * serve every encoder of a worker: the formatted second is an immutable value published through a
 * volatile field, so readers on any thread see a whole one, and two threads that cross a second at
 * once merely both format it.
 */
public final class HttpDate {
    private static final DateTimeFormatter FORMAT = DateTimeFormatter.ofPattern(
                    "EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US)
            .withZone(ZoneOffset.UTC);

    private record Formatted(long second, byte[] bytes) {}

    private volatile Formatted current = new Formatted(Long.MIN_VALUE, new byte[0]);

    /** Returns the current date as ASCII bytes, such as {@code Thu, 26 Nov 2026 23:49:30 GMT}; do not modify them. */
    byte[] now() {
        long nowSecond = System.currentTimeMillis() / 1000;
        Formatted f = current;
        if (f.second() != nowSecond) {
            f = new Formatted(
                    nowSecond, FORMAT.format(Instant.ofEpochSecond(nowSecond)).getBytes(StandardCharsets.US_ASCII));
            current = f;
        }
        return f.bytes();
    }
}
