package io.corral.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.Arbiter;
import io.corral.Config;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A real nginx in front of a worker model, configured as the README recommends (HTTP/1.1 to the
 * upstream with a keep-alive pool). Each worker module has a subclass. Skipped where no nginx
 * binary is installed; {@code .ci/run} installs it, so CI always runs it.
 */
public abstract class NginxSuite {

    /** Returns the {@code worker_class} under test. */
    protected abstract String workerClass();

    private static final Path NGINX = Path.of("/usr/sbin/nginx");

    private final TestApp app = new TestApp();
    private Arbiter arbiter;
    private Process nginx;
    private Path prefix;
    private int port;

    @BeforeEach
    void startBoth() throws Exception {
        assumeTrue(Files.isExecutable(NGINX), "nginx is not installed (.ci/run installs it)");
        arbiter = Arbiter.builder()
                .config(Config.builder()
                        .bind("127.0.0.1:0")
                        .workerClass(workerClass())
                        .threads(8)
                        .keepalive(Duration.ofSeconds(75)) // above nginx's upstream keepalive_timeout (60 s)
                        // the 504 test waits this long; every other request here must finish within it
                        .timeout(Duration.ofSeconds(3))
                        .build())
                .handler(app)
                .start();
        prefix = Files.createTempDirectory("corral-nginx");
        Files.createDirectories(prefix.resolve("logs"));
        Files.createDirectories(prefix.resolve("tmp"));
        // a root master runs its workers as an unprivileged user, which must reach the temp dirs
        Set<PosixFilePermission> open = PosixFilePermissions.fromString("rwxrwxrwx");
        Files.setPosixFilePermissions(prefix, open);
        Files.setPosixFilePermissions(prefix.resolve("tmp"), open);
        port = freePort();
        Path conf = prefix.resolve("nginx.conf");
        Files.writeString(conf, config(arbiter.port(), port));
        nginx = new ProcessBuilder(
                        NGINX.toString(), "-p", prefix.toString(), "-c", conf.toString(), "-g", "daemon off;")
                .redirectErrorStream(true)
                .redirectOutput(prefix.resolve("logs/stdout.log").toFile())
                .start();
        Await.until("nginx listens", () -> {
            try (RawClient c = RawClient.connect(port)) {
                return true;
            } catch (IOException e) {
                if (!nginx.isAlive()) {
                    throw new AssertionError("nginx exited: " + log());
                }
                return false;
            }
        });
    }

    @AfterEach
    void stopBoth() throws Exception {
        app.release();
        app.unblock();
        if (nginx != null) {
            nginx.destroy();
            if (!nginx.waitFor(10, TimeUnit.SECONDS)) {
                nginx.destroyForcibly();
            }
        }
        if (arbiter != null) {
            arbiter.shutdown(Duration.ofSeconds(5));
        }
        if (prefix != null) {
            try (Stream<Path> files = Files.walk(prefix)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    @Test
    void servesThroughNginxOnPooledUpstreamConnections() throws Exception {
        try (RawClient c = RawClient.connect(port)) {
            for (int i = 0; i < 50; i++) {
                RawResponse r = c.get("/hello").read();
                assertEquals(200, r.status(), log());
                assertEquals("Hello, World!", r.text());
            }
        }
        Await.until("all 50 are counted", () -> arbiter.stats().requestsServed() == 50);
        int open = arbiter.stats().openConnections();
        assertTrue(open >= 1 && open <= 2, "nginx keeps its few upstream connections alive, open: " + open);
    }

    @Test
    void passesBodiesBothWays() throws Exception {
        byte[] body = "x".repeat(300_000).getBytes(StandardCharsets.US_ASCII);
        try (RawClient c = RawClient.connect(port)) {
            c.send(("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: " + body.length
                            + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            c.send(body);
            RawResponse r = c.read();
            assertEquals(200, r.status(), log());
            assertEquals(body.length, r.body().length);
            RawResponse streamed = c.get("/stream?chunks=50&size=10000").read();
            assertEquals(500_000, streamed.body().length);
        }
    }

    @Test
    void relaysTheTimeoutAs504AndKeepsServing() throws Exception {
        try (RawClient c = RawClient.connect(port)) {
            assertEquals(504, c.get("/sleep?ms=60000").read().status(), log());
            assertEquals(200, c.get("/hello").read().status());
        }
    }

    private String log() {
        try {
            return Files.readString(prefix.resolve("logs/error.log"))
                    + Files.readString(prefix.resolve("logs/stdout.log"));
        } catch (IOException e) {
            return "(no nginx log: " + e + ")";
        }
    }

    private String config(int upstreamPort, int listenPort) {
        String p = prefix.toString();
        return String.join(
                        "\n",
                        List.of(
                                "worker_processes 1;",
                                "error_log " + p + "/logs/error.log warn;",
                                "pid " + p + "/nginx.pid;",
                                "events { worker_connections 256; }",
                                "http {",
                                "  access_log off;",
                                "  client_body_temp_path " + p + "/tmp/body;",
                                "  proxy_temp_path " + p + "/tmp/proxy;",
                                "  fastcgi_temp_path " + p + "/tmp/fastcgi;",
                                "  uwsgi_temp_path " + p + "/tmp/uwsgi;",
                                "  scgi_temp_path " + p + "/tmp/scgi;",
                                "  upstream corral {",
                                "    server 127.0.0.1:" + upstreamPort + ";",
                                "    keepalive 16;",
                                "    keepalive_timeout 60s;",
                                "  }",
                                "  server {",
                                "    listen 127.0.0.1:" + listenPort + ";",
                                "    location / {",
                                "      proxy_pass http://corral;",
                                "      proxy_http_version 1.1;",
                                "      proxy_set_header Connection \"\";",
                                "      proxy_set_header Host $host;",
                                "    }",
                                "  }",
                                "}"))
                + "\n";
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
