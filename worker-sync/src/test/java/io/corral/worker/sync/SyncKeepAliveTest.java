package io.corral.worker.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.Arbiter;
import io.corral.Config;
import io.corral.spi.Worker;
import io.corral.spi.WorkerContext;
import io.corral.spi.WorkerFactory;
import io.corral.testing.Await;
import io.corral.testing.RawClient;
import io.corral.testing.RawResponse;
import io.corral.testing.TestApp;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The sync worker's keep-alive rule: connections stay open only while nobody else waits. */
class SyncKeepAliveTest {

    private final TestApp app = new TestApp();
    private final List<SyncWorker> workers = new CopyOnWriteArrayList<>();
    private Arbiter arbiter;

    private Arbiter start() throws Exception {
        WorkerFactory sync = new SyncWorkerFactory();
        WorkerFactory watched = new WorkerFactory() {
            @Override
            public String name() {
                return sync.name();
            }

            @Override
            public Worker create(WorkerContext context) {
                SyncWorker w = (SyncWorker) sync.create(context);
                workers.add(w);
                return w;
            }
        };
        arbiter = Arbiter.builder()
                .config(Config.builder()
                        .bind("127.0.0.1:0")
                        .workerClass("sync")
                        .threads(1)
                        .keepalive(Duration.ofSeconds(60))
                        .build())
                .handler(app)
                .workerFactory(watched)
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
            first.get("/block");
            Await.until("the only thread is busy", () -> app.blocked.get() == 1);
            second.get("/hello"); // queued behind the busy thread
            Await.until(
                    "the acceptor sees the client waiting", () -> workers.get(0).clientWaiting());
            app.unblock();
            RawResponse r = first.read();
            assertEquals(200, r.status());
            assertTrue(r.closes(), "the busy thread lets the waiting client in after this response");
            assertEquals(200, second.read().status());
        }
    }
}
