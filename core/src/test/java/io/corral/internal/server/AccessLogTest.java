package io.corral.internal.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.corral.http.Headers;
import io.corral.internal.http.RequestHead;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import org.junit.jupiter.api.Test;

class AccessLogTest {

    private static final ZonedDateTime WHEN = ZonedDateTime.of(2026, 11, 26, 23, 49, 30, 0, ZoneOffset.UTC);

    @Test
    void writesGunicornsDefaultFormat() throws Exception {
        RequestHead head = new RequestHead(
                "GET",
                "/hello?x=1",
                1,
                Headers.of("Host", "h", "User-Agent", "curl/8.5.0", "Referer", "http://r/"),
                -1,
                false,
                true,
                false);
        InetSocketAddress client = new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 50000);
        assertEquals(
                "127.0.0.1 - - [26/Nov/2026:23:49:30 +0000] \"GET /hello?x=1 HTTP/1.1\" 200 13 \"http://r/\" \"curl/8.5.0\"",
                AccessLog.format(client, head, 200, 13, WHEN));
    }

    @Test
    void writesDashesForAnEmptyBodyAndMissingHeaders() throws Exception {
        RequestHead head = new RequestHead("HEAD", "/", 0, Headers.empty(), -1, false, false, false);
        InetSocketAddress client = new InetSocketAddress(InetAddress.getByName("::1"), 50000);
        assertEquals(
                "0:0:0:0:0:0:0:1 - - [26/Nov/2026:23:49:30 +0000] \"HEAD / HTTP/1.0\" 304 - \"-\" \"-\"",
                AccessLog.format(client, head, 304, 0, WHEN));
    }
}
