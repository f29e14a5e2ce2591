package io.corral.worker.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.Arbiter;
import io.corral.Config;
import io.corral.testing.RawClient;
import io.corral.testing.RawResponse;
import io.corral.testing.TestApp;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The sync worker's keep-alive rule: connections stay open only while nobody else waits. */
class SyncKeepAliveTest {

    private Arbiter arbiter;

    private Arbiter start() throws Exception {
        arbiter = Arbiter.builder()
                .config(Config.builder()
                        .bind("127.0.0.1:0")
                        .workerClass("sync")
                        .threads(1)
                        .keepalive(Duration.ofSeconds(60))
                        .build())
                .handler(new TestApp())
                .start();
        return arbiter;
    }

    @AfterEach
    void stop() {
        if (arbiter != null) {
            arbiter.shutdown(Duration.ofSeconds(5));
        }
    }

    @Test
    void keepsAliveWhileNobodyWaits() throws Exception {
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
    void givesUpAnIdleKeepAliveConnectionWhenAnotherClientWaits() throws Exception {
        Arbiter a = start();
        try (RawClient first = RawClient.connect(a.port());
                RawClient second = RawClient.connect(a.port())) {
            assertEquals(200, first.get("/hello").read().status());
            // the only thread holds `first`, idle for up to 60 s; `second` waits in the backlog
            second.get("/hello");
            assertEquals(200, second.read().status(), "the waiting client is served long before keepalive");
            assertTrue(first.closedByServer(), "the idle connection was given up");
        }
    }

    @Test
    void announcesCloseWhenAnotherClientWaitsDuringARequest() throws Exception {
        Arbiter a = start();
        try (RawClient first = RawClient.connect(a.port());
                RawClient second = RawClient.connect(a.port())) {
            first.get("/sleep?ms=300");
            second.get("/hello"); // queued behind the busy thread
            RawResponse r = first.read();
            assertEquals(200, r.status());
            assertTrue(r.closes(), "the busy thread lets the waiting client in after this response");
            assertEquals(200, second.read().status());
        }
    }
}
