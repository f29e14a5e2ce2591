package io.corral.examples;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.spi.HttpServerProvider;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * An application written against the JDK's {@code com.sun.net.httpserver} API alone, run on the
 * module path: the JDK must find Corral's provider through the {@code provides} in {@code
 * io.corral.jdkhttp}'s module-info (service binding resolves it; nothing {@code requires} it), and
 * serve one request on the worker model {@code -Dcorral.worker_class} names (virtual by default).
 * Prints the provider and the answer; exits non-zero if either is wrong. Run by the examples' tests.
 */
public final class JdkHttpServerCheck {

    private JdkHttpServerCheck() {}

    /** Serves one request through HttpServer.create and checks who served it. */
    public static void main(String[] args) throws IOException, InterruptedException {
        String provider = HttpServerProvider.provider().getClass().getName();
        System.out.println("provider " + provider);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            byte[] body = "hello from the JDK API".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream os = exchange.getResponseBody()) {
                os.write(body);
            }
        });
        server.start();
        try {
            HttpResponse<String> r = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                                            + server.getAddress().getPort() + "/"))
                                    .timeout(Duration.ofSeconds(30))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            String servedBy = r.headers().firstValue("Server").orElse("?");
            System.out.println("OK jdk-httpserver " + r.statusCode() + " " + r.body() + " server=" + servedBy);
            if (r.statusCode() != 200 || !servedBy.equals("corral")) {
                System.exit(1);
            }
        } finally {
            server.stop(0);
        }
    }
}
