package io.corral.benchmarks.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.testing.Await;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

class LoadGeneratorTest {

    private static final LoadGenerator.Settings SETTINGS =
            new LoadGenerator.Settings(Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofMillis(20));

    @Test
    void keepsEveryConnectionBusyAtTheLittlesLawRate() throws Exception {
        try (SlowUpstream upstream = SlowUpstream.start(Duration.ofMillis(20));
                LoadGenerator load = new LoadGenerator(local(upstream.port()), "/", 8, SETTINGS)) {
            load.start();
            Await.until("all 8 connect", () -> load.connectedCount() == 8);
            load.startMeasuring();
            Await.until("100 responses", () -> load.measuredSoFar().ok() >= 100);
            LoadResult r = load.stopMeasuring();
            assertEquals(0, r.errors(), r.errorSummary());
            // a closed loop never beats Little's law: 8 connections over a 20 ms upstream make at
            // most 400 req/s (a generator that sent more than one request at a time would)
            assertTrue(r.requestsPerSecond() <= 410, "rate " + r.requestsPerSecond());
            assertTrue(r.percentileMillis(50) >= 19.9, "p50 " + r.percentileMillis(50));
        }
    }

    @Test
    void reopensConnectionsTheServerClosesWithoutCountingErrors() throws Exception {
        try (TinyServer server = new TinyServer("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok");
                LoadGenerator load = new LoadGenerator(local(server.port()), "/", 2, SETTINGS)) {
            load.start();
            load.startMeasuring();
            Await.until(
                    "ten responses over reopened connections",
                    () -> load.measuredSoFar().ok() > 10);
            LoadResult r = load.stopMeasuring();
            assertEquals(0, r.errors(), r.errorSummary());
        }
    }

    @Test
    void countsNon200AsStatusErrors() throws Exception {
        try (TinyServer server = new TinyServer("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n");
                LoadGenerator load = new LoadGenerator(local(server.port()), "/", 1, SETTINGS)) {
            load.start();
            load.startMeasuring();
            Await.until("a status error", () -> load.measuredSoFar().statusErrors() > 0);
            LoadResult r = load.stopMeasuring();
            assertEquals(0, r.ok());
            assertEquals(r.statusErrors(), r.errors());
        }
    }

    @Test
    void countsTimeoutsWhenTheServerNeverAnswers() throws Exception {
        LoadGenerator.Settings quick =
                new LoadGenerator.Settings(Duration.ofMillis(100), Duration.ofSeconds(5), Duration.ofMillis(20));
        try (TinyServer server = new TinyServer(null);
                LoadGenerator load = new LoadGenerator(local(server.port()), "/", 2, quick)) {
            load.start();
            load.startMeasuring();
            Await.until("two timeouts", () -> load.measuredSoFar().timeouts() >= 2);
            LoadResult r = load.stopMeasuring();
            assertEquals(0, r.ok());
        }
    }

    @Test
    void countsConnectFailures() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        try (LoadGenerator load = new LoadGenerator(local(closedPort), "/", 2, SETTINGS)) {
            load.start();
            load.startMeasuring();
            Await.until("two connect failures", () -> load.measuredSoFar().connectErrors() >= 2);
            LoadResult r = load.stopMeasuring();
            assertEquals(0, r.ok());
        }
    }

    private static InetSocketAddress local(int port) {
        return new InetSocketAddress("127.0.0.1", port);
    }

    /**
     * A blocking server that answers each request head with {@code response}, or never answers if it
     * is null; each connection on its own virtual thread.
     */
    static final class TinyServer implements AutoCloseable {
        private final ServerSocket listener;
        private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

        TinyServer(String response) throws IOException {
            listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            threads.submit(() -> {
                while (!listener.isClosed()) {
                    Socket s;
                    try {
                        s = listener.accept();
                    } catch (IOException e) {
                        return null;
                    }
                    threads.submit(() -> serve(s, response));
                }
                return null;
            });
        }

        int port() {
            return listener.getLocalPort();
        }

        private static Void serve(Socket s, String response) {
            try (s) {
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                int matched = 0;
                int b;
                while ((b = in.read()) >= 0) {
                    matched = (b == '\r' && matched % 2 == 0) || (b == '\n' && matched % 2 == 1) ? matched + 1 : 0;
                    if (matched == 4) {
                        matched = 0;
                        if (response == null) {
                            continue;
                        }
                        out.write(response.getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                        if (response.contains("Connection: close")) {
                            return null;
                        }
                    }
                }
            } catch (IOException e) {
                // the client went away
            }
            return null;
        }

        @Override
        public void close() throws IOException {
            listener.close();
            threads.shutdownNow();
        }
    }
}
