package io.corral.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.Arbiter;
import io.corral.ProxyProtocol;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A real HAProxy in front of a worker model, configured with the README's snippets: HTTP mode with
 * {@code option forwardfor} to one Arbiter, and TCP mode with {@code send-proxy-v2} to a second
 * that requires the PROXY protocol version 2. Each worker module has a subclass. Skipped where no
 * haproxy binary is installed; {@code .ci/run} installs it, so CI always runs it. Clients connect
 * from 127.0.0.2, so that the client Corral derives is not HAProxy's 127.0.0.1.
 */
public abstract class HaproxySuite {

    /** Returns the {@code worker_class} under test. */
    protected abstract String workerClass();

    private static final Path HAPROXY = Path.of("/usr/sbin/haproxy");
    private static final String CLIENT_IP = "127.0.0.2";

    private final TestApp app = new TestApp();
    private Arbiter forwarded; // behind HAProxy's HTTP mode
    private Arbiter proxied; // proxy_protocol v2, behind HAProxy's TCP mode
    private Process haproxy;
    private Path dir;
    private int httpPort;
    private int tcpPort;

    @BeforeEach
    void start() throws Exception {
        assumeTrue(Files.isExecutable(HAPROXY), "haproxy is not installed (.ci/run installs it)");
        forwarded = Arbiter.builder()
                .config(HttpSuite.loopbackSettings(workerClass()).threads(4).build())
                .handler(app)
                .start();
        proxied = Arbiter.builder()
                .config(HttpSuite.loopbackSettings(workerClass())
                        .proxyProtocol(ProxyProtocol.V2)
                        .threads(4)
                        .build())
                .handler(app)
                .start();
        dir = Files.createTempDirectory("corral-haproxy");
        httpPort = freePort();
        tcpPort = freePort();
        Path conf = dir.resolve("haproxy.cfg");
        Files.writeString(conf, config());
        haproxy = new ProcessBuilder(HAPROXY.toString(), "-db", "-f", conf.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("haproxy.log").toFile())
                .start();
        for (int port : new int[] {httpPort, tcpPort}) {
            Await.until("haproxy listens on " + port, () -> {
                try (RawClient c = RawClient.connect(port)) {
                    return true;
                } catch (IOException e) {
                    if (!haproxy.isAlive()) {
                        throw new AssertionError("haproxy exited: " + log());
                    }
                    return false;
                }
            });
        }
    }

    @AfterEach
    void stop() throws Exception {
        if (haproxy != null) {
            haproxy.destroy();
            if (!haproxy.waitFor(10, TimeUnit.SECONDS)) {
                haproxy.destroyForcibly();
            }
        }
        for (Arbiter a : new Arbiter[] {forwarded, proxied}) {
            if (a != null) {
                a.shutdown(java.time.Duration.ofSeconds(5));
            }
        }
        if (dir != null) {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    @Test
    void derivesTheClientFromHaproxysForwardForAndSpoofedHeadersChangeNothing() throws Exception {
        try (RawClient c = RawClient.connectFrom(CLIENT_IP, httpPort)) {
            c.send("GET /whoami HTTP/1.1\r\nHost: shop.example\r\n\r\n");
            String who = c.read().text();
            assertTrue(who.startsWith("client=127.0.0.2:0 peer=127.0.0.1:"), who + log());
            assertTrue(who.contains(" scheme=http host=shop.example secure=false"), who);
            // a client that writes every forwarded header itself: HAProxy appends its own
            // X-Forwarded-For line after the spoofed one, sets X-Forwarded-Proto and deletes the
            // rest, so neither the client, the scheme nor the host can be forged through it
            c.send("GET /whoami HTTP/1.1\r\nHost: shop.example\r\nX-Forwarded-For: 6.6.6.6\r\n"
                    + "Forwarded: for=6.6.6.6;proto=https\r\nX-Forwarded-Proto: https\r\n"
                    + "X-Forwarded-Host: evil.example\r\nX-Forwarded-Ssl: on\r\n\r\n");
            String spoofed = c.read().text();
            assertTrue(spoofed.startsWith("client=127.0.0.2:0 "), spoofed + log());
            assertTrue(spoofed.contains(" scheme=http host=shop.example secure=false"), spoofed);
        }
    }

    @Test
    void passesTheClientThroughHaproxysTcpModeWithProxyProtocolVersion2() throws Exception {
        try (RawClient c = RawClient.connectFrom(CLIENT_IP, tcpPort)) {
            int clientPort = c.socket().getLocalPort();
            for (int i = 0; i < 3; i++) { // one PROXY header serves the whole keep-alive connection
                String who = c.get("/whoami").read().text();
                assertTrue(who.startsWith("client=127.0.0.2:" + clientPort + " peer=127.0.0.1:"), who + log());
                assertTrue(who.contains(" proxy=2 "), who);
            }
        }
        assertEquals(
                0,
                Scrape.parse(proxied.metrics().prometheusText())
                        .value("corral_rejections_total{reason=\"proxy_protocol\"}"));
    }

    private String log() {
        try {
            return "\nhaproxy log:\n" + Files.readString(dir.resolve("haproxy.log"));
        } catch (IOException e) {
            return "(no haproxy log: " + e + ")";
        }
    }

    /** The README's snippets, with loopback addresses and ports. */
    private String config() {
        return String.join(
                        "\n",
                        List.of(
                                "defaults",
                                "    timeout connect 5s",
                                "    timeout client 30s",
                                "    timeout server 30s",
                                "frontend http_in",
                                "    mode http",
                                "    bind 127.0.0.1:" + httpPort,
                                "    default_backend corral",
                                "backend corral",
                                "    mode http",
                                "    option forwardfor",
                                "    http-request set-header X-Forwarded-Proto https if { ssl_fc }",
                                "    http-request set-header X-Forwarded-Proto http if !{ ssl_fc }",
                                "    http-request del-header Forwarded",
                                "    http-request del-header X-Forwarded-Host",
                                "    http-request del-header X-Forwarded-Protocol",
                                "    http-request del-header X-Forwarded-Ssl",
                                "    server app1 127.0.0.1:" + forwarded.port(),
                                "frontend tcp_in",
                                "    mode tcp",
                                "    bind 127.0.0.1:" + tcpPort,
                                "    default_backend corral_tcp",
                                "backend corral_tcp",
                                "    mode tcp",
                                "    server app1 127.0.0.1:" + proxied.port() + " send-proxy-v2"))
                + "\n";
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
