package io.corral.benchmarks.jmh;

import io.corral.http.BadMessageException;
import io.corral.internal.http.BodyDecoder;
import io.corral.internal.http.Limits;
import io.corral.internal.http.RequestHead;
import io.corral.internal.http.RequestParser;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
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
 * Throughput of the shared HTTP/1.1 codec, the cost every worker model pays per request: parsing a
 * small GET, a 20-header browser request, and a request with a chunked body (head and body).
 *
 * <p>Each invocation parses the whole request from one buffer that already holds it, as on a
 * kept-alive connection whose request arrived in one read. One parser per thread, reused across
 * requests as a connection reuses it.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class CodecBenchmark {

    static final String SMALL_GET = "GET /hello HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n\r\n";

    static final String BROWSER = "GET /products/42/reviews?page=2&sort=recent HTTP/1.1\r\n"
            + "Host: shop.example.com\r\n"
            + "Connection: keep-alive\r\n"
            + "Cache-Control: max-age=0\r\n"
            + "sec-ch-ua: \"Chromium\";v=\"130\", \"Google Chrome\";v=\"130\", \"Not?A_Brand\";v=\"99\"\r\n"
            + "sec-ch-ua-mobile: ?0\r\n"
            + "sec-ch-ua-platform: \"Linux\"\r\n"
            + "Upgrade-Insecure-Requests: 1\r\n"
            + "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)"
            + " Chrome/130.0.0.0 Safari/537.36\r\n"
            + "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
            + "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7\r\n"
            + "Sec-Fetch-Site: same-origin\r\n"
            + "Sec-Fetch-Mode: navigate\r\n"
            + "Sec-Fetch-User: ?1\r\n"
            + "Sec-Fetch-Dest: document\r\n"
            + "Referer: https://shop.example.com/products/42\r\n"
            + "Accept-Encoding: gzip, deflate, br, zstd\r\n"
            + "Accept-Language: en-GB,en-US;q=0.9,en;q=0.8\r\n"
            + "Cookie: session=5f2b1c9e8d7a6b5c4d3e2f1a0b9c8d7e; theme=dark; consent=yes; cart=3\r\n"
            + "If-None-Match: \"33a64df551425fcc55e4d42a148795d9f25f89d4\"\r\n"
            + "If-Modified-Since: Wed, 21 Oct 2026 07:28:00 GMT\r\n"
            + "Priority: u=0, i\r\n"
            + "\r\n";

    /** A POST with a 4 KiB body in 16 chunks of 256 bytes, with an extension and a trailer. */
    static final String CHUNKED = chunkedRequest();

    private final RequestParser parser = new RequestParser(Limits.defaults());
    private final Limits limits = Limits.defaults();
    private final byte[] body = new byte[8192];
    private ByteBuffer small;
    private ByteBuffer browser;
    private ByteBuffer chunked;

    /** Wraps the requests once. */
    @Setup
    public void setUp() {
        small = ascii(SMALL_GET);
        browser = ascii(BROWSER);
        chunked = ascii(CHUNKED);
    }

    /** Parses a minimal GET, as wrk or a health check sends it. */
    @Benchmark
    public RequestHead parseSmallGet() throws BadMessageException {
        small.position(0);
        return parser.parse(small);
    }

    /** Parses a 20-header request as a browser sends it. */
    @Benchmark
    public RequestHead parseBrowserRequest() throws BadMessageException {
        browser.position(0);
        return parser.parse(browser);
    }

    /** Parses a chunked POST's head and decodes its 4 KiB body; returns the body length. */
    @Benchmark
    public int parseChunkedBody() throws BadMessageException {
        chunked.position(0);
        RequestHead head = parser.parse(chunked);
        BodyDecoder decoder = BodyDecoder.forHead(head, limits);
        int total = 0;
        int n;
        while ((n = decoder.read(chunked, body, 0, body.length)) >= 0) {
            total += n;
        }
        return total;
    }

    static ByteBuffer ascii(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
    }

    private static String chunkedRequest() {
        StringBuilder sb = new StringBuilder("POST /upload HTTP/1.1\r\n"
                + "Host: 127.0.0.1:8000\r\n"
                + "Content-Type: application/octet-stream\r\n"
                + "Transfer-Encoding: chunked\r\n"
                + "\r\n");
        String data = "x".repeat(256);
        for (int i = 0; i < 16; i++) {
            sb.append("100");
            if (i == 0) {
                sb.append(";name=value");
            }
            sb.append("\r\n").append(data).append("\r\n");
        }
        return sb.append("0\r\nX-Checksum: 1234\r\n\r\n").toString();
    }
}
