package io.corral.benchmarks.jdkhttp;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.spi.HttpServerProvider;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * The demo app written against the JDK's {@code com.sun.net.httpserver} API alone, as existing code
 * is: {@code GET /hello} and {@code GET /sleep?ms=N} (a blocking {@code Thread.sleep}), no executor
 * set, so each provider runs it its own default way. The provider is whatever the JVM picks: {@code
 * -Dcom.sun.net.httpserver.HttpServerProvider=...} names it in {@code wrk-jdkhttp.sh}.
 *
 * <pre>
 * java -Dcom.sun.net.httpserver.HttpServerProvider=io.corral.jdkhttp.CorralHttpServerProvider \
 *      -Dcorral.worker_class=virtual -Dcorral.executor=worker \
 *      -cp benchmarks/target/compare.jar io.corral.benchmarks.jdkhttp.JdkApiDemo 127.0.0.1 0
 * </pre>
 *
 * <p>Prints {@code READY <port> <provider class>} once it listens; runs until killed.
 */
public final class JdkApiDemo {

    private static final byte[] HELLO = "Hello, World!".getBytes(StandardCharsets.UTF_8);

    private JdkApiDemo() {}

    /** Starts the app on args[0]:args[1] (default 127.0.0.1:8000). */
    public static void main(String[] args) throws IOException {
        String host = args.length > 0 ? args[0] : "127.0.0.1";
        int port = args.length > 1 ? Integer.parseInt(args[1]) : 8000;
        HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 0);
        server.createContext("/hello", JdkApiDemo::hello);
        server.createContext("/sleep", JdkApiDemo::sleep);
        server.start();
        System.out.println("READY " + server.getAddress().getPort() + " "
                + HttpServerProvider.provider().getClass().getName());
        System.out.flush();
    }

    private static void hello(HttpExchange exchange) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "text/plain");
        exchange.sendResponseHeaders(200, HELLO.length);
        try (OutputStream os = exchange.getResponseBody()) {
            os.write(HELLO);
        }
    }

    private static void sleep(HttpExchange exchange) throws IOException {
        String query = exchange.getRequestURI().getRawQuery();
        long ms = 0;
        if (query != null && query.startsWith("ms=")) {
            ms = Long.parseLong(query.substring(3));
        }
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        byte[] body = ("slept " + ms + " ms\n").getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream os = exchange.getResponseBody()) {
            os.write(body);
        }
    }
}
