package io.corral.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.Arbiter;
import io.corral.Config;
import io.corral.ProxyProtocol;
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
 * upstream with a keep-alive pool, forwarded headers set), and, through nginx's stream module, the
 * PROXY protocol to a second Arbiter, and, with {@code proxy_pass https://} and {@code
 * proxy_ssl_verify on}, TLS to a third that trusts nothing but a CA made at test time ({@link
 * TestCertificates}). Each worker module has a subclass. Skipped where no nginx
 * binary is installed; {@code .ci/run} installs it and its stream module, so CI always runs it.
 * Clients connect from 127.0.0.2, so that the client Corral derives is not nginx's 127.0.0.1.
 */
public abstract class NginxSuite {

    /** Returns the {@code worker_class} under test. */
    protected abstract String workerClass();

    private static final Path NGINX = Path.of("/usr/sbin/nginx");
    private static final Path STREAM_MODULE = Path.of("/usr/lib/nginx/modules/ngx_stream_module.so");
    private static final String CLIENT_IP = "127.0.0.2";
    private static final TestCertificates CERTS = TestCertificates.shared();

    private final TestApp app = new TestApp();
    private Arbiter arbiter;
    private Arbiter proxied; // proxy_protocol v1, behind nginx's stream proxy
    private Arbiter secured; // TLS, behind nginx's proxy_pass https:// with the upstream certificate verified
    private Process nginx;
    private Path prefix;
    private int port;
    private int streamPort;
    private int tlsPort; // nginx, plain, to the TLS upstream

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
        proxied = Arbiter.builder()
                .config(HttpSuite.loopbackSettings(workerClass())
                        .proxyProtocol(ProxyProtocol.V1)
                        .threads(4)
                        .build())
                .handler(app)
                .start();
        secured = Arbiter.builder()
                .config(HttpSuite.loopbackSettings(workerClass())
                        .certfile(CERTS.server().chainPem())
                        .keyfile(CERTS.server().keyPem())
                        .keepalive(Duration.ofSeconds(75))
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
        streamPort = Files.exists(STREAM_MODULE) ? freePort() : 0;
        tlsPort = freePort();
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
        if (proxied != null) {
            proxied.shutdown(Duration.ofSeconds(5));
        }
        if (secured != null) {
            secured.shutdown(Duration.ofSeconds(5));
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

    @Test
    void forwardsTheClientSchemeAndHostAndASpoofedHeaderChangesNothing() throws Exception {
        try (RawClient c = RawClient.connectFrom(CLIENT_IP, port)) {
            c.send("GET /whoami HTTP/1.1\r\nHost: shop.example\r\n\r\n");
            String who = c.read().text();
            assertTrue(who.startsWith("client=127.0.0.2:0 peer=127.0.0.1:"), who + log());
            assertTrue(who.contains(" scheme=http host=shop.example secure=false"), who);
            // a client that sends its own X-Forwarded-For and Forwarded: nginx appends the real
            // address to the first and clears the second; the spoofed part is left of a hop that
            // is not trusted, so the client stays 127.0.0.2
            c.send("GET /whoami HTTP/1.1\r\nHost: shop.example\r\nX-Forwarded-For: 6.6.6.6\r\n"
                    + "Forwarded: for=6.6.6.6\r\n\r\n");
            String spoofed = c.read().text();
            assertTrue(spoofed.startsWith("client=127.0.0.2:0 "), spoofed);
        }
    }

    @Test
    void passesTheClientThroughNginxStreamWithTheProxyProtocol() throws Exception {
        assumeTrue(streamPort != 0, "nginx's stream module is not installed (.ci/run installs libnginx-mod-stream)");
        try (RawClient c = RawClient.connectFrom(CLIENT_IP, streamPort)) {
            int clientPort = c.socket().getLocalPort();
            for (int i = 0; i < 3; i++) { // one PROXY header serves the whole keep-alive connection
                String who = c.get("/whoami").read().text();
                assertTrue(who.startsWith("client=127.0.0.2:" + clientPort + " peer=127.0.0.1:"), who + log());
                assertTrue(who.contains(" proxy=1 "), who);
            }
        }
        assertEquals(
                0,
                Scrape.parse(proxied.metrics().prometheusText())
                        .value("corral_rejections_total{reason=\"proxy_protocol\"}"));
    }

    @Test
    void takesCurlsHaproxyProtocolHeaderAndRefusesAPlainRequest() throws Exception {
        Path curl = Path.of("/usr/bin/curl");
        assumeTrue(Files.isExecutable(curl), "curl is not installed");
        Process p = new ProcessBuilder(
                        curl.toString(), "-s", "--haproxy-protocol", "http://127.0.0.1:" + proxied.port() + "/whoami")
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertTrue(out.startsWith("client=127.0.0.1:") && out.contains(" proxy=1 "), out);
        try (RawClient c = RawClient.connect(proxied.port())) {
            c.get("/whoami");
            assertTrue(c.closedByServer(), "no PROXY header: closed, never answered");
        }
    }

    @Test
    void servesThroughNginxOverVerifiedTlsOnPooledUpstreamConnections() throws Exception {
        try (RawClient c = RawClient.connectFrom(CLIENT_IP, tlsPort)) {
            for (int i = 0; i < 30; i++) {
                RawResponse r = c.get("/whoami").read();
                assertEquals(200, r.status(), log());
                // nginx's hop is TLS (secure); the client it forwards for spoke plain HTTP to nginx
                assertTrue(r.text().startsWith("client=127.0.0.2:0 peer=127.0.0.1:"), r.text());
                assertTrue(r.text().contains(" scheme=http host=test secure=true "), r.text());
            }
            byte[] body = "y".repeat(300_000).getBytes(StandardCharsets.US_ASCII);
            c.send(("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: " + body.length
                            + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            c.send(body);
            RawResponse echoed = c.read();
            assertEquals(200, echoed.status(), log());
            assertEquals(body.length, echoed.body().length);
            assertEquals(500_000, c.get("/stream?chunks=50&size=10000").read().body().length);
        }
        Await.until("all 32 are counted", () -> secured.stats().requestsServed() == 32);
        int open = secured.stats().openConnections();
        assertTrue(open >= 1 && open <= 2, "nginx keeps its few TLS upstream connections alive, open: " + open);
    }

    @Test
    void nginxRefusesTheUpstreamWhenItsCertificateDoesNotNameIt() throws Exception {
        try (RawClient c = RawClient.connect(tlsPort)) {
            assertEquals(502, c.get("/misnamed/hello").read().status(), "verification is on: " + log());
        }
        try (RawClient c = RawClient.connect(tlsPort)) {
            assertEquals("Hello, World!", c.get("/hello").read().text(), "the verified name is served");
        }
        assertTrue(log().contains("certificate"), "nginx says why: " + log());
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
                                streamPort != 0 ? "load_module " + STREAM_MODULE + ";" : "",
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
                                "      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
                                "      proxy_set_header X-Forwarded-Proto $scheme;",
                                "      proxy_set_header X-Forwarded-Host $host;",
                                "      proxy_set_header Forwarded \"\";",
                                "    }",
                                "  }",
                                "  upstream corral_tls {",
                                "    server 127.0.0.1:" + secured.port() + ";",
                                "    keepalive 16;",
                                "    keepalive_timeout 60s;",
                                "  }",
                                "  server {",
                                "    listen 127.0.0.1:" + tlsPort + ";",
                                "    proxy_http_version 1.1;",
                                "    proxy_set_header Connection \"\";",
                                "    proxy_set_header Host $host;",
                                "    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
                                "    proxy_set_header X-Forwarded-Proto $scheme;",
                                "    proxy_set_header Forwarded \"\";",
                                "    proxy_ssl_verify on;",
                                "    proxy_ssl_trusted_certificate " + CERTS.caPem() + ";",
                                "    proxy_ssl_server_name on;",
                                "    location / {",
                                "      proxy_pass https://corral_tls;",
                                "      proxy_ssl_name localhost;",
                                "    }",
                                "    location /misnamed/ {",
                                "      proxy_pass https://corral_tls/;",
                                "      proxy_ssl_name elsewhere.example;",
                                "    }",
                                "  }",
                                "}",
                                streamPort == 0
                                        ? ""
                                        : "stream { server { listen 127.0.0.1:" + streamPort + "; proxy_pass 127.0.0.1:"
                                                + proxied.port() + "; proxy_protocol on; } }"))
                + "\n";
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
