package io.corral.benchmarks.jmh;

import io.corral.http.BadMessageException;
import io.corral.http.Response;
import io.corral.internal.http.Limits;
import io.corral.internal.http.RequestHead;
import io.corral.internal.http.RequestParser;
import io.corral.internal.http.ResponseEncoder;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Throughput of encoding response heads with the shared {@link ResponseEncoder}: the demo's
 * {@code Hello, World!} (content type only) and a typical API answer with five headers of its own.
 * One encoder per thread, reused as a connection reuses it.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ResponseEncoderBenchmark {

    private final ResponseEncoder encoder = new ResponseEncoder();
    private RequestHead get;
    private Response hello;
    private Response api;

    /** Parses the request head once and builds the responses. */
    @Setup
    public void setUp() throws BadMessageException {
        get = new RequestParser(Limits.defaults()).parse(CodecBenchmark.ascii(CodecBenchmark.SMALL_GET));
        hello = Response.of(200).contentType("text/plain").body("Hello, World!");
        api = Response.of(200)
                .contentType("application/json")
                .header("Cache-Control", "no-store")
                .header("ETag", "\"33a64df551425fcc55e4d42a148795d9f25f89d4\"")
                .header("Vary", "Accept-Encoding")
                .header("X-Request-Id", "7f3c9a2e-5b1d-4e8f-9a6c-2d4b8e1f0a3c")
                .body("{\"id\":42,\"name\":\"widget\",\"price\":9.99}");
    }

    /** Encodes the head of {@code 200 Hello, World!}. */
    @Benchmark
    public ByteBuffer encodeHello() {
        return encoder.encode(get, hello, true);
    }

    /** Encodes the head of a JSON answer with five headers. */
    @Benchmark
    public ByteBuffer encodeApiResponse() {
        return encoder.encode(get, api, true);
    }
}
