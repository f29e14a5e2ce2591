package io.corral.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.Arbiter;
import io.corral.Config;
import io.corral.Hooks;
import io.corral.OverloadPolicy;
import io.corral.ProxyProtocol;
import io.corral.http.Handler;
import io.corral.http.Response;
import io.corral.metrics.Metrics;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Behind a load balancer, in a fleet: forwarded headers, the PROXY protocol, readiness and the
 * shutdown delay, metrics, reuse_port. Every worker module replays it with a subclass that names
 * its model; each test starts its own Arbiters on 127.0.0.1, port 0.
 */
public abstract class FleetSuite {

    /** Returns the {@code worker_class} under test. */
    protected abstract String workerClass();

    private static final int CAPACITY = 2;

    private final List<Arbiter> started = new CopyOnWriteArrayList<>();
    private final ExecutorService threads = Executors.newCachedThreadPool();
    protected final TestApp app = new TestApp();

    protected Arbiter start(UnaryOperator<Config.Builder> tweak) throws IOException {
        return start(tweak, app);
    }

    protected Arbiter start(UnaryOperator<Config.Builder> tweak, Handler handler) throws IOException {
        Arbiter a = Arbiter.builder()
                .config(tweak.apply(HttpSuite.loopbackSettings(workerClass())).build())
                .handler(handler)
                .hooks(Hooks.NONE)
                .start();
        started.add(a);
        return a;
    }

    @AfterEach
    void stopEverything() {
        app.release();
        app.unblock();
        for (Arbiter a : started) {
            a.shutdown(Duration.ofSeconds(5));
        }
        threads.shutdownNow();
    }

    private static String whoami(RawClient c, String extraHeaders) throws IOException {
        c.send("GET /whoami HTTP/1.1\r\nHost: test\r\n" + extraHeaders + "\r\n");
        RawResponse r = c.read();
        assertEquals(200, r.status(), r.text());
        return r.text();
    }

    private static Scrape scrape(Arbiter a) {
        return Scrape.parse(a.metrics().prometheusText());
    }

    // ---- forwarded headers ------------------------------------------------------------------

    @Test
    void honoursForwardedHeadersFromATrustedPeerOnly() throws Exception {
        String spoof = "X-Forwarded-For: 6.6.6.6, 198.51.100.7\r\nX-Forwarded-Proto: https\r\n"
                + "X-Forwarded-Host: shop.example\r\n";
        Arbiter trusting = start(b -> b); // forwarded_allow_ips: 127.0.0.1,::1
        try (RawClient c = RawClient.connect(trusting.port())) {
            String who = whoami(c, spoof);
            assertTrue(who.startsWith("client=198.51.100.7:0 peer=127.0.0.1:"), who);
            assertTrue(who.contains(" scheme=https host=shop.example secure=false proxy=-"), who);
        }
        Arbiter untrusting = start(b -> b.forwardedAllowIps("10.9.9.9"));
        try (RawClient c = RawClient.connect(untrusting.port())) {
            int port = c.socket().getLocalPort();
            String who = whoami(c, spoof);
            assertTrue(who.startsWith("client=127.0.0.1:" + port + " peer=127.0.0.1:" + port), who);
            assertTrue(who.contains(" scheme=http host=test "), who);
        }
    }

    @Test
    void answersContradictorySchemeHeadersWith400() throws Exception {
        Arbiter a = start(b -> b);
        try (RawClient c = RawClient.connect(a.port())) {
            c.send("GET /whoami HTTP/1.1\r\nHost: t\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Ssl: on\r\n\r\n");
            RawResponse r = c.read();
            assertEquals(400, r.status());
            assertTrue(r.text().contains("Contradictory scheme headers"), r.text());
            assertTrue(c.closedByServer());
        }
        assertEquals(1, scrape(a).value("corral_rejections_total{reason=\"bad_request\"}"));
    }

    // ---- the PROXY protocol -----------------------------------------------------------------

    @Test
    void derivesTheClientFromAProxyV1HeaderForTheWholeConnection() throws Exception {
        Arbiter a = start(b -> b.proxyProtocol(ProxyProtocol.V1));
        try (RawClient c = RawClient.connect(a.port())) {
            c.send("PROXY TCP4 192.0.2.1 127.0.0.1 56324 80\r\n");
            for (int i = 0; i < 3; i++) {
                String who = whoami(c, "");
                assertTrue(who.startsWith("client=192.0.2.1:56324 peer=127.0.0.1:"), "request " + i + ": " + who);
                assertTrue(who.contains("proxy=1"), who);
            }
        }
    }

    @Test
    void keepsProxyV2TlvsForTheHandler() throws Exception {
        Arbiter a = start(b -> b.proxyProtocol(ProxyProtocol.ANY));
        try (RawClient c = RawClient.connect(a.port())) {
            c.send(proxyV2(new int[] {192, 0, 2, 1}, 56324, "example.com")); // a port above 32767
            String who = whoami(c, "");
            assertTrue(who.startsWith("client=192.0.2.1:56324 peer=127.0.0.1:"), who);
            assertTrue(who.contains("proxy=2 authority=example.com"), who);
        }
    }

    @Test
    void closesAConnectionThatDoesNotBeginWithAValidHeader() throws Exception {
        Arbiter a = start(b -> b.proxyProtocol(ProxyProtocol.V1));
        try (RawClient c = RawClient.connect(a.port())) {
            c.get("/hello"); // no header: never guessed, never answered
            assertTrue(c.closedByServer());
        }
        try (RawClient c = RawClient.connect(a.port())) {
            c.send(proxyV2(new int[] {192, 0, 2, 1}, 1, null)); // v2 where only v1 is accepted
            assertTrue(c.closedByServer());
        }
        try (RawClient c = RawClient.connect(a.port())) {
            c.send("PROXY TCP4 192.0.2.1 127.0.0.1 99999 80\r\nGET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
            assertTrue(c.closedByServer());
        }
        Await.until(
                "three refusals are counted",
                () -> scrape(a).value("corral_rejections_total{reason=\"proxy_protocol\"}") == 3);
        assertEquals(200, proxiedHello(a), "the next valid connection is served");
    }

    @Test
    void closesAtOnceAPeerOutsideProxyAllowFrom() throws Exception {
        Arbiter a = start(b -> b.proxyProtocol(ProxyProtocol.V1).proxyAllowFrom("10.9.9.9"));
        try (RawClient c = RawClient.connect(a.port())) {
            assertTrue(c.closedByServer(), "closed without sending anything");
        }
        assertEquals(1, scrape(a).value("corral_rejections_total{reason=\"proxy_protocol\"}"));
    }

    @Test
    void closesAConnectionWhoseHeaderDoesNotArriveWithinHeaderTimeout() throws Exception {
        Arbiter a = start(b -> b.proxyProtocol(ProxyProtocol.V1).headerTimeout(Duration.ofMillis(300)));
        try (RawClient c = RawClient.connect(a.port())) {
            c.send("PROXY TCP4 192.0.2.1");
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void trustsForwardedHeadersAfterAProxyHeaderOnlyIfItsSourceIsTrusted() throws Exception {
        Arbiter a = start(b -> b.proxyProtocol(ProxyProtocol.V1));
        String xff = "X-Forwarded-For: 198.51.100.7\r\n";
        try (RawClient c = RawClient.connect(a.port())) {
            c.send("PROXY TCP4 192.0.2.1 127.0.0.1 5000 80\r\n"); // the client itself: not trusted
            assertTrue(whoami(c, xff).startsWith("client=192.0.2.1:5000 "));
        }
        try (RawClient c = RawClient.connect(a.port())) {
            c.send("PROXY TCP4 127.0.0.1 127.0.0.1 5000 80\r\n"); // a trusted proxy behind the balancer
            assertTrue(whoami(c, xff).startsWith("client=198.51.100.7:0 "));
        }
    }

    /** A PROXY v2 header from {@code ip:port}, with an AUTHORITY TLV if {@code authority} is not null. */
    static byte[] proxyV2(int[] ip, int port, String authority) {
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        for (int b : ip) {
            block.write(b);
        }
        block.writeBytes(new byte[] {127, 0, 0, 1});
        block.write(port >> 8);
        block.write(port & 0xff);
        block.write(0);
        block.write(80);
        if (authority != null) {
            byte[] v = authority.getBytes(StandardCharsets.US_ASCII);
            block.write(0x02);
            block.write(v.length >> 8);
            block.write(v.length & 0xff);
            block.writeBytes(v);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, 0x21, 0x11});
        out.write(block.size() >> 8);
        out.write(block.size() & 0xff);
        out.writeBytes(block.toByteArray());
        return out.toByteArray();
    }

    private static int proxiedHello(Arbiter a) throws IOException {
        try (RawClient c = RawClient.connect(a.port())) {
            c.send("PROXY TCP4 192.0.2.1 127.0.0.1 5000 80\r\n");
            return c.get("/hello").read().status();
        }
    }

    // ---- health, readiness, shutdown_delay ------------------------------------------------------

    @Test
    void answersHealthReadinessAndMetricsBeforeTheApplication() throws Exception {
        Arbiter a = start(b -> b.healthPath("/livez").readinessPath("/readyz").metricsPath("/metrics"));
        try (RawClient c = RawClient.connect(a.port())) {
            assertEquals(200, c.get("/livez").read().status());
            assertEquals("ready\n", c.get("/readyz").read().text());
            RawResponse m = c.get("/metrics").read();
            assertEquals(200, m.status());
            assertEquals(Metrics.CONTENT_TYPE, m.header("Content-Type"));
            Scrape s = Scrape.parse(m.text());
            assertEquals(1, s.value("corral_ready"));
            assertEquals(
                    2,
                    s.value(
                            "http_server_request_duration_seconds_count{http_request_method=\"GET\",url_scheme=\"http\","
                                    + "http_response_status_code=\"200\"}"),
                    "the probes before it are requests like any other");
            c.send("POST /readyz HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n");
            assertEquals(405, c.read().status());
            assertEquals(404, c.get("/livez/x").read().status(), "other paths are the application's");
        }
    }

    @Test
    void reportsNotReadyThroughTheShutdownDelayWhileItKeepsServing() throws Exception {
        Arbiter a = start(b -> b.healthPath("/livez").readinessPath("/readyz").shutdownDelay(Duration.ofSeconds(2)));
        Future<Boolean> shutdown = threads.submit(() -> a.shutdown(Duration.ofSeconds(5)));
        Await.until("readiness fails", () -> status(a, "/readyz") == 503);
        assertFalse(a.ready());
        assertEquals(200, status(a, "/hello"), "new connections are still served");
        assertEquals(200, status(a, "/livez"), "and it is still alive");
        assertFalse(shutdown.isDone(), "the drain waits for shutdown_delay");
        assertTrue(shutdown.get());
        assertTrue(Probes.refusesConnections(a));
    }

    private static int status(Arbiter a, String path) {
        try (RawClient c = RawClient.connect(a.port())) {
            return c.get(path).read().status();
        } catch (IOException e) {
            return -1;
        }
    }

    /**
     * The rolling-deploy sequence: clients go through a balancer that polls readiness and drops an
     * instance once it fails; one of two instances shuts down with {@code shutdown_delay}. Not one
     * request may fail.
     */
    @Test
    void losesNoRequestWhenABalancerDropsTheInstanceOnceItsReadinessFails() throws Exception {
        UnaryOperator<Config.Builder> fleet = b -> b.readinessPath("/readyz")
                .threads(16)
                .keepalive(Duration.ofSeconds(10))
                .shutdownDelay(Duration.ofMillis(1500));
        Arbiter leaving = start(fleet, r -> r.path().equals("/hello") ? Response.ok("leaving") : app.handle(r));
        Arbiter staying = start(fleet, r -> r.path().equals("/hello") ? Response.ok("staying") : app.handle(r));
        Balancer balancer = new Balancer(List.of(leaving, staying));
        LoadResult result = balancer.run(threads, 6, () -> leaving.shutdown(Duration.ofSeconds(10)));
        assertEquals(0, result.failed(), result.toString());
        assertTrue(result.servedByLeavingAfterNotReady() > 0, "it kept serving through the delay: " + result);
        assertTrue(result.servedByStayingAtTheEnd(), result.toString());
        assertFalse(balancer.ready.contains(leaving), "the poller dropped it");
        System.out.println("[" + workerClass() + "] readiness-and-drain run: " + result);
    }

    /** The outcome of a {@link Balancer} run. */
    record LoadResult(int succeeded, int failed, int servedByLeavingAfterNotReady, boolean servedByStayingAtTheEnd) {}

    /** A load balancer in a few lines: round robin over the ready instances, a readiness poller, keep-alive clients. */
    static final class Balancer {
        /**
         * How often the balancer probes readiness: a clock of the scenario, as a real balancer's
         * probe period is, not a wait for a result (nothing is asserted after it).
         */
        private static final long PROBE_PERIOD_MILLIS = 50;

        final List<Arbiter> ready;
        private final AtomicInteger next = new AtomicInteger();

        Balancer(List<Arbiter> instances) {
            this.ready = new CopyOnWriteArrayList<>(instances);
        }

        LoadResult run(ExecutorService threads, int clients, Runnable shutdownFirst) throws Exception {
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger ok = new AtomicInteger();
            AtomicInteger failed = new AtomicInteger();
            AtomicInteger leavingAfter = new AtomicInteger();
            AtomicBoolean stayingAtEnd = new AtomicBoolean();
            AtomicBoolean notReadySeen = new AtomicBoolean();
            AtomicBoolean drained = new AtomicBoolean();
            List<String> failures = new CopyOnWriteArrayList<>();
            Future<?> poller = threads.submit(() -> {
                while (!stop.get()) {
                    for (Arbiter a : ready) {
                        if (status(a, "/readyz") != 200) {
                            ready.remove(a); // one failed probe drops it (a real balancer waits for a few)
                            notReadySeen.set(true);
                        }
                    }
                    sleep(PROBE_PERIOD_MILLIS);
                }
                return null;
            });
            List<Future<?>> load = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                load.add(threads.submit(() -> {
                    RawClient c = null;
                    while (!stop.get()) {
                        try {
                            if (c == null) {
                                c = RawClient.connect(pick().port());
                            }
                            RawResponse r = c.get("/hello").read();
                            if (r.status() != 200) {
                                failures.add("status " + r.status());
                                failed.incrementAndGet();
                            } else {
                                ok.incrementAndGet();
                                if (r.text().equals("leaving") && notReadySeen.get()) {
                                    leavingAfter.incrementAndGet();
                                }
                                if (r.text().equals("staying") && drained.get()) {
                                    stayingAtEnd.set(true);
                                }
                            }
                            if (r.closes()) {
                                c.close();
                                c = null;
                            }
                        } catch (IOException e) {
                            failures.add(e.toString());
                            failed.incrementAndGet();
                            closeQuietly(c);
                            c = null;
                        }
                    }
                    closeQuietly(c);
                    return null;
                }));
            }
            Await.until("the load runs", () -> ok.get() > 200);
            shutdownFirst.run(); // returns once the instance has drained
            drained.set(true);
            int at = ok.get();
            Await.until("the load goes on after the drain", () -> ok.get() > at + 200);
            stop.set(true);
            poller.get();
            for (Future<?> f : load) {
                f.get();
            }
            if (!failures.isEmpty()) {
                System.out.println("failures: " + failures);
            }
            return new LoadResult(ok.get(), failed.get(), leavingAfter.get(), stayingAtEnd.get());
        }

        private Arbiter pick() {
            List<Arbiter> now = List.copyOf(ready);
            return now.get(Math.floorMod(next.getAndIncrement(), now.size()));
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(RawClient c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException e) {
                // done with it
            }
        }
    }

    // ---- metrics ------------------------------------------------------------------------------

    private static final String GET_200 =
            "{http_request_method=\"GET\",url_scheme=\"http\",http_response_status_code=\"200\"}";
    private static final String DURATION = "http_server_request_duration_seconds";

    @Test
    void movesEachSeriesByExactlyTheRequestsSent() throws Exception {
        Arbiter a = start(b -> b);
        int k = 37;
        Scrape before = scrape(a);
        int worker = a.stats().workers().get(0).id();
        try (RawClient c = RawClient.connect(a.port())) {
            for (int i = 0; i < k; i++) {
                assertEquals(200, c.get("/hello").read().status());
            }
            for (int i = 0; i < 5; i++) {
                assertEquals(404, c.get("/nope").read().status());
            }
            c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi");
            assertEquals(200, c.read().status());
            assertTrue(c.closedByServer());
        }
        Await.until("the connection is closed", () -> a.stats().openConnections() == 0);
        Await.until(
                "the close is counted",
                () -> scrape(a).value("corral_connections_closed_total{reason=\"completed\"}") == 1);
        Scrape after = scrape(a);
        Map<String, Double> moved = after.changesSince(before);
        assertEquals((double) k, moved.get(DURATION + "_count" + GET_200), moved.toString());
        assertEquals(
                (double) k, moved.get(DURATION + "_bucket" + GET_200.replace("}", ",le=\"+Inf\"}")), moved.toString());
        assertEquals(
                5.0,
                moved.get(DURATION
                        + "_count{http_request_method=\"GET\",url_scheme=\"http\",http_response_status_code=\"404\"}"));
        assertEquals(
                1.0,
                moved.get(
                        DURATION
                                + "_count{http_request_method=\"POST\",url_scheme=\"http\",http_response_status_code=\"200\"}"));
        assertEquals(1.0, moved.get("corral_connections_accepted_total"));
        assertEquals(1.0, moved.get("corral_connections_closed_total{reason=\"completed\"}"));
        assertEquals(k + 6.0, moved.get("corral_worker_requests_total{worker=\"" + worker + "\"}"));
        assertEquals(0, after.value("http_server_active_requests{http_request_method=\"GET\",url_scheme=\"http\"}"));
        for (Map.Entry<String, Double> e : moved.entrySet()) {
            String s = e.getKey();
            boolean expected = s.startsWith(DURATION)
                    || s.startsWith("corral_connections_")
                    || s.startsWith("corral_worker_requests_total");
            assertTrue(expected, "no other series moves: " + s + " by " + e.getValue());
        }
        a.reload();
        Await.until(
                "the reload is counted",
                () -> scrape(a).value("corral_worker_restarts_total{reason=\"reloaded\"}") == 1);
    }

    @Test
    void tripsEachLimitsReasonExactlyOnce() throws Exception {
        Arbiter a = start(b -> b.limitRequestLine(200)
                .limitRequestFields(10)
                .limitRequestFieldSize(100)
                .limitRequestHead(600)
                .limitRequestBody(100)
                .headerTimeout(Duration.ofMillis(500))
                .overloadPolicy(OverloadPolicy.REJECT)
                .workerConnections(CAPACITY)
                .threads(CAPACITY));
        Scrape before = scrape(a);
        assertRefused(a, 414, "GET /" + "a".repeat(300) + " HTTP/1.1\r\nHost: t\r\n\r\n");
        assertRefused(a, 431, "GET / HTTP/1.1\r\nHost: t\r\n" + "X-A: 1\r\n".repeat(11) + "\r\n");
        assertRefused(a, 431, "GET / HTTP/1.1\r\nHost: t\r\nX-Long: " + "b".repeat(150) + "\r\n\r\n");
        assertRefused(a, 431, "GET / HTTP/1.1\r\nHost: t\r\n" + ("X-H: " + "c".repeat(80) + "\r\n").repeat(8) + "\r\n");
        assertRefused(a, 413, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 200\r\n\r\n");
        assertRefused(a, 408, "GET / HTTP/1.1\r\nHost"); // then silence past header_timeout
        assertRefused(a, 400, "GARBAGE\r\n\r\n");
        // the refused connections linger up to a second: until they are gone they hold places
        Await.until("the refused connections are closed", () -> a.stats().openConnections() == 0);
        List<RawClient> holders = new ArrayList<>();
        try {
            for (int i = 0; i < CAPACITY; i++) {
                RawClient c = RawClient.connect(a.port());
                holders.add(c);
                c.send("GET /block HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            }
            Await.until("the worker is full", () -> app.blocked.get() == CAPACITY);
            assertRefused(a, 503, "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
        } finally {
            app.unblock();
            for (RawClient c : holders) {
                c.close();
            }
        }
        Scrape after = scrape(a);
        for (String reason : List.of(
                "limit_request_line",
                "limit_request_fields",
                "limit_request_field_size",
                "limit_request_head",
                "limit_request_body",
                "header_timeout",
                "bad_request",
                "overload")) {
            String series = "corral_rejections_total{reason=\"" + reason + "\"}";
            assertEquals(
                    1.0, after.value(series) - before.value(series), series + "; all: " + after.changesSince(before));
        }
        assertEquals(0.0, after.value("corral_rejections_total{reason=\"proxy_protocol\"}"));
        Await.until(
                "the refused connections are closed as rejected",
                () -> scrape(a).value("corral_connections_closed_total{reason=\"rejected\"}") >= 7);
    }

    @Test
    void answersALimitBrokenByALaterRequestOnAKeptAliveConnection() throws Exception {
        Arbiter a = start(b -> b.limitRequestLine(100));
        try (RawClient c = RawClient.connect(a.port())) {
            assertEquals(200, c.get("/hello").read().status());
            c.get("/" + "x".repeat(200));
            assertEquals(414, c.read().status(), "answered, not closed on silently");
            assertTrue(c.closedByServer());
        }
        assertEquals(1, scrape(a).value("corral_rejections_total{reason=\"limit_request_line\"}"));
    }

    private static void assertRefused(Arbiter a, int status, String request) throws IOException {
        try (RawClient c = RawClient.connect(a.port())) {
            c.send(request);
            RawResponse r = c.read();
            assertEquals(status, r.status(), request.length() > 60 ? request.substring(0, 60) : request);
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void tenThousandDistinctPathsAndMethodsGiveABoundedNumberOfSeries() throws Exception {
        Arbiter a = start(b -> b);
        try (RawClient c = RawClient.connect(a.port())) {
            assertEquals(200, c.get("/hello").read().status());
        }
        Await.until("the first request is recorded", () -> scrape(a).value(DURATION + "_count" + GET_200) == 1);
        long seriesBefore = scrape(a).series().size();
        try (RawClient c = RawClient.connect(a.port())) {
            for (int i = 0; i < 10_000; i++) {
                String method = i % 2 == 0 ? "GET" : "M" + i;
                c.send(method + " /path/" + i + "?q=" + i + " HTTP/1.1\r\nHost: t\r\n\r\n");
                assertEquals(404, c.read().status());
            }
        }
        String other = DURATION
                + "_count{http_request_method=\"_OTHER\",url_scheme=\"http\",http_response_status_code=\"404\"}";
        // a request is recorded once its response is out: the last one may still be on its way
        Await.until("every request is recorded", () -> scrape(a).value(other) == 5000);
        Scrape after = scrape(a);
        // GET 404 and _OTHER 404 (one histogram each: 15 buckets, sum, count) and _OTHER's active gauge
        assertTrue(
                after.series().size() - seriesBefore <= 2 * 17 + 1,
                "series before " + seriesBefore + ", after " + after.series().size());
        assertEquals(
                5000,
                after.value(
                        DURATION
                                + "_count{http_request_method=\"_OTHER\",url_scheme=\"http\",http_response_status_code=\"404\"}"));
        assertFalse(a.metrics().prometheusText().contains("/path/"), "no path is ever a label");
    }

    // ---- reuse_port -------------------------------------------------------------------------

    /**
     * Two Arbiters share one port with SO_REUSEPORT; the old one shuts down while keep-alive
     * clients load the port, and not one request fails: the old listener closes before its
     * clients are told to reconnect, so they reconnect to the new one.
     */
    @Test
    void twoArbitersShareAPortAndTheOldOneDrainsWithoutAFailure() throws Exception {
        Arbiter old = start(b -> b.reusePort(true).threads(16), r -> Response.ok("old"));
        int port = old.port();
        Arbiter fresh = start(b -> b.bind("127.0.0.1:" + port).reusePort(true).threads(16), r -> Response.ok("new"));
        assertEquals(port, fresh.port());
        java.util.Set<String> answered = new java.util.HashSet<>();
        for (int i = 0; i < 64 && answered.size() < 2; i++) {
            answered.add(helloText(port));
        }
        assertEquals(java.util.Set.of("old", "new"), answered, "the kernel spreads new connections over both");

        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger newAfter = new AtomicInteger();
        AtomicBoolean oldGone = new AtomicBoolean();
        List<String> failures = new CopyOnWriteArrayList<>();
        List<Future<?>> load = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            load.add(threads.submit(() -> {
                RawClient c = null;
                while (!stop.get()) {
                    try {
                        if (c == null) {
                            c = RawClient.connect(port);
                        }
                        RawResponse r = c.get("/").read();
                        ok.incrementAndGet();
                        if (oldGone.get()) {
                            assertEquals("new", r.text(), "only the new instance is left");
                            newAfter.incrementAndGet();
                        }
                        if (r.closes()) {
                            c.close();
                            c = null;
                        }
                    } catch (IOException e) {
                        failures.add(e.toString());
                        closeQuietly(c);
                        c = null;
                    }
                }
                closeQuietly(c);
                return null;
            }));
        }
        Await.until("the load runs", () -> ok.get() > 200);
        assertTrue(old.shutdown(Duration.ofSeconds(10)));
        oldGone.set(true);
        Await.until("the new instance serves on", () -> newAfter.get() > 200);
        stop.set(true);
        for (Future<?> f : load) {
            f.get();
        }
        assertEquals(List.of(), failures);
    }

    private static String helloText(int port) throws IOException {
        try (RawClient c = RawClient.connect(port)) {
            return c.get("/").read().text();
        }
    }
}
