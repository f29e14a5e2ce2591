package io.corral.benchmarks.peers;

import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The demo server's {@code GET /hello} and {@code GET /sleep?ms=N} routes on Netty, for {@code
 * benchmarks/scripts/wrk-matrix.sh} to put beside Corral's models: /sleep schedules its answer on
 * the channel's event loop, the idiomatic Netty way to wait without a thread.
 *
 * <pre>
 * java -cp benchmarks/target/compare.jar io.corral.benchmarks.peers.NettyDemoServer \
 *     --bind 127.0.0.1:8000 --workers 2 --backlog 8192
 * </pre>
 *
 * <p>Prints {@code READY <port>} once listening and runs until killed. {@code --workers} is the
 * number of serving event loops (default: the CPU count).
 */
public final class NettyDemoServer {

    private static final byte[] HELLO = "Hello, World!".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NOT_FOUND = "Not Found\n".getBytes(StandardCharsets.US_ASCII);

    private NettyDemoServer() {}

    /** Runs the server until the JVM is killed. */
    public static void main(String[] args) throws InterruptedException {
        String bind = "127.0.0.1:8000";
        int workers = Runtime.getRuntime().availableProcessors();
        int backlog = 8192;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--bind" -> bind = args[i + 1];
                case "--workers" -> workers = Integer.parseInt(args[i + 1]);
                case "--backlog" -> backlog = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        int colon = bind.lastIndexOf(':');
        NettyHttpServer server = NettyHttpServer.start(
                bind.substring(0, colon),
                Integer.parseInt(bind.substring(colon + 1)),
                workers,
                backlog,
                (request, loop) -> {
                    QueryStringDecoder uri = new QueryStringDecoder(request.uri());
                    switch (uri.path()) {
                        case "/hello" -> {
                            return CompletableFuture.completedFuture(
                                    new NettyHttpServer.Reply(200, "text/plain", HELLO));
                        }
                        case "/sleep" -> {
                            long ms = Long.parseLong(uri.parameters()
                                    .getOrDefault("ms", List.of("0"))
                                    .get(0));
                            CompletableFuture<NettyHttpServer.Reply> done = new CompletableFuture<>();
                            byte[] body = ("slept " + ms + " ms\n").getBytes(StandardCharsets.US_ASCII);
                            loop.schedule(
                                    () -> done.complete(new NettyHttpServer.Reply(200, "text/plain", body)),
                                    ms,
                                    TimeUnit.MILLISECONDS);
                            return done;
                        }
                        default -> {
                            return CompletableFuture.completedFuture(
                                    new NettyHttpServer.Reply(404, "text/plain", NOT_FOUND));
                        }
                    }
                });
        System.out.println("READY " + server.port());
        System.out.flush();
        server.awaitClose();
    }
}
