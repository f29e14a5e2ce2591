package io.corral.internal.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.http.BadMessageException;
import io.corral.http.Headers;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The decoder's contract with its caller: return values, positions, completion and failure. */
class BodyDecoderTest {

    private static final Limits LIMITS = Limits.defaults();

    private static ByteBuffer bytes(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static RequestHead head(long contentLength, boolean chunked) {
        return new RequestHead("POST", "/", 1, Headers.empty(), contentLength, chunked, true, false);
    }

    @Test
    void isCompleteAtOnceWithoutABody() throws Exception {
        BodyDecoder d = BodyDecoder.forHead(head(-1, false), LIMITS);
        assertTrue(d.isComplete());
        ByteBuffer in = bytes("GET / HTTP/1.1\r\n");
        assertEquals(-1, d.read(in, new byte[8], 0, 8));
        assertEquals(0, in.position(), "the next request is left alone");
        assertEquals(Headers.empty(), d.trailers());
    }

    @Test
    void isCompleteAtOnceForAZeroContentLength() throws Exception {
        assertEquals(-1, BodyDecoder.forHead(head(0, false), LIMITS).read(bytes(""), new byte[1], 0, 1));
    }

    @Test
    void deliversExactlyContentLengthBytesAtTheOffsetThenMinusOne() throws Exception {
        BodyDecoder d = BodyDecoder.forHead(head(5, false), LIMITS);
        ByteBuffer in = bytes("helloNEXT");
        byte[] dst = new byte[10];
        assertEquals(3, d.read(in, dst, 2, 3));
        assertEquals(2, d.read(in, dst, 5, 5));
        assertTrue(d.isComplete());
        assertEquals(-1, d.read(in, dst, 0, 10));
        assertArrayEquals("\0\0hello\0\0\0".getBytes(StandardCharsets.ISO_8859_1), dst);
        assertEquals(5, in.position(), "the pipelined bytes stay in the buffer");
    }

    @Test
    void returnsZeroForAnEmptyReadOrAnEmptyBuffer() throws Exception {
        BodyDecoder d = BodyDecoder.forHead(head(5, false), LIMITS);
        assertEquals(0, d.read(bytes("hello"), new byte[4], 0, 0));
        assertEquals(0, d.read(bytes(""), new byte[4], 0, 4));
        BodyDecoder c = BodyDecoder.forHead(head(-1, true), LIMITS);
        assertEquals(0, c.read(bytes("5\r\n"), new byte[4], 0, 4), "only framing");
        assertFalse(c.isComplete());
    }

    @Test
    void decodesSeveralChunksInOneRead() throws Exception {
        BodyDecoder d = BodyDecoder.forHead(head(-1, true), LIMITS);
        ByteBuffer in = bytes("3\r\nabc\r\n3\r\ndef\r\n0\r\nX: 1\r\n\r\nGET");
        byte[] dst = new byte[16];
        assertEquals(6, d.read(in, dst, 0, 16));
        assertTrue(d.isComplete(), "framing after the last data is consumed in the same read");
        assertEquals("abcdef", new String(dst, 0, 6, StandardCharsets.ISO_8859_1));
        assertEquals(Headers.of("X", "1"), d.trailers());
        assertEquals(-1, d.read(in, dst, 0, 16));
        assertEquals(3, in.remaining(), "the next request stays in the buffer");
    }

    @Test
    void stopsAtTheEndOfDst() throws Exception {
        BodyDecoder d = BodyDecoder.forHead(head(-1, true), LIMITS);
        ByteBuffer in = bytes("6\r\nabcdef\r\n0\r\n\r\n");
        byte[] dst = new byte[4];
        assertEquals(4, d.read(in, dst, 0, 4));
        assertEquals(2, d.read(in, dst, 0, 4));
        assertEquals(-1, d.read(in, dst, 0, 4));
    }

    @Test
    void returnsTheDataBeforeBadFramingThenFails() throws Exception {
        BodyDecoder d = BodyDecoder.forHead(head(-1, true), LIMITS);
        ByteBuffer in = bytes("3\r\nabcX");
        byte[] dst = new byte[8];
        assertEquals(3, d.read(in, dst, 0, 8));
        BadMessageException e = assertThrows(BadMessageException.class, () -> d.read(in, dst, 0, 8));
        assertEquals(400, e.status());
        assertSame(e, assertThrows(BadMessageException.class, () -> d.read(in, dst, 0, 8)));
        assertFalse(d.isComplete());
    }

    @Test
    void refusesChunksOverTheBodyLimitBeforeTheirData() throws Exception {
        BodyDecoder d = BodyDecoder.forHead(head(-1, true), new Limits(100, 10, 100, 10));
        byte[] dst = new byte[32];
        assertEquals(6, d.read(bytes("6\r\nabcdef\r\n"), dst, 0, 32));
        BadMessageException e = assertThrows(BadMessageException.class, () -> d.read(bytes("5\r\n"), dst, 0, 32));
        assertEquals(413, e.status());
    }

    @Test
    void refusesAContentLengthOverTheLimitInAHeadMadeElsewhere() {
        BodyDecoder d = BodyDecoder.forHead(head(11, false), new Limits(100, 10, 100, 10));
        BadMessageException e = assertThrows(BadMessageException.class, () -> d.read(bytes("x"), new byte[1], 0, 1));
        assertEquals(413, e.status());
    }

    @Test
    void decodesFromADirectBuffer() throws Exception {
        byte[] raw = "a\r\n0123456789\r\n0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer in = ByteBuffer.allocateDirect(raw.length).put(raw).flip();
        BodyDecoder d = BodyDecoder.forHead(head(-1, true), LIMITS);
        byte[] dst = new byte[20];
        assertEquals(10, d.read(in, dst, 0, 20));
        assertEquals("0123456789", new String(dst, 0, 10, StandardCharsets.ISO_8859_1));
        assertEquals(-1, d.read(in, dst, 0, 20));
    }

    @Test
    void rejectsAnOffsetAndLengthOutsideDst() {
        BodyDecoder d = BodyDecoder.forHead(head(5, false), LIMITS);
        assertThrows(IndexOutOfBoundsException.class, () -> d.read(bytes("hello"), new byte[4], 2, 3));
    }

    @Test
    void keepsTrailersEmptyUntilComplete() throws Exception {
        BodyDecoder d = BodyDecoder.forHead(head(-1, true), LIMITS);
        byte[] dst = new byte[4];
        assertEquals(0, d.read(bytes("0\r\nX: 1\r\n"), dst, 0, 4));
        assertEquals(Headers.empty(), d.trailers());
        assertEquals(-1, d.read(bytes("\r\n"), dst, 0, 4));
        assertEquals(Arrays.asList("1"), d.trailers().all("x"));
    }

    @Test
    void boundsTheTrailersTogetherAsAHeadIsBounded() throws Exception {
        Limits limits = new Limits(4094, 100, 8190, 1000, 0);
        String line = "X-T: " + "t".repeat(93) + "\r\n"; // 100 bytes with its line end
        BodyDecoder within = BodyDecoder.forHead(head(-1, true), limits);
        assertEquals(-1, within.read(bytes("0\r\n" + line.repeat(10) + "\r\n"), new byte[1], 0, 1));
        assertEquals(10, within.trailers().all("x-t").size());
        BodyDecoder past = BodyDecoder.forHead(head(-1, true), limits);
        BadMessageException e = assertThrows(
                BadMessageException.class,
                () -> past.read(bytes("0\r\n" + line.repeat(11) + "\r\n"), new byte[1], 0, 1));
        assertEquals(431, e.status());
    }
}
