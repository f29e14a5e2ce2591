package io.corral.jdkhttp;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.SimpleFileServer;
import com.sun.net.httpserver.spi.HttpServerProvider;
import io.corral.testing.RawClient;
import io.corral.testing.RawResponse;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Two real consumers of the JDK HttpServer API, unchanged, on Corral's provider: the Prometheus
 * Java client's {@code HTTPServer} serving a scrape, and the JDK's {@code SimpleFileServer} serving
 * a directory. Both call {@code HttpServer.create} themselves, so the provider is the one the JDK
 * finds through {@code META-INF/services} on the class path; the worker model comes from the
 * {@code corral.worker_class} system property, as a user would set it.
 */
class UnchangedConsumersTest {

    /** Runs {@code start} with {@code corral.worker_class} set to {@code model}, as -D would. */
    private static <T> T withModel(String model, Callable<T> start) throws Exception {
        assertEquals(
                CorralHttpServerProvider.class,
                HttpServerProvider.provider().getClass(),
                "the JDK picks Corral's provider from the class path");
        System.setProperty("corral.worker_class", model);
        try {
            return start.call();
        } finally {
            System.clearProperty("corral.worker_class");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sync", "async", "virtual"})
    void prometheusHttpServerServesAScrape(String model) throws Exception {
        PrometheusRegistry registry = new PrometheusRegistry();
        Counter requests = Counter.builder()
                .name("corral_test_requests_total")
                .help("requests seen by the test")
                .register(registry);
        requests.inc(3);
        HTTPServer server = withModel(
                model,
                () -> HTTPServer.builder()
                        .hostname("127.0.0.1")
                        .port(0)
                        .registry(registry)
                        .buildAndStart());
        try (RawClient c = RawClient.connect(server.getPort())) {
            RawResponse scrape = c.get("/metrics").read();
            assertEquals(200, scrape.status());
            assertEquals("corral", scrape.header("Server"), "served by Corral");
            assertTrue(scrape.text().contains("corral_test_requests_total 3.0"), scrape.text());

            c.send("GET /metrics HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n");
            RawResponse gzipped = c.read();
            assertEquals("gzip", gzipped.header("Content-Encoding"));
            String unzipped =
                    new String(new GZIPInputStream(new ByteArrayInputStream(gzipped.body())).readAllBytes(), UTF_8);
            assertTrue(unzipped.contains("corral_test_requests_total 3.0"), unzipped);

            assertEquals(200, c.get("/-/healthy").read().status());
        } finally {
            server.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sync", "async", "virtual"})
    void simpleFileServerServesADirectory(String model, @TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("hello.txt"), "Hello from a file\n");
        Files.createDirectory(dir.resolve("sub"));
        Files.write(dir.resolve("sub").resolve("big.bin"), new byte[200_000]);
        HttpServer server = withModel(
                model,
                () -> SimpleFileServer.createFileServer(
                        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                        dir.toAbsolutePath(),
                        SimpleFileServer.OutputLevel.NONE));
        server.start();
        try (RawClient c = RawClient.connect(server.getAddress().getPort())) {
            RawResponse file = c.get("/hello.txt").read();
            assertEquals(200, file.status());
            assertEquals("corral", file.header("Server"), "served by Corral");
            assertEquals("Hello from a file\n", file.text());
            assertTrue(file.header("Content-Type").startsWith("text/plain"), file.header("Content-Type"));

            RawResponse listing = c.get("/").read();
            assertEquals(200, listing.status());
            assertTrue(listing.text().contains("hello.txt"), listing.text());

            RawResponse big = c.get("/sub/big.bin").read();
            assertEquals("200000", big.header("Content-Length"));
            assertEquals(200_000, big.body().length);

            c.send("HEAD /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n");
            RawResponse head = c.read(true);
            assertEquals(200, head.status());
            assertEquals("18", head.header("Content-Length"));

            assertEquals(404, c.get("/missing.txt").read().status());
        } catch (IOException e) {
            throw new AssertionError(e);
        } finally {
            server.stop(0);
        }
    }
}
