package io.corral.worker.async;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.corral.Arbiter;
import io.corral.Hooks;
import io.corral.http.AsyncHandler;
import io.corral.http.Handler;
import io.corral.http.Response;
import io.corral.testing.RawClient;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Pipelined requests are answered in order, one exchange at a time, however they arrive. */
class PipeliningTest {

    private final Servers servers = new Servers();
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        threads.shutdownNow();
        servers.close();
    }

    @Test
    void answersThousandsOfRequestsSentInOneBurstInOrder() throws Exception {
        Handler app = request -> Response.ok(request.queryParam("i").orElse("?") + ":" + request.bodyString());
        Arbiter a = servers.start(Servers.settings(), app);
        int n = 3000; // more than one read buffer's worth
        StringBuilder burst = new StringBuilder();
        for (int i = 0; i < n; i++) {
            burst.append(
                    i % 3 == 0
                            ? "POST /?i=" + i + " HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
                            : "GET /?i=" + i + " HTTP/1.1\r\nHost: x\r\n\r\n");
        }
        try (RawClient c = RawClient.connect(a.port())) {
            // send from another thread: the server answers while the burst is still arriving
            Future<?> sent = threads.submit(() -> c.send(burst.toString()));
            for (int i = 0; i < n; i++) {
                assertEquals(i + ":" + (i % 3 == 0 ? "abc" : ""), c.read().text());
            }
            sent.get(30, TimeUnit.SECONDS);
        }
        assertEquals(n, a.stats().requestsServed());
    }

    @Test
    void answersPipelinedRequestsInOrderWhenTheirStagesCompleteOnOtherThreads() throws Exception {
        AsyncHandler app = request -> CompletableFuture.supplyAsync(
                () -> Response.ok(request.queryParam("i").orElse("?")),
                CompletableFuture.delayedExecutor(
                        20 - Integer.parseInt(request.queryParam("i").orElse("0")), TimeUnit.MILLISECONDS, threads));
        Arbiter a = servers.startAsync(Servers.settings(), app, Hooks.NONE);
        StringBuilder burst = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            burst.append("GET /?i=").append(i).append(" HTTP/1.1\r\nHost: x\r\n\r\n");
        }
        try (RawClient c = RawClient.connect(a.port())) {
            c.send(burst.toString());
            for (int i = 0; i < 20; i++) {
                assertEquals(Integer.toString(i), c.read().text());
            }
        }
    }
}
