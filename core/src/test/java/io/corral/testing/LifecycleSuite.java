package io.corral.testing;

import static io.corral.testing.Probes.getHello;
import static io.corral.testing.Probes.helloText;
import static io.corral.testing.Probes.refusesConnections;
import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.Arbiter;
import io.corral.Config;
import io.corral.Hooks;
import io.corral.OverloadPolicy;
import io.corral.http.AsyncHandler;
import io.corral.http.Handler;
import io.corral.http.Request;
import io.corral.http.Response;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The lifecycle suite every worker model replays over real sockets, as {@link HttpSuite} does for
 * HTTP: async handlers on every model, the request hooks and what they are told, hooks that throw,
 * a shutdown whose grace runs out, {@code reloadAsync}, the 503 caps of {@code
 * overload_policy=reject}, and which of {@code keepalive} and {@code header_timeout} bounds which
 * wait. Each worker module has a subclass that names its model; each test starts its own Arbiter on
 * 127.0.0.1, port 0.
 */
public abstract class LifecycleSuite {

    /** Returns the {@code worker_class} under test. */
    protected abstract String workerClass();

    /** How long {@code /stuck} ignores interrupts at most, so that a failed test leaves no thread for long. */
    private static final Duration STUCK_AT_MOST = Duration.ofSeconds(20);

    private final List<Arbiter> started = new CopyOnWriteArrayList<>();
    private final ExecutorService clients = Executors.newCachedThreadPool();
    private final ExecutorService appThreads = Executors.newCachedThreadPool();
    /** Lets {@code /hold} and {@code /stuck} return; opened after each test at the latest. */
    private final CountDownLatch release = new CountDownLatch(1);
    /** How many requests have reached {@code /hold}. */
    private final AtomicInteger holding = new AtomicInteger();
    /** How many requests have reached {@code /stuck}. */
    private final AtomicInteger stuck = new AtomicInteger();

    /**
     * The blocking application of the suite.
     *
     * <ul>
     *   <li>{@code GET /hold?bytes=N} → waits for {@link #release}, then 200 with N bytes (or {@code held})
     *   <li>{@code GET /stuck} → ignores interrupts until {@link #release}, or {@link #STUCK_AT_MOST}
     *   <li>anything else → {@link TestApp}'s routes ({@code /hello}, {@code /sleep?ms=N}, {@code
     *       /throw}, 404 for the rest)
     * </ul>
     */
    private final Handler app = this::route;
    /** The routes this suite shares with {@link HttpSuite}. */
    private final TestApp shared = new TestApp();

    /** The suite's settings: {@link HttpSuite#loopbackSettings}. */
    protected Config.Builder settings() {
        return HttpSuite.loopbackSettings(workerClass());
    }

    @AfterEach
    void stopEverything() {
        release.countDown();
        for (Arbiter a : started) {
            a.shutdown(Duration.ofSeconds(5));
        }
        clients.shutdownNow();
        appThreads.shutdownNow();
    }

    // ---- an AsyncHandler on every model ----------------------------------------------------

    @Test
    void servesAnAsyncStageThatCompletesLaterOnAnotherThread() throws Exception {
        Arbiter a = startAsync(b -> b, asyncApp(), Hooks.NONE);
        List<Future<RawResponse>> answers = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < 4; i++) {
            answers.add(clients.submit(() -> {
                try (RawClient c = RawClient.connect(a.port())) {
                    return c.get("/later").read();
                }
            }));
        }
        for (Future<RawResponse> f : answers) {
            RawResponse r = f.get(30, SECONDS);
            assertEquals(200, r.status(), r.statusLine());
            assertEquals("later", r.text());
        }
        assertTrue(
                System.nanoTime() - start >= MILLISECONDS.toNanos(200),
                "the answers waited for stages completed 200 ms later");
        assertEquals(200, getHello(a), "the worker keeps serving");
    }

    @Test
    void answersAFailedAsyncStageWith500AndKeepsServing() throws Exception {
        Arbiter a = startAsync(b -> b, asyncApp(), Hooks.NONE);
        for (String target : List.of("/fail-later", "/fail-now", "/throw")) {
            try (RawClient c = RawClient.connect(a.port())) {
                RawResponse r = c.get(target).read();
                assertEquals(500, r.status(), target);
                assertEquals("Internal Server Error\n", r.text(), target);
            }
            assertEquals(200, getHello(a), "the worker keeps serving after " + target);
        }
    }

    @Test
    void answersAnAsyncHandlerThatReturnsNullWith500AndKeepsServing() throws Exception {
        Arbiter a = startAsync(b -> b, asyncApp(), Hooks.NONE);
        for (String target : List.of("/null-stage", "/null-response")) {
            try (RawClient c = RawClient.connect(a.port())) {
                RawResponse r = c.get(target).read();
                assertEquals(500, r.status(), target);
                assertEquals("Internal Server Error\n", r.text(), target);
            }
            assertEquals(200, getHello(a), "the worker keeps serving after " + target);
        }
    }

    // ---- the request hooks -----------------------------------------------------------------

    @Test
    void postRequestHearsTheStatusSentAndHowLongTheExchangeTook() throws Exception {
        RecordingHooks hooks = new RecordingHooks();
        Arbiter a = start(b -> b, app, hooks);
        List<String> targets = List.of("/hello", "/missing", "/throw", "/sleep?ms=200");
        List<Integer> statuses = List.of(200, 404, 500, 200);
        for (int i = 0; i < targets.size(); i++) {
            try (RawClient c = RawClient.connect(a.port())) {
                assertEquals(statuses.get(i), c.get(targets.get(i)).read().status(), targets.get(i));
            }
            // postRequest runs once the response is out, so possibly after the client has read it
            int n = i + 1;
            Await.until("postRequest ran for " + targets.get(i), () -> hooks.finished.size() == n);
        }
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < targets.size(); i++) {
            String path = targets.get(i).replaceFirst("\\?.*", "");
            expected.add("pre " + path);
            expected.add("post " + path + " " + statuses.get(i));
        }
        assertEquals(expected, hooks.events, "preRequest once before each postRequest, once per request");
        for (Finished f : hooks.finished) {
            assertTrue(f.elapsed().compareTo(Duration.ZERO) >= 0, f.toString());
            assertTrue(f.elapsed().compareTo(Duration.ofSeconds(20)) < 0, f.toString());
            assertTrue(f.thread().startsWith("corral-"), "postRequest ran on a serving thread: " + f);
            assertEquals(f.preThread(), f.thread(), "preRequest and postRequest ran on the same serving thread");
        }
        Finished slept = hooks.finished.get(3);
        assertTrue(
                slept.elapsed().compareTo(Duration.ofMillis(200)) >= 0,
                "the elapsed time covers the handler's 200 ms sleep: " + slept);
    }

    @Test
    void postRequestRunsOnceWithStatusZeroWhenTheClientLeavesBeforeTheResponse() throws Exception {
        RecordingHooks hooks = new RecordingHooks();
        Arbiter a = start(b -> b, app, hooks);
        try (RawClient c = RawClient.connect(a.port())) {
            // a body too large to vanish into the socket buffers, so the server's write fails for sure
            c.get("/hold?bytes=8000000");
            Await.until("the request is in the handler", () -> holding.get() == 1);
            c.socket().setSoLinger(true, 0); // close with a reset: the client is gone, not half-closed
        }
        release.countDown();
        Await.until("postRequest heard of the lost exchange", () -> hooks.finished.size() == 1);
        assertEquals(200, getHello(a), "the worker keeps serving");
        Await.until("postRequest ran for /hello", () -> hooks.finished.size() == 2);
        assertTrue(a.shutdown(Duration.ofSeconds(10)), "nothing was left in flight");
        // after shutdown every serving thread has ended: a second report could not still be coming
        List<Finished> lost =
                hooks.finished.stream().filter(f -> f.path().equals("/hold")).toList();
        assertEquals(1, lost.size(), "postRequest ran exactly once for the lost exchange: " + hooks.finished);
        assertEquals(0, lost.get(0).status(), "0: the connection was lost before the response was sent");
        assertEquals(2, hooks.events.stream().filter(e -> e.startsWith("pre ")).count(), hooks.events.toString());
    }

    // ---- hooks that throw ------------------------------------------------------------------

    @Test
    void requestHooksThatThrowDoNotBreakTheExchange() throws Exception {
        AtomicInteger pre = new AtomicInteger();
        AtomicInteger post = new AtomicInteger();
        Hooks throwing = new Hooks() {
            @Override
            public void preRequest(Request request) {
                pre.incrementAndGet();
                throw new IllegalStateException("preRequest failed on purpose");
            }

            @Override
            public void postRequest(Request request, int status, Duration elapsed) {
                post.incrementAndGet();
                throw new IllegalStateException("postRequest failed on purpose");
            }
        };
        Arbiter a = start(b -> b, app, throwing);
        try (RawClient c = RawClient.connect(a.port())) {
            for (int i = 0; i < 3; i++) {
                RawResponse r = c.get("/hello").read();
                assertEquals(200, r.status(), "request " + i);
                assertEquals("Hello, World!", r.text());
                assertFalse(r.closes(), "the connection stays usable after request " + i);
            }
        }
        assertEquals(200, getHello(a), "the worker keeps serving");
        Await.until("both hooks ran for all four requests", () -> pre.get() == 4 && post.get() == 4);
    }

    @Test
    void lifecycleHooksThatThrowDoNotStopStartOrShutdown() throws Exception {
        AtomicInteger onStarting = new AtomicInteger();
        AtomicInteger whenReady = new AtomicInteger();
        AtomicInteger workerStarted = new AtomicInteger();
        AtomicInteger workerExited = new AtomicInteger();
        AtomicInteger onExit = new AtomicInteger();
        Hooks throwing = new Hooks() {
            @Override
            public void onStarting(Config config) {
                onStarting.incrementAndGet();
                throw new IllegalStateException("onStarting failed on purpose");
            }

            @Override
            public void whenReady(Arbiter arbiter) {
                whenReady.incrementAndGet();
                throw new IllegalStateException("whenReady failed on purpose");
            }

            @Override
            public void workerStarted(int workerId) {
                workerStarted.incrementAndGet();
                throw new IllegalStateException("workerStarted failed on purpose");
            }

            @Override
            public void workerExited(int workerId, String reason) {
                workerExited.incrementAndGet();
                throw new IllegalStateException("workerExited failed on purpose");
            }

            @Override
            public void onExit(Arbiter arbiter) {
                onExit.incrementAndGet();
                throw new IllegalStateException("onExit failed on purpose");
            }
        };
        Arbiter a = start(b -> b.workers(2), app, throwing);
        assertEquals(1, onStarting.get());
        assertEquals(1, whenReady.get());
        assertEquals(2, workerStarted.get(), "the second worker started after the first one's hook threw");
        assertEquals(2, a.stats().runningWorkers());
        assertEquals(200, getHello(a));
        assertTrue(a.shutdown(Duration.ofSeconds(10)), "the shutdown finished gracefully");
        assertEquals(2, workerExited.get(), "the second worker was waited for after the first one's hook threw");
        assertEquals(1, onExit.get());
        assertTrue(refusesConnections(a), "the listener is closed");
    }

    // ---- shutdown(grace) -------------------------------------------------------------------

    @Test
    void shutdownReturnsFalseAndClosesTheConnectionWhenAHandlerOutlivesTheGrace() throws Exception {
        AtomicInteger exits = new AtomicInteger();
        Hooks hooks = new Hooks() {
            @Override
            public void onExit(Arbiter arbiter) {
                exits.incrementAndGet();
            }
        };
        Arbiter a = start(b -> b, app, hooks);
        try (RawClient c = RawClient.connect(a.port())) {
            c.get("/stuck");
            Await.until("the request is in the handler", () -> stuck.get() == 1);
            Duration grace = Duration.ofMillis(500);
            long begin = System.nanoTime();
            boolean graceful = a.shutdown(grace);
            Duration took = Duration.ofNanos(System.nanoTime() - begin);
            assertFalse(graceful, "a request was still in flight when the grace ran out");
            assertTrue(took.compareTo(grace.minusMillis(50)) >= 0, "it waited for the grace: " + took);
            assertTrue(took.compareTo(grace.plusSeconds(15)) < 0, "it did not wait much past the grace: " + took);
            assertTrue(c.closedByServer(), "the aborted request's connection is closed, with no response");
            assertEquals(1, exits.get(), "onExit ran");
        }
    }

    @Test
    void shutdownReturnsTrueWithoutWaitingOutTheGraceWhenNothingIsInFlight() throws Exception {
        AtomicInteger exits = new AtomicInteger();
        Hooks hooks = new Hooks() {
            @Override
            public void onExit(Arbiter arbiter) {
                exits.incrementAndGet();
            }
        };
        Arbiter a = start(b -> b.workers(2), app, hooks);
        assertEquals(200, getHello(a));
        Await.until("the connection is counted closed", () -> a.stats().openConnections() == 0);
        Duration grace = Duration.ofSeconds(30);
        long begin = System.nanoTime();
        assertTrue(a.shutdown(grace), "nothing was in flight");
        Duration took = Duration.ofNanos(System.nanoTime() - begin);
        assertTrue(took.compareTo(Duration.ofSeconds(15)) < 0, "it did not wait out the 30 s grace: " + took);
        assertEquals(1, exits.get(), "onExit ran");
        assertTrue(refusesConnections(a));
    }

    // ---- reloadAsync -----------------------------------------------------------------------

    @Test
    void reloadsToANewAsyncHandlerWhileARequestInFlightFinishesOnTheOldOne() throws Exception {
        CompletableFuture<Response> oldSlow = new CompletableFuture<>();
        CountDownLatch slowAsked = new CountDownLatch(1);
        AsyncHandler old = request -> {
            if (request.path().equals("/slow")) {
                slowAsked.countDown();
                return oldSlow;
            }
            return CompletableFuture.completedFuture(Response.ok("old"));
        };
        Arbiter a = startAsync(b -> b, old, Hooks.NONE);
        assertEquals("old", helloText(a));
        Future<RawResponse> inFlight = clients.submit(() -> {
            try (RawClient c = RawClient.connect(a.port())) {
                return c.get("/slow").read();
            }
        });
        assertTrue(slowAsked.await(30, SECONDS), "the request reached the old handler");
        a.reloadAsync(request -> CompletableFuture.supplyAsync(() -> Response.ok("new"), appThreads));
        // an old worker may still take a client that was already on its way in; it answers it as before
        Await.until("new clients reach the new handler", () -> "new".equals(helloText(a)));
        for (int i = 0; i < 3; i++) {
            assertEquals("new", helloText(a), "request " + i + " after the reload");
        }
        appThreads.execute(() -> oldSlow.complete(Response.ok("old, late")));
        RawResponse r = inFlight.get(30, SECONDS);
        assertEquals(200, r.status());
        assertEquals("old, late", r.text(), "the request in flight finished on the old handler");
    }

    // ---- overload_policy=reject --------------------------------------------------------------

    @Test
    void rejectsAFloodOnAFullWorkerWith503OrACloseAndRecoversOnceItHasRoom() throws Exception {
        Arbiter a = start(
                b -> b.overloadPolicy(OverloadPolicy.REJECT)
                        .workerConnections(1)
                        .threads(1),
                app,
                Hooks.NONE);
        int flood = 24; // above the 16 refusals a worker answers at once; each waits about a second
        CountDownLatch go = new CountDownLatch(1);
        CountDownLatch answered = new CountDownLatch(flood);
        CountDownLatch hangUp = new CountDownLatch(1);
        List<String> outcomes = new CopyOnWriteArrayList<>();
        try (RawClient holder = RawClient.connect(a.port())) {
            holder.send("GET /hold HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            Await.until("the worker is full", () -> holding.get() == 1);
            for (int i = 0; i < flood; i++) {
                clients.execute(() -> floodClient(a, go, outcomes, answered, hangUp));
            }
            go.countDown();
            try {
                // each client hears back within RawClient.TIMEOUT, or records the hang
                assertTrue(answered.await(60, SECONDS), "every client heard back: " + outcomes);
                for (String outcome : outcomes) {
                    assertTrue(outcome.equals("503") || outcome.equals("closed"), outcomes.toString());
                }
            } finally {
                hangUp.countDown();
            }
            release.countDown();
            RawResponse held = holder.read();
            assertEquals(200, held.status(), "the request that held the worker finished");
        }
        Await.until("the worker serves again once it has room", () -> getHelloOrZero(a) == 200);
    }

    /**
     * One client of a flood: connects when {@code go} opens, records its {@link #outcome}, and stays
     * connected until {@code hangUp}, so that refusals in progress pile up to their cap.
     */
    private static void floodClient(
            Arbiter a, CountDownLatch go, List<String> outcomes, CountDownLatch answered, CountDownLatch hangUp) {
        boolean recorded = false;
        try {
            go.await();
            try (RawClient c = RawClient.connect(a.port())) {
                outcomes.add(outcome(c));
                recorded = true;
                answered.countDown();
                hangUp.await(30, SECONDS);
            }
        } catch (IOException | InterruptedException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            if (!recorded) {
                outcomes.add("failed: " + e);
                answered.countDown();
            }
        }
    }

    /** Sends GET /hello to a full worker: {@code 503}, {@code closed}, or what went wrong instead. */
    private static String outcome(RawClient c) {
        RawResponse r;
        try {
            r = c.get("/hello").read();
        } catch (SocketTimeoutException e) {
            return "hang: nothing within " + RawClient.TIMEOUT;
        } catch (IOException e) {
            return "closed"; // end of stream or a reset, before any response
        }
        if (r.status() == 503 && r.header("Retry-After") != null) {
            return "503";
        }
        return "unexpected " + r.statusLine() + " Retry-After: " + r.header("Retry-After") + " " + r.text();
    }

    // ---- keepalive and header_timeout: which bounds which wait ---------------------------------

    @Test
    void closesAnIdleConnectionAfterKeepaliveAndAStalledHeadAfterHeaderTimeout() throws Exception {
        Arbiter a =
                start(b -> b.keepalive(Duration.ofSeconds(1)).headerTimeout(Duration.ofSeconds(5)), app, Hooks.NONE);
        Future<Duration> idle = clients.submit(() -> idleUntilClosed(a));
        Future<Duration> stalled = clients.submit(() -> stalledUntil408(a));
        Duration idleFor = idle.get(60, SECONDS);
        Duration stalledFor = stalled.get(60, SECONDS);
        assertTrue(idleFor.compareTo(Duration.ofMillis(800)) >= 0, "not before keepalive (1 s): " + idleFor);
        assertTrue(idleFor.compareTo(Duration.ofSeconds(4)) < 0, "well before header_timeout (5 s): " + idleFor);
        assertTrue(stalledFor.compareTo(Duration.ofSeconds(4)) >= 0, "not before header_timeout (5 s): " + stalledFor);
        assertTrue(stalledFor.compareTo(Duration.ofSeconds(20)) < 0, stalledFor.toString());
    }

    @Test
    void closesAStalledHeadAfterHeaderTimeoutAndAnIdleConnectionAfterKeepalive() throws Exception {
        Arbiter a =
                start(b -> b.keepalive(Duration.ofSeconds(5)).headerTimeout(Duration.ofSeconds(1)), app, Hooks.NONE);
        Future<Duration> idle = clients.submit(() -> idleUntilClosed(a));
        Future<Duration> stalled = clients.submit(() -> stalledUntil408(a));
        Duration idleFor = idle.get(60, SECONDS);
        Duration stalledFor = stalled.get(60, SECONDS);
        assertTrue(stalledFor.compareTo(Duration.ofMillis(800)) >= 0, "not before header_timeout (1 s): " + stalledFor);
        assertTrue(stalledFor.compareTo(Duration.ofSeconds(4)) < 0, "well before keepalive (5 s): " + stalledFor);
        assertTrue(idleFor.compareTo(Duration.ofSeconds(4)) >= 0, "not before keepalive (5 s): " + idleFor);
        assertTrue(idleFor.compareTo(Duration.ofSeconds(20)) < 0, idleFor.toString());
    }

    /** Gets one response, then measures how long the idle keep-alive connection stays open. */
    private static Duration idleUntilClosed(Arbiter a) throws IOException {
        try (RawClient c = RawClient.connect(a.port())) {
            RawResponse r = c.get("/hello").read();
            assertEquals(200, r.status());
            assertFalse(r.closes());
            long idleSince = System.nanoTime();
            assertTrue(c.closedByServer(), "the idle connection was closed within " + RawClient.TIMEOUT);
            return Duration.ofNanos(System.nanoTime() - idleSince);
        }
    }

    /** Sends part of a head on a new connection, then measures how long until the 408. */
    private static Duration stalledUntil408(Arbiter a) throws IOException {
        try (RawClient c = RawClient.connect(a.port())) {
            c.send("GET /hello HTTP/1.1\r\nHost: x\r\nX-Slow: ");
            long stalledSince = System.nanoTime();
            RawResponse r = c.read();
            Duration stalledFor = Duration.ofNanos(System.nanoTime() - stalledSince);
            assertEquals(408, r.status());
            assertTrue(c.closedByServer());
            return stalledFor;
        }
    }

    // ---- fixtures --------------------------------------------------------------------------

    private Response route(Request request) throws Exception {
        switch (request.path()) {
            case "/hold": {
                holding.incrementAndGet();
                release.await();
                int bytes = Integer.parseInt(request.queryParam("bytes").orElse("0"));
                if (bytes == 0) {
                    return Response.ok("held");
                }
                byte[] body = new byte[bytes];
                Arrays.fill(body, (byte) 'x');
                return Response.ok(body);
            }
            case "/stuck": {
                stuck.incrementAndGet();
                long deadline = System.nanoTime() + STUCK_AT_MOST.toNanos();
                while (release.getCount() > 0 && System.nanoTime() - deadline < 0) {
                    try {
                        release.await(10, MILLISECONDS);
                    } catch (InterruptedException e) {
                        // a handler that ignores interrupts, on purpose: what a grace cannot stop
                    }
                }
                return Response.ok("unstuck");
            }
            default:
                return shared.handle(request);
        }
    }

    /**
     * The async application: stages that complete later on {@code appThreads}, fail later or at
     * once, a handler that throws, and handlers that give null instead of a stage or a response.
     */
    private AsyncHandler asyncApp() {
        var later = CompletableFuture.delayedExecutor(200, MILLISECONDS, appThreads);
        return request -> switch (request.path()) {
            case "/later" -> CompletableFuture.supplyAsync(() -> Response.ok("later"), later);
            case "/fail-later" ->
                CompletableFuture.<Response>supplyAsync(
                        () -> {
                            throw new IllegalStateException("the stage failed on purpose");
                        },
                        later);
            case "/fail-now" ->
                CompletableFuture.failedFuture(new IllegalStateException("the stage failed on purpose"));
            case "/throw" -> throw new IllegalStateException("the async handler failed on purpose");
            case "/null-stage" -> null;
            case "/null-response" -> CompletableFuture.completedFuture(null);
            default -> CompletableFuture.completedFuture(Response.ok("Hello, World!"));
        };
    }

    private Arbiter start(UnaryOperator<Config.Builder> tweak, Handler handler, Hooks hooks) throws IOException {
        return keep(Arbiter.builder().handler(handler), tweak, hooks);
    }

    private Arbiter startAsync(UnaryOperator<Config.Builder> tweak, AsyncHandler handler, Hooks hooks)
            throws IOException {
        return keep(Arbiter.builder().asyncHandler(handler), tweak, hooks);
    }

    private Arbiter keep(Arbiter.Builder builder, UnaryOperator<Config.Builder> tweak, Hooks hooks) throws IOException {
        Arbiter a = builder.config(tweak.apply(settings()).build()).hooks(hooks).start();
        started.add(a);
        return a;
    }

    /** What {@link RecordingHooks#postRequest} was told, with the threads both request hooks ran on. */
    private record Finished(String path, int status, Duration elapsed, String preThread, String thread) {}

    /** Records the request hooks in the order they ran; thread-safe. */
    private static final class RecordingHooks implements Hooks {
        final List<String> events = new CopyOnWriteArrayList<>();
        final List<Finished> finished = new CopyOnWriteArrayList<>();
        private final Map<Request, String> preThreads = new ConcurrentHashMap<>();

        @Override
        public void preRequest(Request request) {
            preThreads.put(request, Thread.currentThread().getName());
            events.add("pre " + request.path());
        }

        @Override
        public void postRequest(Request request, int status, Duration elapsed) {
            events.add("post " + request.path() + " " + status);
            finished.add(new Finished(
                    request.path(),
                    status,
                    elapsed,
                    preThreads.getOrDefault(request, "(no preRequest)"),
                    Thread.currentThread().getName()));
        }
    }

    /** As {@link #getHello}, with 0 for a connection that closed without an answer. */
    private static int getHelloOrZero(Arbiter a) {
        try {
            return getHello(a);
        } catch (IOException e) {
            return 0;
        }
    }
}
