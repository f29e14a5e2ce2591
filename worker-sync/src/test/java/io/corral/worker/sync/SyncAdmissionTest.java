package io.corral.worker.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.Arbiter;
import io.corral.Config;
import io.corral.OverloadPolicy;
import io.corral.testing.Await;
import io.corral.testing.RawClient;
import io.corral.testing.RawResponse;
import io.corral.testing.TestApp;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What a sync worker with its one thread busy does with more requests: queues one per thread and
 * leaves new clients in the backlog (backlog), or answers 503 beyond that queue (reject).
 */
class SyncAdmissionTest {

    private final TestApp app = new TestApp();
    private Arbiter arbiter;

    private Arbiter start(OverloadPolicy policy) throws Exception {
        arbiter = Arbiter.builder()
                .config(Config.builder()
                        .bind("127.0.0.1:0")
                        .workerClass("sync")
                        .threads(1)
                        .workerConnections(10)
                        .overloadPolicy(policy)
                        .build())
                .handler(app)
                .start();
        return arbiter;
    }

    @AfterEach
    void stop() {
        app.unblock();
        if (arbiter != null) {
            arbiter.shutdown(Duration.ofSeconds(5));
        }
    }

    @Test
    void rejectsARequestBeyondOneWaitingPerThreadWith503() throws Exception {
        Arbiter a = start(OverloadPolicy.REJECT);
        try (RawClient running = RawClient.connect(a.port());
                RawClient waiting = RawClient.connect(a.port());
                RawClient refused = RawClient.connect(a.port())) {
            running.get("/block");
            Await.until("the only thread is busy", () -> app.blocked.get() == 1);
            waiting.get("/hello"); // queued for the thread
            assertTrue(waiting.silentFor(Duration.ofMillis(200)), "a request within the queue waits");
            refused.get("/hello");
            RawResponse r = refused.read();
            assertEquals(503, r.status(), "every thread busy and one request already waiting per thread");
            assertNotNull(r.header("Retry-After"));
            assertTrue(refused.closedByServer());
            app.unblock();
            assertEquals(200, running.read().status());
            assertEquals(200, waiting.read().status(), "the queued request is served, not refused");
        }
    }

    @Test
    void leavesNewClientsInTheBacklogWhileARequestWaitsForAThread() throws Exception {
        Arbiter a = start(OverloadPolicy.BACKLOG);
        try (RawClient running = RawClient.connect(a.port());
                RawClient waiting = RawClient.connect(a.port())) {
            running.get("/block");
            Await.until("the only thread is busy", () -> app.blocked.get() == 1);
            waiting.get("/hello");
            assertTrue(waiting.silentFor(Duration.ofMillis(200)), "its request waits for the thread");
            try (RawClient later = RawClient.connect(a.port())) { // completed by the kernel, not accepted
                later.get("/hello");
                assertTrue(later.silentFor(Duration.ofMillis(300)), "it waits in the backlog");
                assertEquals(2, a.stats().openConnections(), "the worker took no client while one waits");
                app.unblock();
                assertEquals(200, running.read().status());
                assertEquals(200, waiting.read().status());
                assertEquals(200, later.read().status(), "then it is accepted and served");
            }
        }
    }
}
