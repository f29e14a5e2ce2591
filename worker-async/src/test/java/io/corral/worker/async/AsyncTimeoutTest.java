package io.corral.worker.async;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.Arbiter;
import io.corral.Hooks;
import io.corral.http.AsyncHandler;
import io.corral.http.Handler;
import io.corral.http.Response;
import io.corral.testing.Await;
import io.corral.testing.RawClient;
import io.corral.testing.RawResponse;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The loop's deadlines: per request ({@code timeout}) and per wait for body bytes ({@code header_timeout}). */
class AsyncTimeoutTest {

    private final Servers servers = new Servers();
    private final List<Hooks.AbortedRequest> aborted = new CopyOnWriteArrayList<>();
    private final Hooks hooks = new Hooks() {
        @Override
        public void requestAborted(Hooks.AbortedRequest r) {
            aborted.add(r);
        }
    };

    /** Holds a stuck body writer until the test ends; the abort interrupts it long before that. */
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void stop() {
        release.countDown();
        servers.close();
    }

    @Test
    void cancelsAStageStillPendingPastTimeoutAndAnswers504() throws Exception {
        CompletableFuture<Response> never = new CompletableFuture<>();
        AsyncHandler app = request -> request.path().equals("/never")
                ? never
                : CompletableFuture.completedFuture(Response.ok("Hello, World!"));
        Arbiter a = servers.startAsync(Servers.settings().timeout(Duration.ofMillis(500)), app, hooks);
        try (RawClient c = RawClient.connect(a.port())) {
            RawResponse r = c.get("/never").read();
            assertEquals(504, r.status());
            assertTrue(c.closedByServer());
        }
        assertTrue(never.isCancelled(), "the stage was cancelled");
        Await.until("the hook heard of the abort", () -> !aborted.isEmpty());
        Hooks.AbortedRequest abort = aborted.get(0);
        assertEquals("GET /never HTTP/1.1", abort.requestLine());
        assertEquals(504, abort.status());
        assertEquals(0, abort.stack().length, "a stage has no thread of its own");
        assertTrue(abort.threadName().startsWith("corral-async-"), abort.threadName());
        assertTrue(
                abort.elapsed().compareTo(Duration.ofMillis(500)) >= 0,
                abort.elapsed().toString());
        assertEquals(1, a.stats().requestsAborted());
        try (RawClient c = RawClient.connect(a.port())) {
            assertEquals(200, c.get("/hello").read().status(), "the worker still serves");
        }
    }

    @Test
    void closesAStreamedResponseThatStallsPastTimeoutAndReportsTheWritersStack() throws Exception {
        Handler app = request -> Response.of(200).body(out -> {
            out.write("first".getBytes(StandardCharsets.UTF_8));
            out.flush();
            try {
                release.await(); // stuck, as a writer waiting on a slow source would be
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted");
            }
        });
        Arbiter a = servers.start(Servers.settings().timeout(Duration.ofMillis(500)), app, hooks);
        try (RawClient c = RawClient.connect(a.port())) {
            c.get("/trickle");
            String received = new String(c.socket().getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertTrue(received.startsWith("HTTP/1.1 200 "), received);
            assertTrue(received.contains("first"), received);
            assertFalse(received.endsWith("0\r\n\r\n"), "the body was cut short, not ended: " + received);
        }
        Await.until("the hook heard of the abort", () -> !aborted.isEmpty());
        Hooks.AbortedRequest abort = aborted.get(0);
        assertEquals(0, abort.status(), "the response had started: the connection closed instead of a 504");
        assertTrue(abort.threadName().contains("offload"), abort.threadName());
        assertTrue(abort.stackText().contains("CountDownLatch.await"), abort.stackText());
    }

    @Test
    void answers408WhenTheBodyStallsForLongerThanHeaderTimeout() throws Exception {
        Handler echo = request -> Response.ok(request.bodyBytes());
        Arbiter a = servers.start(Servers.settings().headerTimeout(Duration.ofMillis(300)), echo, hooks);
        try (RawClient c = RawClient.connect(a.port())) {
            RawResponse r = c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n123")
                    .read();
            assertEquals(408, r.status());
            assertTrue(c.closedByServer());
        }
        assertTrue(aborted.isEmpty(), "a slow client is not a request past timeout");
    }

    @Test
    void waitsHeaderTimeoutPerBodyWaitNotForTheWholeBody() throws Exception {
        Handler echo = request -> Response.ok(request.bodyBytes());
        Arbiter a = servers.start(Servers.settings().headerTimeout(Duration.ofSeconds(4)), echo);
        try (RawClient c = RawClient.connect(a.port())) {
            c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\n");
            for (String piece : new String[] {"ab", "cd", "ef"}) {
                // pacing, not waiting for a condition: the behaviour under test is about time passing.
                // Each gap leaves 2.5 s of header_timeout unused, so a stalled machine does not fail
                // the test; together the gaps take longer than header_timeout, which is what a
                // deadline for the whole body would fail on
                Thread.sleep(1500);
                c.send(piece);
            }
            assertEquals("abcdef", c.read().text());
        }
    }
}
