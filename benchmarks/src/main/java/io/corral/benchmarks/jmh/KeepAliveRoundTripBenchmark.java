package io.corral.benchmarks.jmh;

import io.corral.Arbiter;
import io.corral.Config;
import io.corral.benchmarks.compare.ResponseReader;
import io.corral.http.Response;
import io.corral.spi.WorkerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ServiceLoader;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The latency of one request/response on a kept-alive connection under each worker model: an
 * Arbiter on 127.0.0.1:0 with one worker and the {@code /hello} handler, and one blocking client
 * socket that writes {@code GET /hello} and reads the whole response, over and over.
 *
 * <p>It measures what a model adds to an exchange when nothing waits: wake-ups and hand-offs
 * between threads (sync and virtual block a thread in read; async selects), the codec, and
 * loopback TCP. As in the demo server, {@code async} runs the handler as an {@code AsyncHandler}
 * on its event loop; {@code async-offload} runs the same blocking {@code Handler} the other models
 * run, which the async worker hands to its offload pool and back. A model that is not on the class
 * path fails its setup with a message saying so and JMH moves on to the next.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class KeepAliveRoundTripBenchmark {

    private static final byte[] REQUEST =
            "GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    /** The worker model. */
    @Param({"sync", "virtual", "async", "async-offload"})
    public String workerClass;

    private Arbiter arbiter;
    private Socket socket;
    private OutputStream out;
    private InputStream in;
    private final byte[] readBytes = new byte[4096];
    private final ByteBuffer received = ByteBuffer.wrap(readBytes);
    private final ResponseReader reader = new ResponseReader();

    /** Starts the Arbiter and opens the kept-alive connection. */
    @Setup(Level.Trial)
    public void setUp() throws IOException {
        String model = workerClass.equals("async-offload") ? "async" : workerClass;
        TreeSet<String> models = new TreeSet<>();
        for (WorkerFactory f : ServiceLoader.load(WorkerFactory.class)) {
            models.add(f.name());
        }
        if (!models.contains(model)) {
            throw new IllegalStateException("skipped: the " + model + " worker model is not on the class path (found: "
                    + String.join(", ", models) + ")");
        }
        Response hello = Response.of(200).contentType("text/plain").body("Hello, World!");
        Arbiter.Builder builder = Arbiter.builder()
                .config(Config.builder()
                        .bind("127.0.0.1:0")
                        .workerClass(model)
                        .keepalive(Duration.ofSeconds(600))
                        .build());
        if (workerClass.equals("async")) {
            builder.asyncHandler(request -> CompletableFuture.completedFuture(hello));
        } else {
            builder.handler(request -> hello);
        }
        arbiter = builder.start();
        socket = new Socket("127.0.0.1", arbiter.port());
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(10_000);
        out = socket.getOutputStream();
        in = socket.getInputStream();
    }

    /** Closes the connection and shuts the Arbiter down. */
    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        if (socket != null) {
            socket.close();
        }
        if (arbiter != null) {
            arbiter.shutdown(Duration.ofSeconds(5));
        }
    }

    /** One GET /hello and its whole response; returns the status. */
    @Benchmark
    public int roundTrip() throws IOException {
        out.write(REQUEST);
        received.clear();
        while (true) {
            int n = in.read(readBytes, received.position(), readBytes.length - received.position());
            if (n < 0) {
                throw new IOException("the server closed the kept-alive connection");
            }
            received.limit(received.position() + n);
            received.position(0);
            int status = reader.read(received);
            if (status > 0) {
                return status;
            }
            // the reader consumed what it could; keep any unconsumed head bytes at the front
            received.compact();
        }
    }
}
