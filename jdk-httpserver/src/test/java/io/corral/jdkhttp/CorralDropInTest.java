package io.corral.jdkhttp;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsServer;
import com.sun.net.httpserver.spi.HttpServerProvider;
import io.corral.ConfigException;
import io.corral.testing.RawClient;
import io.corral.testing.TestCertificates;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.ServiceLoader;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What Corral's provider adds to the API: settings from {@code corral.*} properties, who runs the
 * handlers ({@code corral.executor}), Corral's {@code timeout}, and the provider's plumbing. Every
 * behaviour on every worker model.
 */
class CorralDropInTest {

    private final List<HttpServer> servers = new CopyOnWriteArrayList<>();
    private final ExecutorService clients = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        for (HttpServer s : servers) {
            s.stop(0);
        }
        clients.shutdownNow();
    }

    private HttpServer start(Properties p, HttpHandler handler) throws IOException {
        HttpServer s = CorralHttpServerProvider.create(p, new InetSocketAddress("127.0.0.1", 0), 0);
        servers.add(s);
        s.createContext("/", handler);
        s.start();
        return s;
    }

    private static Properties model(String workerClass, String... more) {
        Properties p = new Properties();
        p.setProperty("corral.worker_class", workerClass);
        p.setProperty("corral.threads", "32");
        for (int i = 0; i < more.length; i += 2) {
            p.setProperty(more[i], more[i + 1]);
        }
        return p;
    }

    private static void ok(HttpExchange x, String text) throws IOException {
        byte[] b = text.getBytes(UTF_8);
        x.sendResponseHeaders(200, b.length);
        try (OutputStream os = x.getResponseBody()) {
            os.write(b);
        }
    }

    private static int status(HttpServer s, String target) throws IOException {
        try (RawClient c = RawClient.connect(s.getAddress().getPort())) {
            return c.get(target).read().status();
        }
    }

    // ---- settings -----------------------------------------------------------------------------

    @Test
    void badSettingsFailAtCreateNamingTheSettingAndWhatIsAllowed() {
        ConfigException workers =
                assertThrows(ConfigException.class, () -> DropInSettings.from(model("virtual", "corral.workers", "0")));
        assertTrue(workers.getMessage().startsWith("workers: '0' is not allowed; expected"), workers.getMessage());
        ConfigException unknown =
                assertThrows(ConfigException.class, () -> DropInSettings.from(model("virtual", "corral.wrokers", "2")));
        assertTrue(unknown.getMessage().contains("unknown setting 'corral.wrokers'"), unknown.getMessage());
        ConfigException executor = assertThrows(
                ConfigException.class, () -> DropInSettings.from(model("virtual", "corral.executor", "pool")));
        assertTrue(executor.getMessage().startsWith("executor: 'pool' is not allowed; expected application"));
        ConfigException bind = assertThrows(
                ConfigException.class, () -> DropInSettings.from(model("virtual", "corral.bind", "0.0.0.0:80")));
        assertTrue(bind.getMessage().contains("HttpServer.create or bind"), bind.getMessage());
    }

    @Test
    void theDefaultsAreVirtualWorkersAndTheApplicationsExecutor() {
        DropInSettings d = DropInSettings.from(new Properties());
        assertEquals("virtual", d.base().workerClass());
        assertEquals(DropInSettings.Execution.APPLICATION, d.executor());
        assertEquals(2048, d.backlog(0), "a backlog of 0 means corral.backlog");
        assertEquals(7, d.backlog(7));
        Properties other = model("sync", "corral.executor", "worker", "corral.backlog", "100");
        DropInSettings w = DropInSettings.from(other);
        assertEquals("sync", w.base().workerClass());
        assertEquals(DropInSettings.Execution.WORKER, w.executor());
        assertEquals(100, w.backlog(-1));
    }

    @Test
    void theProviderIsFoundThroughServiceLoaderAndMakesHttpsServersToo() throws IOException {
        List<String> found = new ArrayList<>();
        for (HttpServerProvider p : ServiceLoader.load(HttpServerProvider.class)) {
            found.add(p.getClass().getName());
        }
        assertTrue(found.contains(CorralHttpServerProvider.class.getName()), found.toString());
        HttpsServer https = new CorralHttpServerProvider().createHttpsServer(null, 0);
        assertTrue(https instanceof CorralHttpsServer, https.getClass().getName());
        assertNull(https.getAddress(), "unbound until bind()");
        https.stop(0);
    }

    @Test
    void anHttpsServerRefusesCertificateFilesItsConfiguratorWouldContradict() {
        TestCertificates certs = TestCertificates.shared();
        ConfigException e = assertThrows(
                ConfigException.class,
                () -> CorralHttpServerProvider.createHttps(
                        model(
                                "virtual",
                                "corral.certfile",
                                certs.server().chainPem().toString(),
                                "corral.keyfile",
                                certs.server().keyPem().toString()),
                        new InetSocketAddress("127.0.0.1", 0),
                        0));
        assertEquals(
                "corral.certfile: '" + certs.server().chainPem() + "' is not allowed for an HttpsServer: its"
                        + " certificate is the SSLContext of the HttpsConfigurator the application sets",
                e.getMessage());
    }

    @Test
    void theJdk18CreateWithAContextAndFiltersServesThroughCorral() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        HttpServer s = HttpServer.create(
                new InetSocketAddress("127.0.0.1", 0),
                0,
                "/app/",
                x -> ok(x, "app"),
                com.sun.net.httpserver.Filter.beforeHandler(
                        "note", x -> seen.add(x.getRequestURI().getPath())));
        servers.add(s);
        assertTrue(s instanceof CorralHttpServer, s.getClass().getName());
        s.start();
        assertEquals(200, status(s, "/app/x"));
        assertEquals(404, status(s, "/other"));
        assertEquals(List.of("/app/x"), seen);
    }

    // ---- who runs the handlers ----------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"sync", "async", "virtual"})
    void withoutAnExecutorHandlersRunOneAtATimeOnTheServersThread(String workerClass) throws Exception {
        CountDownLatch firstIn = new CountDownLatch(1);
        CountDownLatch secondIn = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<String> threads = new CopyOnWriteArrayList<>();
        HttpServer s = start(model(workerClass), x -> {
            threads.add(Thread.currentThread().getName());
            if (x.getRequestURI().getPath().equals("/first")) {
                firstIn.countDown();
                await(release);
            } else {
                secondIn.countDown();
            }
            ok(x, "done");
        });
        Future<Integer> first = clients.submit(() -> status(s, "/first"));
        assertTrue(firstIn.await(20, TimeUnit.SECONDS));
        Future<Integer> second = clients.submit(() -> status(s, "/second"));
        assertFalse(secondIn.await(300, TimeUnit.MILLISECONDS), "the second handler waits for the first");
        release.countDown();
        assertEquals(200, first.get(20, TimeUnit.SECONDS));
        assertEquals(200, second.get(20, TimeUnit.SECONDS));
        assertEquals(List.of("corral-jdkhttp-dispatcher-1", "corral-jdkhttp-dispatcher-1"), threads);
    }

    @ParameterizedTest
    @ValueSource(strings = {"sync", "async", "virtual"})
    void withExecutorWorkerManyHandlersWaitAtOnceWhateverTheApplicationSet(String workerClass) throws Exception {
        int n = 24;
        CountDownLatch allIn = new CountDownLatch(n);
        HttpServer s = CorralHttpServerProvider.create(
                model(workerClass, "corral.executor", "worker"), new InetSocketAddress("127.0.0.1", 0), 0);
        servers.add(s);
        s.createContext("/", x -> {
            allIn.countDown();
            await(allIn); // every handler must be in at once: a serial executor would never get here
            ok(x, "together");
        });
        s.setExecutor(Executors.newSingleThreadExecutor()); // ignored: the worker model runs the handlers
        s.start();
        List<Future<Integer>> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            all.add(clients.submit(() -> status(s, "/")));
        }
        for (Future<Integer> f : all) {
            assertEquals(200, f.get(30, TimeUnit.SECONDS));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sync", "async", "virtual"})
    void anExecutorThatRefusesGets503AndAClose(String workerClass) throws Exception {
        HttpServer s = CorralHttpServerProvider.create(model(workerClass), new InetSocketAddress("127.0.0.1", 0), 0);
        servers.add(s);
        s.createContext("/", x -> ok(x, "never"));
        s.setExecutor(task -> {
            throw new RejectedExecutionException("full");
        });
        s.start();
        try (RawClient c = RawClient.connect(s.getAddress().getPort())) {
            var r = c.get("/").read();
            assertEquals(503, r.status());
            assertTrue(r.closes());
        }
    }

    // ---- Corral's limits ----------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"sync", "async", "virtual"})
    void aHandlerPastTimeoutGets504AndIsInterrupted(String workerClass) throws Exception {
        CountDownLatch interrupted = new CountDownLatch(1);
        HttpServer s = start(model(workerClass, "corral.timeout", "1s", "corral.executor", "worker"), x -> {
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                interrupted.countDown();
                throw new IOException("interrupted", e);
            }
            ok(x, "too late");
        });
        assertEquals(504, status(s, "/slow"));
        assertTrue(interrupted.await(20, TimeUnit.SECONDS), "the handler's thread was interrupted");
        assertEquals(504, status(s, "/again"), "and the server keeps serving");
    }

    @ParameterizedTest
    @ValueSource(strings = {"sync", "async", "virtual"})
    void aBodyOverLimitRequestBodyIs413(String workerClass) throws Exception {
        HttpServer s = start(
                model(workerClass, "corral.limit_request_body", "10"),
                x -> ok(x, new String(x.getRequestBody().readAllBytes(), UTF_8)));
        try (RawClient c = RawClient.connect(s.getAddress().getPort())) {
            c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n01234567890");
            assertEquals(413, c.read().status());
        }
        try (RawClient c = RawClient.connect(s.getAddress().getPort())) {
            c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
            assertEquals("abc", c.read().text());
        }
    }

    @Test
    void theHandlersExceptionIsNotTheClientsWhenItFailsAfterTheResponseStarted() throws Exception {
        HttpServer s = start(model("virtual", "corral.executor", "worker"), x -> {
            x.sendResponseHeaders(200, 0);
            OutputStream os = x.getResponseBody();
            os.write(new byte[100_000]); // past the buffer: the response has started
            throw new IllegalStateException("late failure");
        });
        try (RawClient c = RawClient.connect(s.getAddress().getPort())) {
            c.get("/");
            assertThrows(IOException.class, c::read, "a chunked body cut short, never a complete one");
        }
    }

    private static void await(CountDownLatch latch) throws IOException {
        try {
            if (!latch.await(30, TimeUnit.SECONDS)) {
                throw new IOException("timed out");
            }
        } catch (InterruptedException e) {
            throw new IOException(e);
        }
    }
}
