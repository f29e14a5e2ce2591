package io.corral.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.Arbiter;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Clients that abuse a server, replayed on every worker model: each worker module has a subclass
 * that names its model. A misbehaving client must cost a socket and bounded memory, never a thread,
 * while every other client is served.
 */
public abstract class HostileClientSuite {

    /** Returns the {@code worker_class} under test. */
    protected abstract String workerClass();

    private static final int SLOW_CLIENTS = 300;
    private static final Duration HEADER_TIMEOUT = Duration.ofSeconds(2);
    private static final long DRIBBLE_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
    private static final byte[] SLOW_HEAD =
            "GET /hello HTTP/1.1\r\nHost: slow\r\nX-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII);

    private final List<Arbiter> started = new CopyOnWriteArrayList<>();
    private final ExecutorService clients = Executors.newCachedThreadPool();
    private final TestApp app = new TestApp();

    @AfterEach
    void stopEverything() {
        for (Arbiter a : started) {
            a.shutdown(Duration.ofSeconds(5));
        }
        clients.shutdownNow();
    }

    /**
     * Slowloris: 300 clients dribble a request head one byte every 250 ms while others load {@code
     * /hello}. With two threads on sync (one event loop on async, one poller on virtual) the heads are
     * read without a thread, so {@code /hello} keeps answering within a second, and each slow client
     * is cut off within {@code header_timeout} (+1 s) of its connect, whatever the threads are doing.
     */
    @Test
    void dribblingClientsCostNoThreadAndAreCutAtHeaderTimeoutFromTheirConnect() throws Exception {
        Arbiter a = Arbiter.builder()
                .config(HttpSuite.loopbackSettings(workerClass())
                        .threads(2)
                        .workerConnections(1000)
                        .backlog(1024)
                        .headerTimeout(HEADER_TIMEOUT)
                        .build())
                .handler(app)
                .start();
        started.add(a);

        AtomicBoolean loading = new AtomicBoolean(true);
        List<Future<List<Long>>> load = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            load.add(clients.submit(() -> helloLatencies(a.port(), loading)));
        }

        List<Dribbler> slow = new ArrayList<>();
        try {
            for (int i = 0; i < SLOW_CLIENTS; i++) {
                slow.add(new Dribbler(a.port()));
            }
            long bound = System.nanoTime() + HEADER_TIMEOUT.toNanos() + TimeUnit.SECONDS.toNanos(20);
            while (slow.stream().anyMatch(d -> d.closedNanos == 0) && System.nanoTime() - bound < 0) {
                long now = System.nanoTime();
                for (Dribbler d : slow) {
                    d.step(now);
                }
                Thread.sleep(20); // pacing the dribble, not waiting for a result
            }
        } finally {
            loading.set(false);
            for (Dribbler d : slow) {
                d.channel.close();
            }
        }

        long allowed = HEADER_TIMEOUT.toNanos() + TimeUnit.SECONDS.toNanos(1);
        for (Dribbler d : slow) {
            assertTrue(d.closedNanos != 0, "every slow client is closed");
            long lived = d.closedNanos - d.connectedNanos;
            assertTrue(
                    lived <= allowed,
                    "a slow client was closed " + TimeUnit.NANOSECONDS.toMillis(lived) + " ms after its connect");
            assertTrue(d.sentBytes < SLOW_HEAD.length, "no slow client got its whole head through");
        }
        List<Long> latencies = new ArrayList<>();
        for (Future<List<Long>> f : load) {
            latencies.addAll(f.get(30, TimeUnit.SECONDS));
        }
        assertTrue(latencies.size() >= 20, "the /hello load ran: " + latencies.size() + " requests");
        long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
        long p99 = sorted[(int) Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)];
        assertTrue(
                p99 < TimeUnit.SECONDS.toNanos(1),
                "/hello p99 was " + TimeUnit.NANOSECONDS.toMillis(p99) + " ms while slow clients dribbled; all: "
                        + Arrays.toString(Arrays.copyOfRange(sorted, Math.max(0, sorted.length - 5), sorted.length)));
    }

    /** Sends GET /hello on one kept-alive connection until told to stop; returns each latency. */
    private static List<Long> helloLatencies(int port, AtomicBoolean loading) throws IOException {
        List<Long> latencies = new ArrayList<>();
        try (RawClient c = RawClient.connect(port)) {
            while (loading.get()) {
                long start = System.nanoTime();
                RawResponse r = c.get("/hello").read();
                latencies.add(System.nanoTime() - start);
                assertEquals(200, r.status());
            }
        }
        return latencies;
    }

    /** A client that sends its head one byte at a time and notes when the server cuts it off. */
    private static final class Dribbler {
        final SocketChannel channel;
        final long connectedNanos;
        final ByteBuffer scratch = ByteBuffer.allocate(1024);
        long nextByteNanos;
        int sentBytes;
        long closedNanos;

        Dribbler(int port) throws IOException {
            channel = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
            connectedNanos = System.nanoTime();
            channel.configureBlocking(false);
            nextByteNanos = connectedNanos;
        }

        /** Sends the next byte if it is due, and notes the server's end of the conversation. */
        void step(long now) {
            if (closedNanos != 0) {
                return;
            }
            try {
                int n;
                while ((n = channel.read(scratch.clear())) > 0) {
                    // the 408, if the server answers one
                }
                if (n < 0) {
                    closedNanos = now;
                    return;
                }
                if (now - nextByteNanos >= 0 && sentBytes < SLOW_HEAD.length) {
                    sentBytes += channel.write(ByteBuffer.wrap(SLOW_HEAD, sentBytes, 1));
                    nextByteNanos = now + DRIBBLE_NANOS;
                }
            } catch (IOException e) {
                closedNanos = now; // reset: the server is gone from this connection too
            }
        }
    }
}
