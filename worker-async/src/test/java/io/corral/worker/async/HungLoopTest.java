package io.corral.worker.async;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.Arbiter;
import io.corral.Hooks;
import io.corral.http.AsyncHandler;
import io.corral.http.Response;
import io.corral.testing.Await;
import io.corral.testing.RawClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A handler that blocks its event loop silences the loop's heartbeat; the Arbiter replaces that worker. */
class HungLoopTest {

    private final Servers servers = new Servers();

    /** Holds the blocked loop until the test ends; the abort interrupts it long before that. */
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void stop() {
        release.countDown();
        servers.close();
    }

    @Test
    void replacesAWorkerWhoseLoopIsBlockedWhileTheOtherKeepsServing() throws Exception {
        List<String> exits = new CopyOnWriteArrayList<>();
        Hooks hooks = new Hooks() {
            @Override
            public void workerExited(int workerId, String reason) {
                exits.add(reason);
            }
        };
        AsyncHandler app = request -> {
            if (request.path().equals("/hang")) {
                try {
                    release.await(); // the mistake under test: blocking the event loop
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return CompletableFuture.failedFuture(e);
                }
            }
            return CompletableFuture.completedFuture(Response.ok("Hello, World!"));
        };
        Arbiter a = servers.startAsync(Servers.settings().workers(2).timeout(Duration.ofSeconds(1)), app, hooks);

        try (RawClient hung = RawClient.connect(a.port())) {
            hung.get("/hang");
            Await.until("the Arbiter replaced the hung worker", () -> exits.contains("hung"));
            assertTrue(a.stats().workerRestarts() >= 1);
            assertTrue(hung.closedByServer(), "the abort closed the hung loop's connections");
        }
        Await.until("two workers run again", () -> a.stats().runningWorkers() == 2);
        for (int i = 0; i < 5; i++) {
            try (RawClient c = RawClient.connect(a.port())) {
                assertEquals("Hello, World!", c.get("/hello").read().text());
            }
        }
    }
}
