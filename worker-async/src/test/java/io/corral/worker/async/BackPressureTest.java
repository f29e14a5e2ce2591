package io.corral.worker.async;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.Arbiter;
import io.corral.http.Handler;
import io.corral.http.Response;
import io.corral.testing.Await;
import io.corral.testing.RawClient;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A client that reads slowly holds a body writer, never the server's memory. */
class BackPressureTest {

    private static final long FLOOD_BYTES = 512L << 20;
    /** What the kernel's socket buffers may hold on loopback, plus the stream's queue, with room to spare. */
    private static final long BOUND = 32L << 20;

    private final Servers servers = new Servers();

    @AfterEach
    void stop() {
        servers.close();
    }

    @Test
    void aClientThatNeverReadsAStreamedBodyBlocksItsWriterWhileOthersAreServed() throws Exception {
        AtomicLong produced = new AtomicLong();
        AtomicReference<Thread> writer = new AtomicReference<>();
        CountDownLatch writerEnded = new CountDownLatch(1);
        Handler app = request -> request.path().equals("/flood")
                ? Response.of(200).body(out -> {
                    writer.set(Thread.currentThread());
                    try {
                        byte[] piece = new byte[32 * 1024];
                        for (long n = 0; n < FLOOD_BYTES; n += piece.length) {
                            out.write(piece);
                            produced.addAndGet(piece.length);
                        }
                    } finally {
                        writerEnded.countDown();
                    }
                })
                : Response.ok("Hello, World!");
        Arbiter a = servers.start(Servers.settings().timeout(Duration.ofMinutes(5)), app);

        try (Socket slow = new Socket()) {
            slow.setReceiveBufferSize(16 * 1024);
            slow.connect(new InetSocketAddress("127.0.0.1", a.port()));
            slow.getOutputStream().write(Servers.ascii("GET /flood HTTP/1.1\r\nHost: x\r\n\r\n"));
            long[] last = {-1};
            Await.until("the writer waits for the client, producing nothing more", () -> {
                Thread t = writer.get();
                long now = produced.get();
                boolean unchanged = now == last[0];
                last[0] = now;
                return t != null && now > 0 && unchanged && t.getState() == Thread.State.WAITING;
            });
            assertTrue(produced.get() < BOUND, "the writer got " + produced.get() + " bytes ahead of the client");

            for (int i = 0; i < 3; i++) {
                try (RawClient c = RawClient.connect(a.port())) {
                    assertEquals("Hello, World!", c.get("/hello").read().text(), "others are served meanwhile");
                }
            }
            assertTrue(produced.get() < BOUND, "still bounded: " + produced.get());
            assertEquals(1, writerEnded.getCount(), "the writer is still held");
        }
        assertTrue(writerEnded.await(30, TimeUnit.SECONDS), "the writer ends once its client has gone");
        assertTrue(produced.get() < FLOOD_BYTES);
        Await.until("the connection is counted closed", () -> a.stats().openConnections() == 0);
    }
}
