package io.corral.worker.async;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.Arbiter;
import io.corral.Hooks;
import io.corral.http.Handler;
import io.corral.http.Request;
import io.corral.http.Response;
import io.corral.testing.Await;
import io.corral.testing.RawClient;
import io.corral.testing.RawResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A blocking handler runs on the worker's bounded offload pool, never on the event loop. */
class OffloadPoolTest {

    private final Servers servers = new Servers();
    private final List<RawClient> clients = new ArrayList<>();
    private final CountDownLatch gate = new CountDownLatch(1);
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicInteger admitted = new AtomicInteger();

    private final Handler app = request -> {
        if (request.path().equals("/block")) {
            running.incrementAndGet();
            gate.await();
            return Response.ok("unblocked");
        }
        return Response.ok("Hello, World!");
    };

    private final Hooks countAdmitted = new Hooks() {
        @Override
        public void preRequest(Request request) {
            admitted.incrementAndGet();
        }
    };

    @AfterEach
    void stop() throws Exception {
        gate.countDown();
        for (RawClient c : clients) {
            c.close();
        }
        servers.close();
    }

    private RawClient block(Arbiter a) throws Exception {
        RawClient c = RawClient.connect(a.port());
        clients.add(c);
        return c.get("/block");
    }

    @Test
    void runsAtMostOffloadThreadsHandlersAtOnceAndQueuesTheRest() throws Exception {
        Arbiter a = servers.start(Servers.settings().offloadThreads(2), app);
        for (int i = 0; i < 3; i++) {
            block(a);
        }
        Await.until("two handlers run", () -> running.get() == 2);
        try (RawClient bad = RawClient.connect(a.port())) {
            RawResponse r = bad.send("garbage\r\n\r\n").read();
            assertEquals(400, r.status(), "the loop still answers what needs no handler");
        }
        assertEquals(2, running.get(), "the third request waits for an offload thread");
        gate.countDown();
        for (RawClient c : clients) {
            assertEquals("unblocked", c.read().text());
        }
        assertEquals(3, running.get());
    }

    @Test
    void answers503WhenEveryOffloadThreadIsBusyAndItsQueueIsFull() throws Exception {
        Arbiter a = servers.start(Servers.settings().offloadThreads(1), app, countAdmitted);
        int capacity = 1 + OffloadPool.QUEUE_PER_THREAD;
        for (int i = 0; i < capacity; i++) {
            block(a);
        }
        Await.until("one runs and the rest wait", () -> running.get() == 1 && admitted.get() == capacity);
        try (RawClient extra = RawClient.connect(a.port())) {
            RawResponse r = extra.get("/hello").read();
            assertEquals(503, r.status());
            assertNotNull(r.header("Retry-After"));
            assertTrue(extra.closedByServer());
        }
        gate.countDown();
        for (RawClient c : clients) {
            assertEquals("unblocked", c.read().text());
        }
        assertEquals(capacity, running.get(), "every admitted request ran, one at a time");
    }

    @Test
    void keepsItsCapacityWhenAHandlerPastTimeoutIgnoresItsInterrupt() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Handler stubborn = request -> {
            if (request.path().equals("/stuck")) {
                while (release.getCount() > 0) {
                    try {
                        release.await();
                    } catch (InterruptedException ignored) {
                        // ignores interrupts on purpose
                    }
                }
            }
            return Response.ok("Hello, World!");
        };
        Arbiter a =
                servers.start(Servers.settings().offloadThreads(1).timeout(java.time.Duration.ofMillis(500)), stubborn);
        try {
            for (int i = 0; i < 2; i++) {
                try (RawClient c = RawClient.connect(a.port())) {
                    assertEquals(504, c.get("/stuck").read().status());
                }
            }
            try (RawClient c = RawClient.connect(a.port())) {
                assertEquals(200, c.get("/hello").read().status(), "the one offload slot came back twice");
            }
        } finally {
            release.countDown();
        }
    }
}
