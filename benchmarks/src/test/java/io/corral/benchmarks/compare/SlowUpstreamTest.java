package io.corral.benchmarks.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.testing.Await;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SlowUpstreamTest {

    private static final String GET = "GET / HTTP/1.1\r\nHost: upstream\r\n\r\n";

    @Test
    void answersAfterTheLatencyOnAKeptAliveConnection() throws IOException {
        try (SlowUpstream upstream = SlowUpstream.start(Duration.ofMillis(50));
                Socket s = new Socket("127.0.0.1", upstream.port())) {
            s.setSoTimeout(5000);
            for (int i = 0; i < 3; i++) {
                long start = System.nanoTime();
                s.getOutputStream().write(GET.getBytes(StandardCharsets.US_ASCII));
                assertEquals(200, readResponse(s.getInputStream(), new ResponseReader()));
                long millis = (System.nanoTime() - start) / 1_000_000;
                assertTrue(millis >= 49, "answered after " + millis + " ms");
            }
            // the count goes up once a response is written, which may be just after the client read it
            Await.until("the upstream counts three responses", () -> upstream.served() == 3);
        }
    }

    @Test
    void answersPipelinedRequestsInOrderAllAfterOneLatency() throws IOException {
        try (SlowUpstream upstream = SlowUpstream.start(Duration.ofMillis(50));
                Socket s = new Socket("127.0.0.1", upstream.port())) {
            s.setSoTimeout(5000);
            long start = System.nanoTime();
            s.getOutputStream().write((GET + GET + GET).getBytes(StandardCharsets.US_ASCII));
            ResponseReader reader = new ResponseReader();
            InputStream in = s.getInputStream();
            ByteBuffer buf = ByteBuffer.allocate(4096).flip();
            int done = 0;
            while (done < 3) {
                int status = reader.read(buf);
                if (status > 0) {
                    assertEquals(200, status);
                    done++;
                    continue;
                }
                buf.compact();
                int n = in.read(buf.array(), buf.position(), buf.remaining());
                assertTrue(n > 0);
                buf.position(buf.position() + n).flip();
            }
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(millis >= 49 && millis < 2000, "answered after " + millis + " ms");
        }
    }

    /** Reads one whole response from a blocking stream. */
    static int readResponse(InputStream in, ResponseReader reader) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(4096).flip();
        while (true) {
            int status = reader.read(buf);
            if (status > 0) {
                return status;
            }
            buf.compact();
            int n = in.read(buf.array(), buf.position(), buf.remaining());
            if (n < 0) {
                throw new IOException("closed");
            }
            buf.position(buf.position() + n).flip();
        }
    }
}
