package io.corral.testing;

import static io.corral.testing.Probes.getHello;
import static io.corral.testing.Probes.helloText;
import static io.corral.testing.Probes.refusesConnections;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.Arbiter;
import io.corral.Config;
import io.corral.Hooks;
import io.corral.OverloadPolicy;
import io.corral.WorkerState;
import io.corral.http.Handler;
import io.corral.http.Response;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The end-to-end suite every worker model replays over real sockets (Netty's socket-test
 * permutation, for workers): each worker module has a subclass that names its model. Each test
 * starts its own Arbiter on 127.0.0.1, port 0.
 */
public abstract class HttpSuite {

    /** Returns the {@code worker_class} under test. */
    protected abstract String workerClass();

    /** How many connections the overload tests fill a worker with. */
    private static final int OVERLOAD_CAPACITY = 2;

    private final List<Arbiter> started = new CopyOnWriteArrayList<>();
    private final ExecutorService clients = Executors.newCachedThreadPool();
    protected final TestApp app = new TestApp();

    /**
     * The settings the end-to-end suites start from: loopback, port 0, one worker, a few threads for
     * sync, generous timeouts.
     */
    public static Config.Builder loopbackSettings(String workerClass) {
        return Config.builder()
                .bind("127.0.0.1:0")
                .workerClass(workerClass)
                .workers(1)
                .threads(4)
                .workerConnections(100)
                .keepalive(Duration.ofSeconds(5))
                .timeout(Duration.ofSeconds(30))
                .headerTimeout(Duration.ofSeconds(10));
    }

    /** The suite's settings: {@link #loopbackSettings}, with a 1 MB body limit. */
    protected Config.Builder settings() {
        return loopbackSettings(workerClass()).limitRequestBody(1_000_000);
    }

    protected Arbiter start(UnaryOperator<Config.Builder> tweak) throws IOException {
        return start(tweak, app, Hooks.NONE);
    }

    protected Arbiter start(UnaryOperator<Config.Builder> tweak, Handler handler, Hooks hooks) throws IOException {
        Arbiter a = application(Arbiter.builder(), handler)
                .config(tweak.apply(settings()).build())
                .hooks(hooks)
                .start();
        started.add(a);
        return a;
    }

    protected Arbiter start() throws IOException {
        return start(b -> b);
    }

    /**
     * Sets the application the suite serves; by default {@code handler} itself. A subclass may
     * serve it another way, such as wrapped in an {@link io.corral.http.AsyncHandler}.
     */
    protected Arbiter.Builder application(Arbiter.Builder builder, Handler handler) {
        return builder.handler(handler);
    }

    /**
     * True if a request aborted past {@code timeout} is reported with the stack of a thread stuck in
     * the handler; false when the suite's handler runs as a stage that has no thread of its own.
     */
    protected boolean reportsTheStuckThread() {
        return true;
    }

    @AfterEach
    void stopEverything() {
        app.release();
        app.unblock();
        for (Arbiter a : started) {
            a.shutdown(Duration.ofSeconds(5));
        }
        clients.shutdownNow();
    }

    // ---- the basics ------------------------------------------------------------------------

    @Test
    void servesHelloToTheJdkHttpClient() throws Exception {
        Arbiter a = start();
        HttpClient client = HttpClient.newHttpClient();
        HttpResponse<String> r = client.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + a.port() + "/hello"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        assertEquals("Hello, World!", r.body());
        assertEquals("corral", r.headers().firstValue("Server").orElseThrow());
        assertTrue(r.headers().firstValue("Date").isPresent());
    }

    @Test
    void keepsTheConnectionAliveAcrossRequests() throws Exception {
        Arbiter a = start();
        try (RawClient c = RawClient.connect(a.port())) {
            for (int i = 0; i < 5; i++) {
                RawResponse r = c.get("/hello").read();
                assertEquals(200, r.status());
                assertEquals("Hello, World!", r.text());
                assertFalse(r.closes(), "response " + i + " closed the connection");
            }
        }
        // counted just after the response is written, so possibly after the client has read it
        Await.until("five requests are counted", () -> a.stats().requestsServed() == 5);
    }

    @Test
    void keepsHttp10AliveOnlyWhenAsked() throws Exception {
        Arbiter a = start();
        try (RawClient c = RawClient.connect(a.port())) {
            RawResponse r = c.send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
                    .read();
            assertEquals(200, r.status());
            assertEquals("keep-alive", r.header("Connection"));
            r = c.send("GET /hello HTTP/1.0\r\n\r\n").read();
            assertEquals(200, r.status());
            assertTrue(r.closes());
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void closesWhenTheClientAsks() throws Exception {
        Arbiter a = start();
        try (RawClient c = RawClient.connect(a.port())) {
            RawResponse r = c.send("GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    .read();
            assertEquals(200, r.status());
            assertTrue(r.closes());
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void answersPipelinedRequestsInOrder() throws Exception {
        Arbiter a = start();
        try (RawClient c = RawClient.connect(a.port())) {
            c.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nabcde"
                    + "GET /sleep?ms=1 HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals("Hello, World!", c.read().text());
            assertEquals("abcde", c.read().text());
            assertEquals("slept", c.read().text());
        }
    }

    @Test
    void decodesAChunkedRequestBody() throws Exception {
        Arbiter a = start();
        try (RawClient c = RawClient.connect(a.port())) {
            RawResponse r = c.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                            + "5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nX-Trailer: t\r\n\r\n")
                    .read();
            assertEquals(200, r.status());
            assertEquals("hello, world", r.text());
            assertEquals("12", r.header("Content-Length"));
            assertEquals(200, c.get("/hello").read().status(), "the connection stays usable");
        }
    }

    @Test
    void streamsAResponseChunked() throws Exception {
        Arbiter a = start();
        try (RawClient c = RawClient.connect(a.port())) {
            RawResponse r = c.get("/stream?chunks=4&size=3").read();
            assertEquals(200, r.status());
            assertEquals("chunked", r.header("Transfer-Encoding"));
            assertNull(r.header("Content-Length"));
            assertEquals("aaabbbcccddd", r.text());
            assertEquals(200, c.get("/hello").read().status());
        }
    }

    @Test
    void streamsABodyOfItsDeclaredLength() throws Exception {
        Arbiter a = start();
        try (RawClient c = RawClient.connect(a.port())) {
            RawResponse r = c.get("/stream?chunks=2&size=5&length=10").read();
            assertEquals(200, r.status());
            assertEquals("10", r.header("Content-Length"));
            assertNull(r.header("Transfer-Encoding"));
            assertEquals("aaaaabbbbb", r.text());
            assertEquals(200, c.get("/hello").read().status(), "the connection stays usable");
        }
    }

    @Test
    void closesWhenAStreamedBodyFallsShortOfItsDeclaredLength() throws Exception {
        Arbiter a = start();
        try (RawClient c = RawClient.connect(a.port())) {
            c.get("/stream?chunks=1&size=5&length=10");
            // the head and five bytes went out; the client must see the close, not wait for five more
            assertEquals("HTTP/1.1 200 OK", c.line());
            String line;
            while (!(line = c.line()).isEmpty()) {
                assertFalse(line.regionMatches(true, 0, "Transfer-Encoding", 0, 17), line);
            }
            assertEquals("aaaaa", new String(c.readBytes(5), StandardCharsets.US_ASCII));
            assertTrue(c.closedByServer());
        }
        assertEquals(200, getHello(a), "the worker keeps serving");
    }

    @Test
    void closesWhenAStreamedBodyOutgrowsItsDeclaredLength() throws Exception {
        Arbiter a = start();
        try (RawClient c = RawClient.connect(a.port())) {
            RawResponse r = c.get("/stream?chunks=3&size=5&length=10").read();
            assertEquals("aaaaabbbbb", r.text(), "the declared ten bytes, not one more");
            assertTrue(c.closedByServer(), "the handler failed: the connection is not reused");
        }
        assertEquals(200, getHello(a), "the worker keeps serving");
    }

    @Test
    void streamsToHttp10ByClosingTheConnection() throws Exception {
        Arbiter a = start();
        try (RawClient c = RawClient.connect(a.port())) {
            RawResponse r = c.send("GET /stream?chunks=2&size=2 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
                    .read();
            assertNull(r.header("Transfer-Encoding"));
            assertTrue(r.closes());
            assertEquals("aabb", r.text());
        }
    }

    @Test
    void sendsLargeBodiesWhole() throws Exception {
        Arbiter a = start();
        try (RawClient c = RawClient.connect(a.port())) {
            RawResponse r = c.get("/big?bytes=3000000").read();
            assertEquals(3_000_000, r.body().length);
            assertEquals(200, c.get("/hello").read().status());
        }
    }

    @Test
    void answersHeadWithHeadersButNoBody() throws Exception {
        Arbiter a = start();
        try (RawClient c = RawClient.connect(a.port())) {
            RawResponse r = c.send("HEAD /hello HTTP/1.1\r\nHost: x\r\n\r\n").read(true);
            assertEquals(200, r.status());
            assertEquals("13", r.header("Content-Length"));
            // no body bytes were sent: the next response starts right away
            RawResponse next = c.get("/hello").read();
            assertEquals("Hello, World!", next.text());
        }
    }

    @Test
    void sendsContinueBeforeReadingAHeldBackBody() throws Exception {
        Arbiter a = start();
        try (RawClient c = RawClient.connect(a.port())) {
            c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
            RawResponse interim = c.read();
            assertEquals(100, interim.status());
            RawResponse r = c.send("ping").read();
            assertEquals(200, r.status());
            assertEquals("ping", r.text());
        }
    }

    @Test
    void skipsContinueAndClosesWhenTheHandlerIgnoresTheBody() throws Exception {
        Arbiter a = start();
        try (RawClient c = RawClient.connect(a.port())) {
            c.send("POST /ignore-body HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
            RawResponse r = c.read();
            assertEquals(200, r.status(), "a final response, no 100 Continue");
            assertTrue(r.closes(), "the unread body makes the connection unusable");
        }
    }

    @Test
    void drainsAnUnreadBodyAndKeepsTheConnection() throws Exception {
        Arbiter a = start();
        try (RawClient c = RawClient.connect(a.port())) {
            RawResponse r = c.send("POST /ignore-body HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789")
                    .read();
            assertEquals(200, r.status());
            assertFalse(r.closes());
            assertEquals("Hello, World!", c.get("/hello").read().text());
        }
    }

    @Test
    void decodesPathAndQuery() throws Exception {
        Handler echoQuery = req -> Response.ok(req.path() + "|" + req.queryParams());
        Arbiter a = start(b -> b, echoQuery, Hooks.NONE);
        try (RawClient c = RawClient.connect(a.port())) {
            assertEquals(
                    "/a b|{x=[1, 2], y=[z w]}",
                    c.get("/a%20b?x=1&x=2&y=z+w").read().text());
            RawResponse abs = c.send("GET http://example.com/p?q=1 HTTP/1.1\r\nHost: example.com\r\n\r\n")
                    .read();
            assertEquals("/p|{q=[1]}", abs.text());
        }
    }

    // ---- errors: the right status, a close, and everyone else still served ---------------

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "garbage line|400",
                "GET / HTTP/2.0\\r\\nHost: x|505",
                "GET /LONG HTTP/1.1\\r\\nHost: x|414",
                "GET / HTTP/1.1\\r\\nHost: x\\r\\nBIG: HEADER|431",
                "GET / HTTP/1.1\\r\\nHost: x\\r\\nMANY|431",
                "GET / HTTP/1.1\\r\\nHost: x\\r\\nHUGE|431",
                "POST /echo HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 3\\r\\nTransfer-Encoding: chunked|400",
                "POST /echo HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: gzip|501",
                "POST /echo HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 99999999|413",
                "GET / HTTP/1.1|400",
                "GET / HTTP/1.1\\r\\nHost : x|400",
            })
    void answersABadRequestThenClosesWhileOthersAreServed(String head, int status) throws Exception {
        Arbiter a =
                start(b -> b.limitRequestFields(20).limitRequestFieldSize(200).limitRequestHead(2000));
        String request = head.replace("\\r\\n", "\r\n")
                .replace("/LONG", "/" + "a".repeat(5000))
                .replace("BIG: HEADER", "Big: " + "b".repeat(300))
                .replace("MANY", "X-A: 1\r\n".repeat(30).trim())
                // each line within limit_request_field_size and their count within the limit, but
                // together past limit_request_head
                .replace("HUGE", ("X-H: " + "h".repeat(145) + "\r\n").repeat(18).trim());
        try (RawClient bad = RawClient.connect(a.port());
                RawClient good = RawClient.connect(a.port())) {
            RawResponse r = bad.send(request + "\r\n\r\n").read();
            assertEquals(status, r.status(), r.statusLine());
            assertTrue(r.closes());
            assertTrue(bad.closedByServer(), "the connection closes after an error");
            assertEquals("Hello, World!", good.get("/hello").read().text());
        }
    }

    @Test
    void refusesABodyLargerThanTheLimitWhileItIsRead() throws Exception {
        Arbiter a = start(b -> b.limitRequestBody(10));
        try (RawClient c = RawClient.connect(a.port())) {
            RawResponse r = c.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                            + "8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n")
                    .read();
            assertEquals(413, r.status());
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void answersAThrowingHandlerWith500AndKeepsServing() throws Exception {
        Arbiter a = start();
        try (RawClient c = RawClient.connect(a.port())) {
            assertEquals(500, c.get("/throw").read().status());
        }
        try (RawClient c = RawClient.connect(a.port())) {
            RawResponse r = c.get("/null").read();
            assertEquals(500, r.status(), "a handler that returned null");
            assertEquals("Internal Server Error\n", r.text());
        }
        try (RawClient c = RawClient.connect(a.port())) {
            assertEquals(200, c.get("/hello").read().status());
        }
    }

    // ---- timeouts ---------------------------------------------------------------------------

    @Test
    void abortsARequestSilentPastTimeoutWith504AndKeepsServing() throws Exception {
        List<Hooks.AbortedRequest> aborted = new CopyOnWriteArrayList<>();
        List<String> finished = new CopyOnWriteArrayList<>();
        Hooks hooks = new Hooks() {
            @Override
            public void requestAborted(Hooks.AbortedRequest r) {
                aborted.add(r);
            }

            @Override
            public void postRequest(io.corral.http.Request request, int status, Duration elapsed) {
                finished.add(request.path() + " " + status + (elapsed.toMillis() >= 500 ? " late" : " early"));
            }
        };
        Arbiter a = start(b -> b.timeout(Duration.ofMillis(500)).threads(1), app, hooks);
        try (RawClient c = RawClient.connect(a.port())) {
            RawResponse r = c.get("/sleep?ms=600000").read();
            assertEquals(504, r.status());
            assertTrue(c.closedByServer());
        }
        Await.until("the hook heard of the abort", () -> !aborted.isEmpty());
        Hooks.AbortedRequest abort = aborted.get(0);
        assertEquals("GET /sleep?ms=600000 HTTP/1.1", abort.requestLine());
        assertEquals(504, abort.status());
        if (reportsTheStuckThread()) {
            assertTrue(abort.stackText().contains("sleep"), abort.stackText());
        }
        assertEquals(1, a.stats().requestsAborted());
        Await.until("the aborted exchange is finished, once", () -> finished.contains("/sleep 504 late"));
        try (RawClient c = RawClient.connect(a.port())) {
            assertEquals(200, c.get("/hello").read().status(), "the worker still serves");
        }
        Await.until("the next request is finished", () -> finished.size() == 2);
        assertEquals(List.of("/sleep 504 late", "/hello 200 early"), finished);
    }

    @Test
    void keepsCapacityWhenAStuckHandlerIgnoresInterrupts() throws Exception {
        Arbiter a = start(b -> b.timeout(Duration.ofMillis(500)).threads(1));
        try (RawClient c = RawClient.connect(a.port())) {
            assertEquals(504, c.get("/stuck").read().status());
        }
        for (int i = 0; i < 3; i++) {
            try (RawClient c = RawClient.connect(a.port())) {
                assertEquals(200, c.get("/hello").read().status(), "request " + i + " after the stuck one");
            }
        }
    }

    @Test
    void closesAClientThatConnectsAndSendsNothing() throws Exception {
        Arbiter a = start(b -> b.headerTimeout(Duration.ofMillis(300)));
        try (RawClient silent = RawClient.connect(a.port())) {
            try (RawClient c = RawClient.connect(a.port())) {
                assertEquals(200, c.get("/hello").read().status());
            }
            assertTrue(silent.closedByServer(), "a silent client is closed after header_timeout");
        }
        try (RawClient c = RawClient.connect(a.port())) {
            assertEquals(200, c.get("/hello").read().status());
        }
    }

    @Test
    void answers408ToAHeadThatStalls() throws Exception {
        Arbiter a = start(b -> b.headerTimeout(Duration.ofMillis(300)));
        try (RawClient slow = RawClient.connect(a.port())) {
            slow.send("GET /hello HTTP/1.1\r\nHost: x\r\nX-Slow: ");
            RawResponse r = slow.read();
            assertEquals(408, r.status());
            assertTrue(slow.closedByServer());
        }
    }

    @Test
    void closesAnIdleKeepAliveConnectionAfterKeepalive() throws Exception {
        Arbiter a = start(b -> b.keepalive(Duration.ofMillis(300)));
        try (RawClient c = RawClient.connect(a.port())) {
            assertEquals(200, c.get("/hello").read().status());
            assertTrue(c.closedByServer(), "closed after keepalive of idleness");
        }
        Await.until("the connection is counted closed", () -> a.stats().openConnections() == 0);
    }

    @Test
    void turnsKeepAliveOffWithKeepaliveZero() throws Exception {
        Arbiter a = start(b -> b.keepalive(Config.OFF));
        try (RawClient c = RawClient.connect(a.port())) {
            RawResponse r = c.get("/hello").read();
            assertTrue(r.closes());
            assertTrue(c.closedByServer());
        }
    }

    // ---- the Arbiter ---------------------------------------------------------------------

    @Test
    void resizesUpAndDownWhileServing() throws Exception {
        Arbiter a = start(b -> b.workers(1));
        a.resize(3);
        assertEquals(3, a.stats().runningWorkers());
        assertEquals(200, getHello(a));
        a.resize(1);
        Await.until("retired workers stop", () -> a.stats().workers().size() == 1);
        assertEquals(WorkerState.RUNNING, a.stats().workers().get(0).state());
        assertEquals(200, getHello(a));
    }

    @Test
    void finishesRequestsInFlightOnGracefulShutdown() throws Exception {
        Arbiter a = start(b -> b.threads(8).workers(2));
        List<Future<RawResponse>> inFlight = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            inFlight.add(clients.submit(() -> {
                try (RawClient c = RawClient.connect(a.port())) {
                    return c.get("/block").read();
                }
            }));
        }
        Await.until("all six requests are in the handler", () -> app.blocked.get() == 6);
        Future<Boolean> shutdown = clients.submit(() -> a.shutdown(Duration.ofSeconds(20)));
        Await.until("the Arbiter stops accepting", () -> refusesConnections(a));
        app.unblock();
        for (Future<RawResponse> f : inFlight) {
            RawResponse r = f.get();
            assertEquals(200, r.status());
            assertEquals("unblocked", r.text());
        }
        assertTrue(shutdown.get(), "everything finished within the grace");
    }

    @Test
    void reloadsToANewHandlerWithoutCuttingRequestsInFlight() throws Exception {
        Arbiter a = start(b -> b.workers(2));
        List<Integer> oldIds = a.stats().workers().stream().map(w -> w.id()).toList();
        Future<RawResponse> inFlight = clients.submit(() -> {
            try (RawClient c = RawClient.connect(a.port())) {
                return c.get("/block").read();
            }
        });
        Await.until("the request is in the old handler", () -> app.blocked.get() == 1);
        try (RawClient idle = RawClient.connect(a.port())) {
            assertEquals("Hello, World!", idle.get("/hello").read().text());
            a.reload(request -> Response.ok("reloaded"));
            // the old worker keeps its idle keep-alive connection (its client may be sending on it)
            // and answers its next request, on the old handler, with Connection: close
            RawResponse again = idle.get("/hello").read();
            assertEquals("Hello, World!", again.text());
            assertTrue(again.closes(), "a draining worker's answer closes the connection");
            assertTrue(idle.closedByServer());
        }
        // an old worker may still take a client that was already on its way in; it answers it as before
        Await.until("new clients reach the new handler", () -> "reloaded".equals(helloText(a)));
        app.unblock();
        RawResponse r = inFlight.get();
        assertEquals(200, r.status());
        assertEquals("unblocked", r.text(), "the request in flight finished on the old handler");
        Await.until("the old workers exit", () -> a.stats().workers().stream().noneMatch(w -> oldIds.contains(w.id())));
        assertEquals(2, a.stats().runningWorkers());
    }

    @Test
    void losesNoRequestAcrossReloadsUnderLoad() throws Exception {
        AtomicInteger handled = new AtomicInteger();
        Handler counting = request -> {
            handled.incrementAndGet();
            return app.handle(request);
        };
        Arbiter a = start(b -> b.workers(2).threads(8), counting, Hooks.NONE);
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest hello = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + a.port() + "/hello"))
                .timeout(Duration.ofSeconds(20))
                .build();
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger served = new AtomicInteger();
        List<String> failures = new CopyOnWriteArrayList<>();
        List<Future<?>> load = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            boolean keepAlive = i % 2 == 0; // half reuse connections (JDK client), half connect anew each time
            load.add(clients.submit(() -> {
                while (running.get()) {
                    try {
                        // never retried: a draining worker answers on its kept-alive connections
                        int status = keepAlive
                                ? http.send(hello, HttpResponse.BodyHandlers.discarding())
                                        .statusCode()
                                : getHello(a);
                        if (status == 200) {
                            served.incrementAndGet();
                        } else {
                            failures.add("status " + status);
                        }
                    } catch (IOException e) {
                        failures.add(e.toString());
                    }
                }
                return null;
            }));
        }
        for (int i = 0; i < 3; i++) {
            int before = served.get();
            Await.until("requests flow", () -> served.get() >= before + 100);
            a.reload();
        }
        int before = served.get();
        Await.until("requests flow after the last reload", () -> served.get() >= before + 100);
        running.set(false);
        for (Future<?> f : load) {
            f.get();
        }
        assertEquals(List.of(), failures, "every request across three reloads was answered");
        // a draining worker must not run a request whose connection it has closed: the client
        // would retry it, and the handler would have acted twice for one answer
        assertEquals(served.get(), handled.get(), "every request the handler ran was answered");
        Await.until("the old workers are gone", () -> a.stats().workers().size() == 2);
        assertEquals(6, a.stats().workerRestarts());
    }

    @Test
    void answersAClientThatConnectedBeforeShutdownButSendsAfter() throws Exception {
        Arbiter a = start();
        try (RawClient c = RawClient.connect(a.port())) {
            Await.until("the worker has taken the client", () -> a.stats().openConnections() == 1);
            Future<Boolean> shutdown = clients.submit(() -> a.shutdown(Duration.ofSeconds(20)));
            Await.until("the Arbiter stops accepting", () -> refusesConnections(a));
            RawResponse r = c.get("/hello").read();
            assertEquals(200, r.status(), "a client that connected is owed its first response");
            assertTrue(r.closes());
            assertTrue(shutdown.get(), "the drain finished within the grace");
        }
    }

    @Test
    void answersAKeptAliveConnectionReusedDuringShutdown() throws Exception {
        Arbiter a = start(b -> b.keepalive(Duration.ofSeconds(3)));
        try (RawClient reused = RawClient.connect(a.port());
                RawClient idle = RawClient.connect(a.port())) {
            assertEquals(200, reused.get("/hello").read().status());
            assertEquals(200, idle.get("/hello").read().status());
            long start = System.nanoTime();
            Future<Boolean> shutdown = clients.submit(() -> a.shutdown(Duration.ofSeconds(20)));
            Await.until("the Arbiter stops accepting", () -> refusesConnections(a));
            // not closed under its client, which may be sending at this very moment
            RawResponse r = reused.get("/hello").read();
            assertEquals(200, r.status(), "a request on a kept-alive connection during the drain");
            assertTrue(r.closes(), "answered with Connection: close");
            assertTrue(reused.closedByServer());
            // one that stays idle closes when its keepalive runs out, and the drain is over then
            assertTrue(idle.closedByServer());
            assertTrue(shutdown.get(), "the drain finished within the grace");
            long tookMillis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(tookMillis >= 2_000, "idle connections were kept for their keepalive: " + tookMillis + " ms");
        }
    }

    @Test
    void answersClientsQueuedInTheBacklogOnShutdown() throws Exception {
        Arbiter a = start(b -> b.threads(1).workerConnections(1));
        RawClient holder = RawClient.connect(a.port());
        List<RawClient> queued = new ArrayList<>();
        try {
            holder.send("GET /block HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            Await.until("the worker is full", () -> app.blocked.get() == 1);
            for (int i = 0; i < 5; i++) {
                RawClient c = RawClient.connect(a.port()); // the kernel completes it; nobody accepts it
                queued.add(c);
                c.get("/hello");
            }
            assertTrue(queued.get(0).silentFor(Duration.ofMillis(200)), "the clients wait in the backlog");
            Future<Boolean> shutdown = clients.submit(() -> a.shutdown(Duration.ofSeconds(20)));
            Await.until("the Arbiter stops accepting", () -> refusesConnections(a));
            app.unblock();
            assertEquals(200, holder.read().status());
            for (RawClient c : queued) {
                RawResponse r = c.read();
                assertEquals(200, r.status(), "a client queued in the backlog when the server stopped");
                assertTrue(r.closes());
            }
            assertTrue(shutdown.get(), "the drain finished within the grace");
        } finally {
            app.unblock();
            holder.close();
            for (RawClient c : queued) {
                c.close();
            }
        }
    }

    @Test
    void retiresAfterMaxRequestsWithoutClosingAKeptAliveConnectionUnderItsClient() throws Exception {
        Arbiter a = start(b -> b.maxRequests(2).maxRequestsJitter(0).keepalive(Duration.ofSeconds(10)));
        int firstId = a.stats().workers().get(0).id();
        try (RawClient kept = RawClient.connect(a.port());
                RawClient last = RawClient.connect(a.port())) {
            RawResponse first = kept.get("/hello").read();
            assertEquals(200, first.status());
            assertFalse(first.closes());
            RawResponse second = last.get("/hello").read();
            assertEquals(200, second.status());
            assertTrue(second.closes(), "the last response before max_requests announces the close");
            Await.until(
                    "the Arbiter retires the first worker",
                    () -> a.stats().workers().stream()
                            .anyMatch(w -> w.id() == firstId && w.state() == WorkerState.STOPPING));
            RawResponse again = kept.get("/hello").read();
            assertEquals(200, again.status(), "a request on the retiring worker's kept-alive connection");
            assertTrue(again.closes());
            assertTrue(kept.closedByServer());
        }
        assertEquals(200, getHello(a), "the successor serves");
    }

    @Test
    void answersABodyCutShortWith400() throws Exception {
        Arbiter a = start();
        for (String target : List.of("/echo", "/echo-wrapped")) {
            try (RawClient c = RawClient.connect(a.port())) {
                c.send("POST " + target + " HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789");
                c.shutdownOutput();
                RawResponse r = c.read();
                assertEquals(400, r.status(), "a body the client cut short, read by " + target);
                assertTrue(r.closes());
                assertTrue(c.closedByServer());
            }
        }
        assertEquals(200, getHello(a), "the worker still serves");
    }

    @Test
    void runsHooksOutsideTheArbitersLock() throws Exception {
        java.util.concurrent.CountDownLatch hookEntered = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch hookRelease = new java.util.concurrent.CountDownLatch(1);
        Hooks hooks = new Hooks() {
            @Override
            public void requestAborted(Hooks.AbortedRequest r) {
                hookEntered.countDown();
                try {
                    hookRelease.await(); // a slow hook: the Arbiter must not hold its lock meanwhile
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        Arbiter a = start(b -> b.timeout(Duration.ofMillis(500)).threads(2), app, hooks);
        try (RawClient c = RawClient.connect(a.port())) {
            assertEquals(504, c.get("/sleep?ms=600000").read().status());
            assertTrue(hookEntered.await(30, java.util.concurrent.TimeUnit.SECONDS));
            // needs the lifecycle lock: hangs if the hook runs under it (on the monitor, for sync and
            // virtual; async runs it on the worker's loop, which it blocks, as any blocking code there)
            a.resize(2);
            assertEquals(2, a.stats().runningWorkers());
            hookRelease.countDown();
            assertTrue(a.shutdown(Duration.ofSeconds(10)));
        } finally {
            hookRelease.countDown();
        }
    }

    @Test
    void abortsOnTimeWhileAClientThatStopsReadingHoldsItsResponses() throws Exception {
        Arbiter a = start(b -> b.timeout(Duration.ofSeconds(1)).threads(4));
        try (RawClient stalled = RawClient.connect(a.port());
                RawClient stuck = RawClient.connect(a.port())) {
            // pipelined responses far larger than the socket buffers, never read, then a slow request
            StringBuilder pipeline = new StringBuilder();
            for (int i = 0; i < 64; i++) {
                pipeline.append("GET /big?bytes=1000000 HTTP/1.1\r\nHost: x\r\n\r\n");
            }
            pipeline.append("GET /sleep?ms=600000 HTTP/1.1\r\nHost: x\r\n\r\n");
            stalled.send(pipeline.toString());
            long start = System.nanoTime();
            RawResponse r = stuck.get("/sleep?ms=600000").read();
            long tookMillis = (System.nanoTime() - start) / 1_000_000;
            assertEquals(504, r.status());
            assertTrue(tookMillis < 1_000 + 2_000 + 1_000, "504 within timeout + 2 s (+1 s tick): " + tookMillis);
            long stopStart = System.nanoTime();
            a.shutdown(Duration.ofSeconds(3)); // true or false: what matters is that it returns in time
            long stopMillis = (System.nanoTime() - stopStart) / 1_000_000;
            assertTrue(stopMillis < 3_000 + 3_000, "shutdown kept to its grace: " + stopMillis + " ms");
        }
    }

    @Test
    void replacesAWorkerWhoseAbandonedThreadsPassTheCap() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                reportsTheStuckThread(), "a handler run as a stage leaves no thread to abandon");
        int stuckRequests = io.corral.spi.WorkerContext.MAX_ABANDONED_THREADS + 1;
        List<String> exits = new CopyOnWriteArrayList<>();
        Hooks hooks = new Hooks() {
            @Override
            public void workerExited(int workerId, String reason) {
                exits.add(reason);
            }
        };
        Arbiter a = start(
                // 1 s, not less: the same timeout judges the event loop's heartbeat, and a loaded
                // two-core machine can stall a loop for half a second
                b -> b.timeout(Duration.ofSeconds(1)).threads(stuckRequests + 2).offloadThreads(stuckRequests + 2),
                app,
                hooks);
        int firstId = a.stats().workers().get(0).id();
        List<RawClient> stuck = new ArrayList<>();
        try {
            for (int i = 0; i < stuckRequests; i++) {
                RawClient c = RawClient.connect(a.port());
                stuck.add(c);
                c.get("/stuck"); // ignores its interrupt
            }
            for (RawClient c : stuck) {
                assertEquals(504, c.read().status());
            }
            Await.until(
                    "the worker with too many abandoned threads is replaced",
                    () -> a.stats().workers().stream()
                            .anyMatch(w -> w.id() != firstId && w.state() == WorkerState.RUNNING));
            app.release(); // the stuck threads end: the old worker can finish
            Await.until("the old worker exits", () -> exits.contains("abandoned threads"));
            assertEquals(200, getHello(a));
        } finally {
            app.release();
            for (RawClient c : stuck) {
                c.close();
            }
        }
    }

    @Test
    void recyclesAWorkerAfterMaxRequests() throws Exception {
        Arbiter a = start(b -> b.maxRequests(3));
        int firstId = a.stats().workers().get(0).id();
        for (int i = 0; i < 3; i++) {
            assertEquals(200, getHello(a));
        }
        Await.until(
                "a successor replaced the worker",
                () -> a.stats().workers().stream()
                        .anyMatch(w -> w.id() != firstId && w.state() == WorkerState.RUNNING));
        assertEquals(200, getHello(a));
        assertTrue(a.stats().workerRestarts() >= 1);
    }

    @Test
    void rejectsOverCapacityWith503WhenPolicyIsReject() throws Exception {
        int capacity = OVERLOAD_CAPACITY;
        Arbiter a = start(b -> b.overloadPolicy(OverloadPolicy.REJECT)
                .workerConnections(capacity)
                .threads(capacity));
        List<RawClient> holders = new ArrayList<>();
        try {
            for (int i = 0; i < capacity; i++) {
                RawClient c = RawClient.connect(a.port());
                holders.add(c);
                c.get("/block");
            }
            Await.until("the worker is full", () -> app.blocked.get() == capacity);
            try (RawClient extra = RawClient.connect(a.port())) {
                RawResponse r = extra.get("/hello").read();
                assertEquals(503, r.status());
                assertNotNull(r.header("Retry-After"));
                assertTrue(extra.closedByServer());
            }
        } finally {
            app.unblock();
            for (RawClient c : holders) {
                assertEquals(200, c.read().status());
                c.close();
            }
        }
    }

    /**
     * Fills the worker with {@code capacity} requests to {@code /block}, adding their clients to
     * {@code holders}; each asks to close after its response, which frees its slot at once rather
     * than after keepalive.
     */
    private void fill(Arbiter a, int capacity, List<RawClient> holders) throws IOException {
        for (int i = 0; i < capacity; i++) {
            RawClient c = RawClient.connect(a.port());
            holders.add(c);
            c.send("GET /block HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        }
        Await.until("the worker is full", () -> app.blocked.get() == capacity);
    }

    @Test
    void answersEveryClientBeyondCapacityWith503AndNeverAReset() throws Exception {
        int capacity = OVERLOAD_CAPACITY;
        int extra = 150;
        Arbiter a = start(b -> b.overloadPolicy(OverloadPolicy.REJECT)
                .workerConnections(capacity)
                .threads(capacity));
        List<RawClient> holders = new ArrayList<>();
        List<RawClient> refused = new ArrayList<>();
        try {
            fill(a, capacity, holders);
            for (int i = 0; i < extra; i++) {
                RawClient c = RawClient.connect(a.port());
                refused.add(c);
                c.get("/hello"); // all at once: each has sent its request before any is answered
            }
            int answered = 0;
            for (RawClient c : refused) {
                RawResponse r = c.read(); // a reset would throw here
                assertEquals(503, r.status(), "client " + answered);
                assertNotNull(r.header("Retry-After"));
                assertTrue(c.closedByServer());
                answered++;
            }
            assertEquals(extra, answered);
            app.unblock();
            for (RawClient c : holders) {
                assertEquals(200, c.read().status(), "the clients within capacity are served");
            }
        } finally {
            app.unblock();
            for (RawClient c : holders) {
                c.close();
            }
            for (RawClient c : refused) {
                c.close();
            }
        }
    }

    @Test
    void queuesOverCapacityInTheBacklogWhenPolicyIsBacklog() throws Exception {
        int capacity = OVERLOAD_CAPACITY;
        Arbiter a = start(b -> b.workerConnections(capacity).threads(capacity));
        List<RawClient> holders = new ArrayList<>();
        try {
            fill(a, capacity, holders);
            RawClient extra = RawClient.connect(a.port());
            holders.add(extra);
            extra.get("/hello");
            assertTrue(extra.silentFor(Duration.ofMillis(300)), "the extra client waits in the backlog");
            app.unblock();
            assertEquals(200, extra.read().status(), "then it is served");
        } finally {
            app.unblock();
            for (RawClient c : holders) {
                c.close();
            }
        }
    }
}
