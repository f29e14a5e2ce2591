package io.corral.benchmarks.compare;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;

/**
 * The gateway app's one external call: {@code GET} on the slow upstream with the JDK's {@link
 * HttpClient}, blocking ({@link #fetch()}) or not ({@link #fetchAsync()}). Every gateway, Corral's
 * and the peers', calls through this class, so they all pay the same client cost.
 *
 * <p>One client (and so one connection pool) per gateway JVM, HTTP/1.1. Its executor, which runs
 * response handling and completes the futures, is a virtual thread per task rather than the JDK's
 * default cached pool: under thousands of concurrent calls the default pool grows to hundreds of
 * platform threads in every gateway, which would hide the server's own thread count and add the
 * same cost to every model. Thread-safe.
 */
public final class UpstreamClient {

    /** The gateway's answer to its own clients once the upstream answered. */
    public static final byte[] GATEWAY_BODY = "gateway ok\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private final HttpClient client;
    private final HttpRequest request;

    /** Creates a client for the upstream on 127.0.0.1 at {@code port}. */
    public UpstreamClient(int port) {
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10))
                .executor(Executors.newVirtualThreadPerTaskExecutor())
                .build();
        this.request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                .timeout(Duration.ofSeconds(30))
                .GET()
                .build();
    }

    /**
     * Calls the upstream and waits for its answer.
     *
     * @throws IOException if the call failed or the upstream did not answer 200
     */
    public void fetch() throws IOException, InterruptedException {
        check(client.send(request, HttpResponse.BodyHandlers.ofByteArray()));
    }

    /** Calls the upstream; the stage completes when it answered 200, exceptionally otherwise. */
    public CompletableFuture<Void> fetchAsync() {
        return client.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray())
                .thenAccept(r -> {
                    try {
                        check(r);
                    } catch (IOException e) {
                        throw new java.util.concurrent.CompletionException(e);
                    }
                });
    }

    private static void check(HttpResponse<byte[]> response) throws IOException {
        if (response.statusCode() != 200) {
            throw new IOException("upstream answered " + response.statusCode());
        }
    }
}
