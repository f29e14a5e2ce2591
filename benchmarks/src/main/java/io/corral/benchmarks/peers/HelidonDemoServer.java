package io.corral.benchmarks.peers;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import java.nio.charset.StandardCharsets;

/**
 * The demo server's {@code GET /hello} and {@code GET /sleep?ms=N} routes on Helidon 4 SE, for the
 * benchmark scripts to put beside Corral's virtual worker: Helidon also runs every connection on a
 * virtual thread, so {@code /sleep} is a plain {@code Thread.sleep}, as on Corral's {@code virtual}.
 *
 * <pre>
 * java -cp benchmarks/target/compare.jar io.corral.benchmarks.peers.HelidonDemoServer \
 *     --bind 127.0.0.1:8000 --backlog 8192
 * </pre>
 *
 * <p>Prints {@code READY <port>} once listening and runs until killed. Helidon's defaults otherwise:
 * no connection or concurrency limit.
 */
public final class HelidonDemoServer {

    private static final byte[] HELLO = "Hello, World!".getBytes(StandardCharsets.US_ASCII);

    private HelidonDemoServer() {}

    /** Runs the server until the JVM is killed. */
    public static void main(String[] args) throws InterruptedException {
        String bind = "127.0.0.1:8000";
        int backlog = 8192;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--bind" -> bind = args[i + 1];
                case "--backlog" -> backlog = Integer.parseInt(args[i + 1]);
                case "--workers" -> {
                    // accepted for the scripts' sake: Helidon has no worker count
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        int colon = bind.lastIndexOf(':');
        WebServer server = WebServer.builder()
                .host(bind.substring(0, colon))
                .port(Integer.parseInt(bind.substring(colon + 1)))
                .backlog(backlog)
                .routing(routing -> routing.get("/hello", (req, res) -> {
                            res.header(HeaderNames.CONTENT_TYPE, "text/plain");
                            res.send(HELLO);
                        })
                        .get("/sleep", (req, res) -> {
                            long ms = Long.parseLong(req.query().first("ms").orElse("0"));
                            Thread.sleep(ms);
                            res.header(HeaderNames.CONTENT_TYPE, "text/plain");
                            res.send(("slept " + ms + " ms\n").getBytes(StandardCharsets.US_ASCII));
                        })
                        .any((req, res) -> res.status(Status.NOT_FOUND_404).send("Not Found\n")))
                .build()
                .start();
        System.out.println("READY " + server.port());
        System.out.flush();
        Thread.currentThread().join();
    }
}
