package io.corral.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.Arbiter;
import io.corral.Config;
import io.corral.testing.Await;
import io.corral.testing.RawClient;
import io.corral.testing.RawResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The demo server behind a proxy and in a fleet: {@code GET /whoami}, {@code --metrics-path}, a
 * listener inherited on standard input ({@code --bind fd://0}), and two JVMs sharing a port with
 * {@code --reuse-port}.
 */
@Timeout(180)
class DemoServerFleetTest {

    @ParameterizedTest
    @ValueSource(strings = {"sync", "async", "virtual"})
    void answersWhoamiAndMetricsFromItsFlags(String model) throws Exception {
        Arbiter a = DemoServer.start(Config.builder()
                .args(List.of(
                        "--bind",
                        "127.0.0.1:0",
                        "--worker-class",
                        model,
                        "--metrics-path",
                        "/metrics",
                        "--forwarded-allow-ips",
                        "127.0.0.1"))
                .build());
        try (RawClient c = RawClient.connect(a.port())) {
            c.send("GET /whoami HTTP/1.1\r\nHost: shop.example\r\nX-Forwarded-For: 203.0.113.7\r\n"
                    + "X-Forwarded-Proto: https\r\n\r\n");
            RawResponse r = c.read();
            assertEquals(200, r.status());
            assertEquals("application/json", r.header("Content-Type"));
            assertEquals(
                    "{\"client\":\"203.0.113.7\",\"client_port\":0,\"peer\":\"127.0.0.1\",\"scheme\":\"https\","
                            + "\"host\":\"shop.example\",\"secure\":false}\n",
                    r.text());
            assertEquals("Hello, World!", c.get("/hello").read().text(), "the other routes are unchanged");
            Await.until(
                    "both requests are counted",
                    () -> a.metrics()
                            .prometheusText()
                            .contains(
                                    "http_server_request_duration_seconds_count{"
                                            + "http_request_method=\"GET\",url_scheme=\"https\",http_response_status_code=\"200\"} 1"));
            RawResponse m = c.get("/metrics").read();
            assertEquals(200, m.status());
            assertTrue(m.text().contains("# TYPE http_server_request_duration_seconds histogram"), m.text());
        } finally {
            a.shutdown(Duration.ofSeconds(5));
        }
    }

    @Test
    void refusesFd0WhenStandardInputIsNotAListeningSocket() {
        IOException e = assertThrows(IOException.class, () -> DemoServer.start(Config.fromArgs("--bind", "fd://0")));
        assertTrue(e.getMessage().startsWith("bind fd://0: standard input is "), e.getMessage());
    }

    /**
     * systemd's {@code StandardInput=socket}, played by a few lines of Python: a listening socket on
     * fd 0, then exec the JVM, which takes it with {@code --bind fd://0}.
     */
    @Test
    void servesOnAListenerInheritedOnStandardInput() throws Exception {
        Path python = Path.of("/usr/bin/python3");
        if (!Files.isExecutable(python)) {
            python = Path.of(System.getProperty("user.home"), ".pyenv", "shims", "python3");
        }
        assumeTrue(Files.isExecutable(python), "python3 is needed to hand a listening socket on fd 0");
        String script = "import os, socket, sys\n"
                + "s = socket.socket()\n"
                + "s.bind(('127.0.0.1', 0))\n"
                + "s.listen(64)\n"
                + "print('PORT', s.getsockname()[1], flush=True)\n"
                + "os.dup2(s.fileno(), 0)\n"
                + "os.execv(sys.argv[1], sys.argv[1:])\n";
        List<String> command = new ArrayList<>(List.of(python.toString(), "-c", script));
        command.addAll(javaCommand("--bind", "fd://0", "--worker-class", "virtual"));
        Path log = Files.createTempFile("corral-fd0", ".log");
        Process p = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        try {
            Await.until("the child is ready", () -> output(log).contains("Demo server ready") || !p.isAlive());
            String out = output(log);
            assertTrue(p.isAlive(), out);
            int port = Integer.parseInt(out.lines()
                    .filter(l -> l.startsWith("PORT "))
                    .findFirst()
                    .orElseThrow()
                    .substring(5)
                    .strip());
            try (RawClient c = RawClient.connect(port)) {
                assertEquals("Hello, World!", c.get("/hello").read().text());
            }
            p.destroy(); // SIGTERM: a graceful shutdown
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), output(log));
        } finally {
            p.destroyForcibly();
            Files.deleteIfExists(log);
        }
    }

    /**
     * Two JVMs on one port with {@code --reuse-port}: this JVM's instance shuts down under
     * keep-alive load while the child's takes over, and not one request fails.
     */
    @Test
    void aSecondJvmSharesThePortAndTakesOverWithoutAFailure() throws Exception {
        Arbiter old = DemoServer.start(
                Config.fromArgs("--bind", "127.0.0.1:0", "--reuse-port", "true", "--worker-class", "virtual"));
        int port = old.port();
        Path log = Files.createTempFile("corral-reuseport", ".log");
        Process child = new ProcessBuilder(
                        javaCommand("--bind", "127.0.0.1:" + port, "--reuse-port", "true", "--worker-class", "virtual"))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        try {
            Await.until("the child is ready", () -> output(log).contains("Demo server ready") || !child.isAlive());
            assertTrue(child.isAlive(), output(log));
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger ok = new AtomicInteger();
            List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
            List<Thread> clients = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                Thread t = new Thread(() -> {
                    RawClient c = null;
                    while (!stop.get()) {
                        try {
                            if (c == null) {
                                c = RawClient.connect(port);
                            }
                            RawResponse r = c.get("/hello").read();
                            if (r.status() == 200) {
                                ok.incrementAndGet();
                            } else {
                                failures.add("status " + r.status());
                            }
                            if (r.closes()) {
                                c.close();
                                c = null;
                            }
                        } catch (IOException e) {
                            failures.add(e.toString());
                            c = null;
                        }
                    }
                });
                t.start();
                clients.add(t);
            }
            Await.until("the load runs", () -> ok.get() > 200);
            assertTrue(old.shutdown(Duration.ofSeconds(10)));
            int at = ok.get();
            Await.until("the child serves on alone", () -> ok.get() > at + 200);
            stop.set(true);
            for (Thread t : clients) {
                t.join(30_000);
            }
            assertEquals(List.of(), failures);
        } finally {
            old.shutdown(Duration.ofSeconds(5));
            child.destroy();
            if (!child.waitFor(30, TimeUnit.SECONDS)) {
                child.destroyForcibly();
            }
            Files.deleteIfExists(log);
        }
    }

    private static List<String> javaCommand(String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx128m");
        command.add("-XX:TieredStopAtLevel=1");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(DemoServer.class.getName());
        command.addAll(List.of(args));
        return command;
    }

    private static String output(Path log) {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
