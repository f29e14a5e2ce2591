package io.corral;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.http.Handler;
import io.corral.http.Response;
import io.corral.spi.Application;
import io.corral.spi.Worker;
import io.corral.spi.WorkerContext;
import io.corral.spi.WorkerFactory;
import io.corral.testing.Await;
import io.corral.testing.TestCertificates;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The Arbiter's supervision, with a scripted worker model instead of a real one. */
class ArbiterTest {

    /** A worker whose behaviour the test scripts; thread-safe through its fields' types. */
    static final class FakeWorker implements Worker {
        final WorkerContext context;
        final CountDownLatch stopped = new CountDownLatch(1);
        volatile boolean beating = true;
        volatile boolean failToStart;
        final Thread loop;

        FakeWorker(WorkerContext context) {
            this.context = context;
            this.loop = new Thread(
                    () -> {
                        while (stopped.getCount() > 0) {
                            if (beating) {
                                context.heartbeat();
                            }
                            try {
                                stopped.await(10, TimeUnit.MILLISECONDS);
                            } catch (InterruptedException e) {
                                return;
                            }
                        }
                    },
                    "fake-worker-" + context.workerId());
            loop.setDaemon(true);
        }

        @Override
        public void start() throws IOException {
            if (failToStart) {
                throw new IOException("scripted: the worker cannot start");
            }
            // beat once before returning, as a real loop does when it starts: a worker that has never
            // beaten is not judged hung, and the test may silence this one before its thread runs
            context.heartbeat();
            loop.start();
        }

        final java.util.List<java.nio.channels.SocketChannel> adopted =
                new java.util.concurrent.CopyOnWriteArrayList<>();
        /** Whether it refuses the clients the Arbiter hands it at shutdown, as a full worker does. */
        volatile boolean refuseAdoption;

        @Override
        public boolean adopt(java.nio.channels.SocketChannel channel) {
            return !refuseAdoption && adopted.add(channel);
        }

        @Override
        public void stopAccepting() {}

        @Override
        public void shutdown() {
            stopped.countDown();
        }

        @Override
        public boolean awaitTermination(Duration timeout) throws InterruptedException {
            return stopped.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
        }

        @Override
        public void abort() {
            stopped.countDown();
        }

        @Override
        public List<Thread> threads() {
            return List.of(loop);
        }
    }

    private final List<FakeWorker> created = new CopyOnWriteArrayList<>();
    private final List<String> exits = new CopyOnWriteArrayList<>();
    private final List<String> reloads = new CopyOnWriteArrayList<>();
    private final Handler original = r -> Response.ok("x");
    /** Workers created from this many on fail to start. */
    private volatile int failFrom = Integer.MAX_VALUE;

    private Arbiter arbiter;

    private Arbiter start(Config.Builder config) throws IOException {
        WorkerFactory factory = new WorkerFactory() {
            @Override
            public String name() {
                return "fake";
            }

            @Override
            public boolean servesTls() {
                return true; // the fake workers serve nothing; the Arbiter's part is under test
            }

            @Override
            public Worker create(WorkerContext context) {
                FakeWorker w = new FakeWorker(context);
                w.failToStart = created.size() >= failFrom;
                created.add(w);
                return w;
            }
        };
        Hooks hooks = new Hooks() {
            @Override
            public void workerExited(int workerId, String reason) {
                exits.add(workerId + ":" + reason);
            }

            @Override
            public void onReload(Arbiter a) {
                reloads.add("reloaded with " + a.stats().runningWorkers() + " running");
            }
        };
        arbiter = Arbiter.builder()
                .config(config.build())
                .handler(original)
                .workerFactory(factory)
                .hooks(hooks)
                .start();
        return arbiter;
    }

    private static Config.Builder loopback() {
        return Config.builder().bind("127.0.0.1:0");
    }

    @AfterEach
    void stop() {
        if (arbiter != null) {
            arbiter.shutdown(Duration.ofSeconds(5));
        }
    }

    @Test
    void servesAListenerTheEmbedderBoundAndClosesItAtShutdown() throws Exception {
        java.nio.channels.ServerSocketChannel bound = java.nio.channels.ServerSocketChannel.open();
        bound.bind(new java.net.InetSocketAddress("127.0.0.1", 0), 5);
        int port = ((java.net.InetSocketAddress) bound.getLocalAddress()).getPort();
        Arbiter a = Arbiter.builder()
                .config(loopback().bind("127.0.0.1:1").build()) // unused: the listener is given
                .handler(original)
                .workerFactory(new WorkerFactory() {
                    @Override
                    public String name() {
                        return "fake";
                    }

                    @Override
                    public Worker create(WorkerContext context) {
                        FakeWorker w = new FakeWorker(context);
                        created.add(w);
                        return w;
                    }
                })
                .listener(bound)
                .start();
        assertEquals(port, a.port());
        assertSame(bound, created.get(0).context.listener());
        a.shutdown(Duration.ofSeconds(5));
        assertTrue(!bound.isOpen(), "the Arbiter owns the listener and closes it");
    }

    @Test
    void replacesAWorkerThatDiedAndCountsTheRestart() throws Exception {
        Arbiter a = start(loopback().workers(2));
        created.get(0).context.failed(new IllegalStateException("boom"));
        Await.until("a third worker replaces the first", () -> created.size() == 3);
        Await.until("the dead worker exits", () -> exits.contains("1:died: java.lang.IllegalStateException: boom"));
        assertEquals(1, a.stats().workerRestarts());
        assertEquals(2, a.stats().runningWorkers());
    }

    @Test
    void replacesAWorkerWhoseLoopWentSilentPastTimeout() throws Exception {
        Arbiter a = start(loopback().workers(1).timeout(Duration.ofMillis(300)));
        created.get(0).beating = false;
        Await.until("the silent worker is replaced", () -> exits.contains("1:hung"));
        assertEquals(1, a.stats().runningWorkers());
        assertTrue(a.stats().workerRestarts() >= 1);
    }

    @Test
    void handsTheClientsQueuedInTheBacklogToTheWorkersBeforeClosingTheListener() throws Exception {
        Arbiter a = start(loopback().workers(2)); // fake workers never accept: clients stay queued
        List<java.net.Socket> queued = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                queued.add(new java.net.Socket("127.0.0.1", a.port()));
            }
            assertTrue(a.shutdown(Duration.ofSeconds(5)));
            assertEquals(2, created.get(0).adopted.size(), "spread over the running workers");
            assertEquals(2, created.get(1).adopted.size());
            for (FakeWorker w : created) {
                for (java.nio.channels.SocketChannel c : w.adopted) {
                    c.close();
                }
            }
        } finally {
            for (java.net.Socket s : queued) {
                s.close();
            }
        }
    }

    @Test
    void answersAQueuedClientNoWorkerCanTakeWith503() throws Exception {
        Arbiter a = start(loopback().workers(1));
        created.forEach(w -> w.refuseAdoption = true); // every worker is full
        try (java.net.Socket client = new java.net.Socket("127.0.0.1", a.port())) {
            client.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(US_ASCII));
            assertTrue(a.shutdown(Duration.ofSeconds(5)));
            client.setSoTimeout(10_000);
            String answer = new String(client.getInputStream().readAllBytes(), US_ASCII);
            assertTrue(answer.startsWith("HTTP/1.1 503 ") && answer.contains("Retry-After: 1"), answer);
        }
    }

    @Test
    void closesAQueuedTlsClientNoWorkerCanTakeWithoutAPlain503() throws Exception {
        TestCertificates certs = TestCertificates.shared();
        Arbiter a = start(loopback()
                .workers(1)
                .certfile(certs.server().chainPem())
                .keyfile(certs.server().keyPem()));
        created.forEach(w -> w.refuseAdoption = true);
        try (java.net.Socket client = new java.net.Socket("127.0.0.1", a.port())) {
            assertTrue(a.shutdown(Duration.ofSeconds(5)));
            client.setSoTimeout(10_000);
            // a TLS client would take plain text for a broken record: it gets a clean end of stream
            assertEquals(-1, client.getInputStream().read(), "closed without a byte, and no reset");
        }
    }

    @Test
    void resizesAndReportsTheChange() throws Exception {
        Arbiter a = start(loopback().workers(1));
        a.resize(4);
        assertEquals(4, a.stats().runningWorkers());
        a.resize(2);
        Await.until("two retired", () -> a.stats().workers().size() == 2);
        assertTrue(exits.contains("1:resized") && exits.contains("2:resized"), exits.toString());
        ConfigException e = assertThrows(ConfigException.class, () -> a.resize(0));
        assertEquals("workers: '0' is not allowed; expected an integer from 1 to 4096", e.getMessage());
    }

    @Test
    void reloadStartsNewWorkersFirstThenDrainsTheOldOnes() throws Exception {
        Arbiter a = start(loopback().workers(2));
        Handler next = r -> Response.ok("y");
        a.reload(next);
        assertEquals(4, created.size(), "two successors started");
        for (FakeWorker w : created.subList(2, 4)) {
            assertSame(next, ((Application.Blocking) w.context.application()).handler());
            assertEquals(1, w.stopped.getCount(), "the successor runs");
        }
        for (FakeWorker w : created.subList(0, 2)) {
            assertEquals(0, w.stopped.getCount(), "the old worker was asked to drain");
        }
        assertEquals(List.of("reloaded with 2 running"), reloads);
        Await.until("both old workers exit", () -> exits.containsAll(List.of("1:reloaded", "2:reloaded")));
        assertEquals(2, a.stats().workers().size());
        assertEquals(2, a.stats().workerRestarts());
        a.reload();
        assertEquals(6, created.size());
        assertSame(next, ((Application.Blocking) created.get(5).context.application()).handler(), "reload() keeps it");
    }

    @Test
    void reloadThatCannotStartASuccessorLeavesTheOldWorkersServing() throws Exception {
        Arbiter a = start(loopback().workers(2));
        failFrom = 3; // the first successor starts, the second cannot
        IOException e = assertThrows(IOException.class, () -> a.reload(r -> Response.ok("y")));
        assertEquals("scripted: the worker cannot start", e.getMessage());
        for (FakeWorker w : created.subList(0, 2)) {
            assertEquals(1, w.stopped.getCount(), "the old worker keeps serving");
        }
        assertEquals(0, created.get(2).stopped.getCount(), "the successor that did start is stopped again");
        Await.until("it exits", () -> exits.contains("3:reload failed"));
        assertTrue(reloads.isEmpty());
        failFrom = Integer.MAX_VALUE;
        a.resize(3);
        assertSame(
                original,
                ((Application.Blocking) created.get(created.size() - 1).context.application()).handler(),
                "the old application is still the one new workers serve");
    }

    @Test
    void refusesToReloadWhenNotRunning() throws Exception {
        Arbiter a = start(loopback());
        a.shutdown(Duration.ofSeconds(5));
        IllegalStateException e = assertThrows(IllegalStateException.class, a::reload);
        assertEquals("the Arbiter is not running", e.getMessage());
    }

    @Test
    void reportsAnUnknownWorkerClassWithTheNamesAvailable() {
        ConfigException e = assertThrows(
                ConfigException.class,
                () -> Arbiter.builder()
                        .config(Config.builder().workerClass("gevent").build())
                        .handler(r -> Response.ok("x"))
                        .build());
        assertTrue(e.getMessage().startsWith("worker_class: 'gevent' is not allowed; expected "), e.getMessage());
    }

    @Test
    void failsToStartWithAClearErrorWhenTheAddressIsTaken() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            IOException e =
                    assertThrows(IOException.class, () -> start(loopback().bind("127.0.0.1:" + taken.getLocalPort())));
            assertTrue(
                    e.getMessage().startsWith("bind: could not listen at 127.0.0.1:" + taken.getLocalPort()),
                    e.getMessage());
            arbiter = null;
        }
    }

    @Test
    void shutsDownEveryWorkerAndStopsListening() throws Exception {
        Arbiter a = start(loopback().workers(3));
        int port = a.port();
        assertTrue(a.shutdown(Duration.ofSeconds(5)));
        assertEquals(0, a.stats().workers().size());
        assertThrows(IOException.class, () -> new java.net.Socket("127.0.0.1", port).close());
    }
}
