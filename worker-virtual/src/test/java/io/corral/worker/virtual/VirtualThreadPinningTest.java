package io.corral.worker.virtual;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.Arbiter;
import io.corral.Config;
import io.corral.testing.Await;
import io.corral.testing.RawClient;
import io.corral.testing.RawResponse;
import io.corral.testing.TestApp;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingStream;
import org.junit.jupiter.api.Test;

/**
 * Serving requests on the virtual worker never pins a carrier thread: JFR records no {@code
 * jdk.VirtualThreadPinned} event while requests of every kind (keep-alive, bodies in and out,
 * streaming, sleeping handlers, timeouts) run concurrently.
 */
class VirtualThreadPinningTest {

    @Test
    void servingRequestsRecordsNoPinnedVirtualThread() throws Exception {
        List<String> pinned = new CopyOnWriteArrayList<>();
        Arbiter arbiter = Arbiter.builder()
                .config(Config.builder()
                        .bind("127.0.0.1:0")
                        .workerClass("virtual")
                        .workers(2)
                        .timeout(Duration.ofSeconds(5))
                        .build())
                .handler(new TestApp())
                .start();
        // the clients are the test's own, on platform threads, so that only the server's virtual
        // threads can be pinned
        ExecutorService clients = Executors.newFixedThreadPool(50);
        try (RecordingStream jfr = new RecordingStream()) {
            // before recording, the JDK's one-time set-up: loading classes, and starting the poller that
            // parks virtual threads in socket I/O; a virtual thread that waits on either is pinned,
            // the first time only, and neither is the request path this test is about
            warmUpVirtualThreadIo();
            assertEquals(5, exercise(arbiter.port()));

            jfr.enable("jdk.VirtualThreadPinned").withThreshold(Duration.ZERO).withStackTrace();
            jfr.onEvent("jdk.VirtualThreadPinned", e -> pinned.add(describe(e)));
            List<Boolean> flushed = new CopyOnWriteArrayList<>();
            jfr.enable(MarkerEvent.class);
            jfr.onEvent("io.corral.test.Marker", e -> flushed.add(true));
            jfr.startAsync();

            List<Future<Integer>> done = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                done.add(clients.submit(() -> exercise(arbiter.port())));
            }
            for (Future<Integer> f : done) {
                assertEquals(5, f.get());
            }
            try (RawClient c = RawClient.connect(arbiter.port())) {
                assertEquals(504, c.get("/sleep?ms=60000").read().status());
            }
            // JFR delivers events in batches about once a second: once a marker committed after the
            // load arrives, everything recorded before it has been seen
            new MarkerEvent().commit();
            Await.until("JFR delivered the events recorded during the load", () -> !flushed.isEmpty());
        } finally {
            clients.shutdownNow();
            arbiter.shutdown(Duration.ofSeconds(10));
        }
        assertTrue(pinned.isEmpty(), "virtual threads were pinned:\n" + String.join("\n\n", pinned));
    }

    /** Parks a virtual thread in a timed socket read until it times out, as keep-alive waits do. */
    private static void warmUpVirtualThreadIo() throws Exception {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (ServerSocket server = new ServerSocket(0, 1, loopback);
                Socket client = new Socket(loopback, server.getLocalPort());
                Socket accepted = server.accept()) {
            Thread reader = Thread.ofVirtual().start(() -> {
                try {
                    accepted.setSoTimeout(50);
                    accepted.getInputStream().read();
                } catch (IOException timedOut) {
                    // what it is for
                }
            });
            reader.join();
        }
    }

    /** Five exchanges on one keep-alive connection; returns how many succeeded. */
    private static int exercise(int port) throws Exception {
        int ok = 0;
        try (RawClient c = RawClient.connect(port)) {
            ok += c.get("/hello").read().status() == 200 ? 1 : 0;
            ok += c.get("/sleep?ms=20").read().status() == 200 ? 1 : 0;
            RawResponse echo = c.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                            + "3\r\nabc\r\n0\r\n\r\n")
                    .read();
            ok += echo.text().equals("abc") ? 1 : 0;
            ok += c.get("/stream?chunks=20&size=100").read().body().length == 2000 ? 1 : 0;
            ok += c.get("/big?bytes=200000").read().body().length == 200000 ? 1 : 0;
        }
        return ok;
    }

    private static String describe(RecordedEvent e) {
        StringBuilder sb = new StringBuilder("pinned for " + e.getDuration());
        for (String field : new String[] {"pinnedReason", "blockingOperation", "carrierThread"}) {
            if (e.hasField(field)) {
                sb.append(", ").append(field).append(": ").append((Object) e.getValue(field));
            }
        }
        if (e.getStackTrace() != null) {
            for (RecordedFrame f : e.getStackTrace().getFrames()) {
                sb.append("\n\tat ")
                        .append(f.getMethod().getType().getName())
                        .append('.')
                        .append(f.getMethod().getName())
                        .append(':')
                        .append(f.getLineNumber());
            }
        }
        return sb.toString();
    }

    /** A marker committed after the load, to know JFR has delivered everything before it. */
    @jdk.jfr.Name("io.corral.test.Marker")
    static final class MarkerEvent extends jdk.jfr.Event {}
}
