package io.corral.internal.http;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The {@code Date} header value (IMF-fixdate), formatted at most once per second. Confined to one
 * connection's encoder, so it needs no synchronization; formatting once a second per busy
 * connection costs nothing worth sharing a cache for.
 */
final class HttpDate {
    private static final DateTimeFormatter FORMAT = DateTimeFormatter.ofPattern(
                    "EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US)
            .withZone(ZoneOffset.UTC);

    private long second = Long.MIN_VALUE;
    private byte[] bytes;

    /** Returns the current date as ASCII bytes, such as {@code Thu, 26 Nov 2026 23:49:30 GMT}. */
    byte[] now() {
        long nowSecond = System.currentTimeMillis() / 1000;
        if (nowSecond != second) {
            bytes = FORMAT.format(Instant.ofEpochSecond(nowSecond)).getBytes(StandardCharsets.US_ASCII);
            second = nowSecond;
        }
        return bytes;
    }
}
