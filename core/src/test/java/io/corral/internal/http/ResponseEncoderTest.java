package io.corral.internal.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.http.Headers;
import io.corral.http.Response;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ResponseEncoderTest {

    private final ResponseEncoder encoder = new ResponseEncoder();

    private static RequestHead head(String method, int minor, boolean keepAlive) {
        return new RequestHead(method, "/", minor, Headers.of("Host", "x"), -1, false, keepAlive, false);
    }

    private String encode(RequestHead head, Response response, boolean keepAlive) {
        ByteBuffer b = encoder.encode(head, response, keepAlive);
        return new String(b.array(), b.position(), b.remaining(), StandardCharsets.ISO_8859_1);
    }

    @Test
    void framesAFixedBodyWithContentLength() {
        String h = encode(head("GET", 1, true), Response.ok("Hello"), true);
        assertTrue(h.startsWith("HTTP/1.1 200 OK\r\n"), h);
        assertTrue(h.contains("Content-Type: text/plain; charset=utf-8\r\n"), h);
        assertTrue(h.contains("Content-Length: 5\r\n"), h);
        assertTrue(h.contains("Server: corral\r\n"), h);
        assertTrue(
                h.matches("(?s).*Date: [A-Z][a-z]{2}, \\d{2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT\r\n.*"), h);
        assertFalse(h.contains("Connection"), h);
        assertTrue(h.endsWith("\r\n\r\n"));
        assertEquals(ResponseEncoder.Framing.LENGTH, encoder.framing());
        assertEquals(5, encoder.contentLength());
    }

    @Test
    void chunksAStreamingBodyOnHttp11AndClosesOnHttp10() {
        Response streaming = Response.of(200).body(out -> out.write(1));
        String h11 = encode(head("GET", 1, true), streaming, true);
        assertTrue(h11.contains("Transfer-Encoding: chunked\r\n"), h11);
        assertEquals(ResponseEncoder.Framing.CHUNKED, encoder.framing());
        String h10 = encode(head("GET", 0, true), streaming, true);
        assertFalse(h10.contains("Transfer-Encoding"), h10);
        assertTrue(h10.contains("Connection: close\r\n"), h10);
        assertEquals(ResponseEncoder.Framing.CLOSE, encoder.framing());
        assertTrue(encoder.closeAfter());
    }

    @Test
    void keepsADeclaredLengthOnAStreamingBody() {
        String h = encode(
                head("GET", 1, true),
                Response.of(200).header("Content-Length", "3").body(out -> {}),
                true);
        assertTrue(h.contains("Content-Length: 3\r\n"), h);
        assertEquals(ResponseEncoder.Framing.LENGTH, encoder.framing());
    }

    @Test
    void sendsHeadersButNoBodyToHead() {
        String h = encode(head("HEAD", 1, true), Response.ok("Hello"), true);
        assertTrue(h.contains("Content-Length: 5\r\n"), h);
        assertEquals(ResponseEncoder.Framing.NONE, encoder.framing());
    }

    @Test
    void sendsNeitherBodyNorLengthWith204And304() {
        for (int status : new int[] {204, 304}) {
            String h = encode(head("GET", 1, true), Response.of(status), true);
            assertFalse(h.contains("Content-Length"), h);
            assertFalse(h.contains("Transfer-Encoding"), h);
            assertEquals(ResponseEncoder.Framing.NONE, encoder.framing());
        }
    }

    @Test
    void replacesFramingHeadersTheHandlerSet() {
        Response r = Response.ok("abc")
                .header("Content-Length", "99")
                .header("Transfer-Encoding", "gzip")
                .header("Connection", "upgrade")
                .header("X-Kept", "yes");
        String h = encode(head("GET", 1, true), r, true);
        assertTrue(h.contains("Content-Length: 3\r\n"), h);
        assertFalse(h.contains("gzip"), h);
        assertFalse(h.contains("upgrade"), h);
        assertTrue(h.contains("X-Kept: yes\r\n"), h);
    }

    @Test
    void honoursAConnectionCloseTheHandlerSet() {
        String h = encode(head("GET", 1, true), Response.ok("x").header("Connection", "close"), true);
        assertTrue(h.contains("Connection: close\r\n"), h);
        assertTrue(encoder.closeAfter(), "the engines close after this response");
        encode(head("GET", 1, true), Response.ok("x").header("Connection", "keep-alive"), true);
        assertFalse(encoder.closeAfter());
    }

    @Test
    void announcesCloseOrKeepAliveAsDecided() {
        assertTrue(encode(head("GET", 1, true), Response.ok("x"), false).contains("Connection: close\r\n"));
        assertTrue(encode(head("GET", 0, true), Response.ok("x"), true).contains("Connection: keep-alive\r\n"));
    }

    @Test
    void keepsTheHandlersDateAndServer() {
        String h = encode(
                head("GET", 1, true),
                Response.ok("x").header("Server", "mine").header("Date", "Thu, 01 Jan 1970 00:00:00 GMT"),
                true);
        assertTrue(h.contains("Server: mine\r\n"), h);
        assertFalse(h.contains("corral"), h);
        assertEquals(1, h.split("Date: ", -1).length - 1, h);
    }

    @Test
    void writesChunkHeadersInHex() {
        byte[] dst = new byte[20];
        int n = ResponseEncoder.chunkHeader(255, dst, 0);
        assertEquals("ff\r\n", new String(dst, 0, n, StandardCharsets.US_ASCII));
        n = ResponseEncoder.chunkHeader(8192, dst, 0);
        assertEquals("2000\r\n", new String(dst, 0, n, StandardCharsets.US_ASCII));
        n = ResponseEncoder.chunkHeader(1, dst, 0);
        assertEquals("1\r\n", new String(dst, 0, n, StandardCharsets.US_ASCII));
    }

    @Test
    void buildsErrorResponsesThatClose() {
        String r = new String(ResponseEncoder.errorResponse(503, "full"), StandardCharsets.UTF_8);
        assertTrue(r.startsWith("HTTP/1.1 503 Service Unavailable\r\n"), r);
        assertTrue(r.contains("Retry-After: 1\r\n"), r);
        assertTrue(r.contains("Connection: close\r\n"), r);
        assertTrue(r.endsWith("\r\n\r\n503 Service Unavailable: full\n"), r);
    }
}
