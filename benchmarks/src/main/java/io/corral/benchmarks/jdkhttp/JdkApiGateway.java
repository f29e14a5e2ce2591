package io.corral.benchmarks.jdkhttp;

import com.sun.net.httpserver.HttpServer;
import io.corral.benchmarks.compare.GatewayMain;
import io.corral.benchmarks.compare.UpstreamClient;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * The compare gateway written against the JDK's {@code com.sun.net.httpserver} API, as existing
 * code is: one context whose handler calls the upstream with a blocking {@link
 * UpstreamClient#fetch()} and answers {@code 200 gateway ok}, no executor set. Which provider runs
 * it is chosen the way a user chooses, with system properties set before the first {@code
 * HttpServer.create} of the JVM: {@code jdk-builtin} (the JDK's own: handlers on its one
 * dispatcher thread), {@code jdk-robaho}, {@code jdk-jetty} (jetty-http-spi), and {@code jdk-sync},
 * {@code jdk-async}, {@code jdk-virtual} (Corral's provider with {@code corral.executor=worker},
 * {@code workers}, {@code threads} on sync, 10,000 connections per worker, {@code keepalive} 75 s).
 */
public final class JdkApiGateway {

    private static final byte[] BAD = "upstream failed\n".getBytes(StandardCharsets.US_ASCII);

    private JdkApiGateway() {}

    /** Picks the provider for {@code name} and starts the gateway; one per JVM. */
    public static GatewayMain.Running start(String name, UpstreamClient upstream, int workers, int threads, int backlog)
            throws IOException {
        String provider = switch (name) {
            case "jdk-builtin" -> "sun.net.httpserver.DefaultHttpServerProvider";
            case "jdk-robaho" -> "robaho.net.httpserver.DefaultHttpServerProvider";
            case "jdk-jetty" -> "org.eclipse.jetty.http.spi.JettyHttpServerProvider";
            default -> {
                System.setProperty("corral.worker_class", name.substring("jdk-".length()));
                System.setProperty("corral.executor", "worker");
                System.setProperty("corral.workers", Integer.toString(workers));
                System.setProperty("corral.threads", Integer.toString(threads));
                System.setProperty("corral.worker_connections", "10000");
                System.setProperty("corral.keepalive", "75");
                yield "io.corral.jdkhttp.CorralHttpServerProvider";
            }
        };
        System.setProperty("com.sun.net.httpserver.HttpServerProvider", provider);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), backlog);
        server.createContext("/", exchange -> {
            byte[] body;
            int code;
            try {
                upstream.fetch();
                body = UpstreamClient.GATEWAY_BODY;
                code = 200;
            } catch (IOException e) {
                body = BAD;
                code = 502;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
            exchange.getResponseHeaders().set("Content-Type", "text/plain");
            exchange.sendResponseHeaders(code, body.length);
            try (OutputStream os = exchange.getResponseBody()) {
                os.write(body);
            }
        });
        server.start();
        return new GatewayMain.Running() {
            @Override
            public int port() {
                return server.getAddress().getPort();
            }

            @Override
            public void close() {
                server.stop(1);
            }
        };
    }
}
