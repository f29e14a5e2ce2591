package io.corral.worker.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.Arbiter;
import io.corral.Config;
import io.corral.testing.Await;
import io.corral.testing.RawClient;
import io.corral.testing.RawResponse;
import io.corral.testing.TestApp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Keep-alive on the sync worker: an idle connection waits in the poller, not on a thread, so
 * connections stay alive and a single thread still serves every client.
 */
class SyncKeepAliveTest {

    private final TestApp app = new TestApp();
    private Arbiter arbiter;

    private Arbiter start() throws Exception {
        arbiter = Arbiter.builder()
                .config(Config.builder()
                        .bind("127.0.0.1:0")
                        .workerClass("sync")
                        .threads(1)
                        .keepalive(Duration.ofSeconds(60))
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
    void keepsAliveAcrossRequests() throws Exception {
        Arbiter a = start();
        try (RawClient c = RawClient.connect(a.port())) {
            for (int i = 0; i < 3; i++) {
                RawResponse r = c.get("/hello").read();
                assertEquals(200, r.status());
                assertFalse(r.closes());
            }
        }
    }

    @Test
    void servesOtherClientsWhileKeepAliveConnectionsSitIdle() throws Exception {
        Arbiter a = start();
        List<RawClient> idle = new ArrayList<>();
        try {
            // ten connections, each served once and then idle for up to 60 s, on a single thread
            for (int i = 0; i < 10; i++) {
                RawClient c = RawClient.connect(a.port());
                idle.add(c);
                RawResponse r = c.get("/hello").read();
                assertEquals(200, r.status());
                assertFalse(r.closes(), "no client waits for the thread, so nothing needs to close");
            }
            for (RawClient c : idle) {
                assertEquals(200, c.get("/hello").read().status(), "every idle connection is still served");
            }
            assertEquals(10, a.stats().workers().get(0).openConnections());
        } finally {
            for (RawClient c : idle) {
                c.close();
            }
        }
    }

    @Test
    void aBusyThreadDoesNotMakeOtherConnectionsClose() throws Exception {
        Arbiter a = start();
        try (RawClient first = RawClient.connect(a.port());
                RawClient second = RawClient.connect(a.port())) {
            first.get("/block");
            Await.until("the only thread is busy", () -> app.blocked.get() == 1);
            second.get("/hello"); // its head is read and waits for the thread
            assertTrue(second.silentFor(Duration.ofMillis(200)), "it waits for the busy thread");
            app.unblock();
            RawResponse r = first.read();
            assertEquals(200, r.status());
            assertFalse(r.closes(), "a waiting client no longer costs the busy connection its keep-alive");
            RawResponse s = second.read();
            assertEquals(200, s.status());
            assertFalse(s.closes());
        }
    }
}
