package io.corral.benchmarks.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ResponseReaderTest {

    private static final String FIXED = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
    private static final String CHUNKED = "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "5;ext=1\r\nhello\r\n1\r\n!\r\n0\r\nX-Trailer: t\r\n\r\n";

    @Test
    void readsAContentLengthResponse() throws IOException {
        ResponseReader r = new ResponseReader();
        ByteBuffer in = ascii(FIXED + "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
        assertEquals(200, r.read(in));
        assertFalse(r.closeAfter());
        assertEquals(404, r.read(in));
        assertFalse(in.hasRemaining());
    }

    @Test
    void readsAChunkedResponseWithExtensionsAndTrailers() throws IOException {
        ByteBuffer in = ascii(CHUNKED);
        assertEquals(201, new ResponseReader().read(in));
        assertFalse(in.hasRemaining());
    }

    @Test
    void givesTheSameAnswerWhateverTheSplit() throws IOException {
        for (String response : new String[] {FIXED, CHUNKED}) {
            byte[] bytes = response.getBytes(StandardCharsets.US_ASCII);
            for (int split = 1; split < bytes.length; split++) {
                ResponseReader r = new ResponseReader();
                // the caller keeps unconsumed bytes and appends new ones, as the load generator does
                ByteBuffer buf = ByteBuffer.allocate(bytes.length);
                buf.put(bytes, 0, split).flip();
                assertEquals(-1, r.read(buf), "split at " + split);
                buf.compact().put(bytes, split, bytes.length - split).flip();
                int status = r.read(buf);
                assertTrue(status == 200 || status == 201, "split at " + split + ": " + status);
                assertFalse(buf.hasRemaining());
            }
        }
    }

    @Test
    void notesConnectionClose() throws IOException {
        ResponseReader r = new ResponseReader();
        assertEquals(200, r.read(ascii("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")));
        assertTrue(r.closeAfter());
        assertEquals(200, r.read(ascii("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n")));
        assertTrue(r.closeAfter());
        assertEquals(200, r.read(ascii("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n")));
        assertFalse(r.closeAfter());
    }

    @Test
    void aBodyWithoutLengthEndsWithTheConnection() throws IOException {
        ResponseReader r = new ResponseReader();
        assertEquals(-1, r.read(ascii("HTTP/1.1 200 OK\r\n\r\nsome bytes")));
        assertTrue(r.inProgress());
        assertEquals(200, r.endOfStream());
        assertTrue(r.closeAfter());
        assertEquals(-1, new ResponseReader().endOfStream());
    }

    @Test
    void noBodyFor204() throws IOException {
        assertEquals(204, new ResponseReader().read(ascii("HTTP/1.1 204 No Content\r\n\r\n")));
    }

    @Test
    void refusesWhatIsNotHttp() {
        assertThrows(IOException.class, () -> new ResponseReader().read(ascii("SSH-2.0-OpenSSH\r\n\r\n")));
        assertThrows(
                IOException.class,
                () -> new ResponseReader().read(ascii("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")));
    }

    private static ByteBuffer ascii(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
    }
}
