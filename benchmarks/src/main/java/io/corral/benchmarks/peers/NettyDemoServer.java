package io.corral.benchmarks.peers;

import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;

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
 * number of serving event loops (default: the CPU count). {@code --keystore FILE --keystore-password
 * P} serves HTTPS from a PKCS#12 keystore through Netty's {@code SslHandler} with the JDK's TLS
 * provider, TLS 1.3 and 1.2, as Corral's models do, for {@code benchmarks/scripts/tls-matrix.sh}.
 */
public final class NettyDemoServer {

    private static final byte[] HELLO = "Hello, World!".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NOT_FOUND = "Not Found\n".getBytes(StandardCharsets.US_ASCII);

    private NettyDemoServer() {}

    /** A server-side TLS context from a PKCS#12 keystore: the JDK provider, TLS 1.3 and 1.2. */
    private static SslContext tls(String keystore, String password) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(Path.of(keystore))) {
            ks.load(in, password.toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, password.toCharArray());
        return SslContextBuilder.forServer(kmf)
                .sslProvider(SslProvider.JDK)
                .protocols("TLSv1.3", "TLSv1.2")
                .build();
    }

    /** Runs the server until the JVM is killed. */
    public static void main(String[] args) throws Exception {
        String bind = "127.0.0.1:8000";
        int workers = Runtime.getRuntime().availableProcessors();
        int backlog = 8192;
        String keystore = null;
        String password = "";
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--bind" -> bind = args[i + 1];
                case "--keystore" -> keystore = args[i + 1];
                case "--keystore-password" -> password = args[i + 1];
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
                keystore == null ? null : tls(keystore, password),
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
