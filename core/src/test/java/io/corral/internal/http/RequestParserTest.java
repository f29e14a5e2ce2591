package io.corral.internal.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.http.BadMessageException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The parser's contract with its caller: buffer positions, progress, failure and buffer kinds. */
class RequestParserTest {

    private final RequestParser parser = new RequestParser(Limits.defaults());

    private static ByteBuffer bytes(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void leavesTheBodyAndPipelinedBytesInTheBuffer() throws Exception {
        String head = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\n";
        ByteBuffer in = bytes(head + "abcGET /");
        RequestHead parsed = parser.parse(in);
        assertNotNull(parsed);
        assertEquals(head.length(), in.position());
        assertEquals(3, parsed.contentLength());
        assertTrue(parsed.hasBody());
    }

    @Test
    void consumesEveryByteAndReturnsNullWhileTheHeadIsIncomplete() throws Exception {
        ByteBuffer in = bytes("GET / HTTP/1.1\r\nHo");
        assertNull(parser.parse(in));
        assertFalse(in.hasRemaining());
        assertNotNull(parser.parse(bytes("st: a\r\n\r\n")));
    }

    @Test
    void isNotInProgressBeforeAnythingOrAfterOnlyEmptyLines() throws Exception {
        assertFalse(parser.inProgress());
        assertNull(parser.parse(bytes("\r\n\n\r")));
        assertFalse(parser.inProgress(), "a CR may be the start of another empty line");
    }

    @Test
    void isInProgressInsideARequestLineAndInsideTheFields() throws Exception {
        assertNull(parser.parse(bytes("G")));
        assertTrue(parser.inProgress());
        assertNull(parser.parse(bytes("ET / HTTP/1.1\r\n")));
        assertTrue(parser.inProgress());
        assertNotNull(parser.parse(bytes("Host: a\r\n\r\n")));
        assertFalse(parser.inProgress());
    }

    @Test
    void startsAfreshAfterAHead() throws Exception {
        ByteBuffer in = bytes("GET /1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n");
        RequestHead first = parser.parse(in);
        RequestHead second = parser.parse(in);
        assertEquals("/1", first.target());
        assertEquals(0, first.minorVersion());
        assertEquals("/2", second.target());
        assertEquals(1, second.minorVersion());
        assertEquals(1, second.headers().size());
        assertFalse(in.hasRemaining());
    }

    @Test
    void throwsTheSameFailureAgainAfterARefusal() {
        BadMessageException first =
                assertThrows(BadMessageException.class, () -> parser.parse(bytes("GET / HTTP/2.0\r\n")));
        assertEquals(505, first.status());
        BadMessageException again =
                assertThrows(BadMessageException.class, () -> parser.parse(bytes("GET / HTTP/1.1\r\nHost: a\r\n\r\n")));
        assertSame(first, again);
        assertFalse(parser.inProgress());
    }

    @Test
    void refusesAnOverlongRequestLineWithoutBufferingIt() {
        RequestParser small = new RequestParser(new Limits(16, 10, 64, 0));
        ByteBuffer in = bytes("GET /" + "a".repeat(100_000));
        BadMessageException e = assertThrows(BadMessageException.class, () -> small.parse(in));
        assertEquals(414, e.status());
        assertEquals("request line is longer than 16 bytes", e.getMessage());
    }

    @Test
    void refusesAHeadLargerThanItsTotalLimitThoughEachLineFits() throws Exception {
        Limits limits = new Limits(100, 100, 100, 120, 0);
        String line = "X-Field: " + "v".repeat(28) + "\r\n"; // 39 bytes
        // request line 16 + Host 9 + two fields 78 = 103 bytes, within 120: parsed
        RequestHead ok = new RequestParser(limits).parse(bytes("GET / HTTP/1.1\r\nHost: a\r\n" + line + line + "\r\n"));
        assertEquals("/", ok.target());
        // a third field makes 142: refused as soon as it is read, before the head ends
        BadMessageException e = assertThrows(
                BadMessageException.class,
                () -> new RequestParser(limits).parse(bytes("GET / HTTP/1.1\r\nHost: a\r\n" + line + line + line)));
        assertEquals(431, e.status());
        assertEquals("the request head is larger than 120 bytes", e.getMessage());
    }

    @Test
    void namesTheLimitAnOverlongHeaderLineBroke() {
        RequestParser small = new RequestParser(new Limits(100, 10, 20, 0));
        BadMessageException e = assertThrows(
                BadMessageException.class,
                () -> small.parse(bytes("GET / HTTP/1.1\r\nX-Long: " + "v".repeat(40) + "\r\n")));
        assertEquals(431, e.status());
        assertEquals("header line is longer than 20 bytes", e.getMessage());
    }

    @Test
    void readsFromASliceWithAnArrayOffset() throws Exception {
        byte[] backing = ("xxxxGET /s HTTP/1.1\r\nHost: a\r\n\r\nyy").getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer slice = ByteBuffer.wrap(backing, 4, backing.length - 6).slice();
        RequestHead head = parser.parse(slice);
        assertEquals("/s", head.target());
        assertEquals("a", head.headers().firstOrNull("host"));
        assertFalse(slice.hasRemaining());
    }

    @Test
    void readsFromAReadOnlyBuffer() throws Exception {
        ByteBuffer in = bytes("GET /r HTTP/1.1\r\nHost: a\r\n\r\n").asReadOnlyBuffer();
        assertEquals("/r", parser.parse(in).target());
    }

    @Test
    void readsFromADirectBufferInPieces() throws Exception {
        byte[] raw = "GET /d HTTP/1.1\r\nHost: a\r\nX: 1\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer in = ByteBuffer.allocateDirect(raw.length);
        RequestHead head = null;
        for (int i = 0; i < raw.length; i += 5) {
            in.clear();
            in.put(raw, i, Math.min(5, raw.length - i)).flip();
            head = parser.parse(in);
        }
        assertNotNull(head);
        assertEquals("1", head.headers().firstOrNull("X"));
    }

    @Test
    void describesTheRequestForLogs() throws Exception {
        RequestHead head = parser.parse(bytes("HEAD /x HTTP/1.3\r\nHost: a\r\n\r\n"));
        assertEquals("HEAD /x HTTP/1.1", head.requestLine());
        assertTrue(head.isHead());
        assertFalse(head.hasBody());
        assertEquals(-1, head.contentLength());
    }
}
