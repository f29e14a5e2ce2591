package io.corral.testing;

import io.corral.http.Handler;
import io.corral.http.Request;
import io.corral.http.Response;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The application the end-to-end suite serves, one route per behaviour under test. Thread-safe.
 *
 * <ul>
 *   <li>{@code GET /hello} → {@code Hello, World!}
 *   <li>{@code POST /echo} → the request body
 *   <li>{@code GET /null} → the handler returns null (a bug the server answers with 500)
 *   <li>{@code GET /sleep?ms=N} → 200 after sleeping N ms (interruptibly)
 *   <li>{@code GET /throw} → the handler throws
 *   <li>{@code GET /stream?chunks=N&size=S} → a streamed body of N flushed pieces of S bytes
 *   <li>{@code GET /big?bytes=N} → a fixed body of N bytes
 *   <li>{@code GET /stuck} → blocks, ignoring interrupts, until {@link #release()}
 *   <li>{@code GET /block} → blocks until {@link #unblock()} (counts arrivals in {@link #blocked})
 *   <li>{@code POST /ignore-body} → 200 without reading the body
 *   <li>{@code GET /whoami} → {@code client=IP:PORT peer=IP:PORT scheme=S host=H secure=B proxy=V
 *       authority=A}, where the request came from
 * </ul>
 */
public final class TestApp implements Handler {

    /** How many requests are waiting in {@code /block} or {@code /stuck}. */
    public final AtomicInteger blocked = new AtomicInteger();

    private final AtomicBoolean released = new AtomicBoolean();
    private volatile CountDownLatch gate = new CountDownLatch(1);

    /** Lets every {@code /stuck} request return. */
    public void release() {
        released.set(true);
    }

    /** Lets every {@code /block} request return. */
    public void unblock() {
        gate.countDown();
    }

    /** An address as {@code IP:PORT}, IPv6 in brackets. */
    public static String text(java.net.InetSocketAddress a) {
        String host =
                a.getAddress() != null ? io.corral.internal.net.IpAddresses.text(a.getAddress()) : a.getHostString();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    @Override
    public Response handle(Request request) throws Exception {
        String path = request.path();
        switch (path) {
            case "/hello":
                return Response.ok("Hello, World!");
            case "/echo":
                return Response.of(200)
                        .contentType(request.header("Content-Type").orElse("application/octet-stream"))
                        .body(request.bodyBytes());
            case "/sleep":
                Thread.sleep(Long.parseLong(request.queryParam("ms").orElse("0")));
                return Response.ok("slept");
            case "/throw":
                throw new IllegalStateException("the handler failed on purpose");
            case "/null":
                return null; // a broken handler: the server must answer 500
            case "/stream": {
                int chunks = Integer.parseInt(request.queryParam("chunks").orElse("3"));
                int size = Integer.parseInt(request.queryParam("size").orElse("5"));
                Response response = Response.of(200);
                // a declared length, which the test may have set wrong on purpose
                if (request.queryParam("length").isPresent()) {
                    response = response.header(
                            "Content-Length", request.queryParam("length").get());
                }
                return response.body(out -> {
                    for (int i = 0; i < chunks; i++) {
                        byte[] piece = new byte[size];
                        Arrays.fill(piece, (byte) ('a' + i % 26));
                        out.write(piece);
                        out.flush();
                    }
                });
            }
            case "/big": {
                byte[] body =
                        new byte[Integer.parseInt(request.queryParam("bytes").orElse("1000000"))];
                Arrays.fill(body, (byte) 'x');
                return Response.ok(body);
            }
            case "/stuck":
                blocked.incrementAndGet();
                while (!released.get()) {
                    Thread.interrupted(); // ignores interrupts on purpose
                    LockSupport.parkNanos(5_000_000);
                }
                return Response.ok("unstuck");
            case "/block":
                blocked.incrementAndGet();
                gate.await();
                return Response.ok("unblocked");
            case "/echo-wrapped":
                // a handler that wraps the body's IOException, as much real code does
                try {
                    return Response.ok(request.bodyBytes());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            case "/ignore-body":
                return Response.ok("ignored");
            case "/whoami":
                return Response.ok("client=" + text(request.remoteAddress()) + " peer=" + text(request.peerAddress())
                        + " scheme=" + request.scheme() + " host=" + request.host() + " secure=" + request.secure()
                        + " proxy="
                        + request.proxyHeader()
                                .map(h -> Integer.toString(h.version()))
                                .orElse("-")
                        + " authority="
                        + request.proxyHeader().flatMap(h -> h.authority()).orElse("-"));
            default:
                return Response.text(
                        404, "no route " + new String(path.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8));
        }
    }
}
