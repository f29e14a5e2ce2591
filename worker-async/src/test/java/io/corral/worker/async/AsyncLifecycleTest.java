package io.corral.worker.async;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.Arbiter;
import io.corral.Hooks;
import io.corral.OverloadPolicy;
import io.corral.http.AsyncHandler;
import io.corral.http.Response;
import io.corral.testing.Await;
import io.corral.testing.RawClient;
import io.corral.testing.RawResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Graceful shutdown with stages in flight, and the connection limit as the async loop applies it. */
class AsyncLifecycleTest {

    private final Servers servers = new Servers();
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final CompletableFuture<Response> later = new CompletableFuture<>();
    private final CountDownLatch laterAsked = new CountDownLatch(1);

    private final AsyncHandler app = request -> {
        if (request.path().equals("/later")) {
            laterAsked.countDown();
            return later;
        }
        return CompletableFuture.completedFuture(Response.ok("Hello, World!"));
    };

    @AfterEach
    void stop() {
        later.complete(Response.ok("late"));
        threads.shutdownNow();
        servers.close();
    }

    @Test
    void finishesAPendingStageWithConnectionCloseAndClosesIdleConnectionsOnShutdown() throws Exception {
        Arbiter a = servers.startAsync(Servers.settings(), app, Hooks.NONE);
        try (RawClient busy = RawClient.connect(a.port());
                RawClient idle = RawClient.connect(a.port())) {
            assertEquals(200, idle.get("/hello").read().status());
            busy.get("/later");
            laterAsked.await();
            Future<Boolean> shutdown = threads.submit(() -> a.shutdown(Duration.ofSeconds(20)));
            assertTrue(idle.closedByServer(), "the idle keep-alive connection closes at once");
            later.complete(Response.ok("done"));
            RawResponse r = busy.read();
            assertEquals("done", r.text());
            assertTrue(r.closes(), "the last response announces the close");
            assertTrue(busy.closedByServer());
            assertTrue(shutdown.get(), "everything finished within the grace");
        }
    }

    @Test
    void refusesOverCapacityWith503WithoutCountingTheRefusedConnection() throws Exception {
        Arbiter a = servers.startAsync(
                Servers.settings().workerConnections(1).overloadPolicy(OverloadPolicy.REJECT), app, Hooks.NONE);
        try (RawClient holder = RawClient.connect(a.port())) {
            assertEquals(200, holder.get("/hello").read().status());
            for (int i = 0; i < 3; i++) {
                try (RawClient extra = RawClient.connect(a.port())) {
                    RawResponse r = extra.get("/hello").read();
                    assertEquals(503, r.status());
                    assertTrue(extra.closedByServer());
                }
            }
            Await.until("only the holder is counted", () -> a.stats().openConnections() == 1);
            assertEquals(200, holder.get("/hello").read().status(), "the held connection still works");
        }
        Await.until("the holder is counted closed", () -> a.stats().openConnections() == 0);
        try (RawClient c = RawClient.connect(a.port())) {
            assertEquals(200, c.get("/hello").read().status(), "its place is free again");
        }
    }

    @Test
    void resumesAcceptingFromTheBacklogWhenAConnectionCloses() throws Exception {
        Arbiter a = servers.startAsync(Servers.settings().workerConnections(1), app, Hooks.NONE);
        RawClient holder = RawClient.connect(a.port());
        try (RawClient waiting = RawClient.connect(a.port())) {
            assertEquals(200, holder.get("/hello").read().status());
            waiting.get("/hello");
            assertTrue(waiting.silentFor(Duration.ofMillis(300)), "the full worker leaves it in the backlog");
            holder.close();
            assertEquals(200, waiting.read().status(), "accepted once the holder left");
        } finally {
            holder.close();
        }
    }
}
