package io.corral.worker.async;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.Arbiter;
import io.corral.Hooks;
import io.corral.http.AsyncHandler;
import io.corral.http.Handler;
import io.corral.http.Response;
import io.corral.testing.Await;
import io.corral.testing.RawClient;
import io.corral.testing.RawResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The async worker streams a request body through a bounded buffer: however large the body and
 * however slow the handler, the loop holds at most {@link RequestBody#MAX_BUFFERED} bytes of it and
 * stops reading the socket when the buffer is full (the seam: the handler's {@code Request.body()}
 * is the {@link RequestBody} itself, whose counters the tests read).
 */
class StreamingBodyTest {

    private static final int BODY = 2 << 20;

    private final Servers servers = new Servers();
    private final ExecutorService clients = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        servers.close();
        clients.shutdownNow();
    }

    private static byte[] randomBody() {
        byte[] b = new byte[BODY];
        new Random(7).nextBytes(b);
        return b;
    }

    private static long crc(byte[] b) {
        CRC32 crc = new CRC32();
        crc.update(b);
        return crc.getValue();
    }

    private Future<?> send(RawClient c, byte[] bytes) {
        return clients.submit(() -> {
            c.send(bytes);
            return null;
        });
    }

    @Test
    void aHandlerThatReadsSlowlyMeetsABufferOfBoundedSizeThatTheLoopStopsFilling() throws Exception {
        Handler slowReader = request -> {
            if (!(request.body() instanceof RequestBody body)) {
                return Response.ok("no body");
            }
            // the client sends 2 MiB at once; the loop must stop at the bound rather than take it all
            Await.until(
                    "the loop stops reading, or runs past the bound",
                    () -> body.paused() || body.received() > RequestBody.MAX_BUFFERED);
            long aheadAtPause = body.received();
            CRC32 crc = new CRC32();
            byte[] piece = new byte[1024];
            long consumed = 0;
            long mostAhead = 0;
            int n;
            while ((n = body.read(piece, 0, piece.length)) >= 0) { // 1 KiB at a time: slower than the client
                crc.update(piece, 0, n);
                consumed += n;
                mostAhead = Math.max(mostAhead, body.received() - consumed);
            }
            return Response.ok(
                    consumed + " " + Long.toHexString(crc.getValue()) + " " + aheadAtPause + " " + mostAhead);
        };
        Arbiter a = servers.start(Servers.settings().limitRequestBody(8 << 20), slowReader);
        byte[] body = randomBody();
        try (RawClient c = RawClient.connect(a.port())) {
            c.send("POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: " + BODY + "\r\n\r\n");
            Future<?> sent = send(c, body);
            RawResponse r = c.read();
            assertEquals(200, r.status(), r.text());
            String[] f = r.text().split(" ");
            assertEquals(BODY, Long.parseLong(f[0]), "every byte came through");
            assertEquals(Long.toHexString(crc(body)), f[1], "intact");
            long aheadAtPause = Long.parseLong(f[2]);
            long mostAhead = Long.parseLong(f[3]);
            assertTrue(aheadAtPause <= RequestBody.MAX_BUFFERED, "the loop stopped at the bound: " + aheadAtPause);
            assertTrue(
                    aheadAtPause >= RequestBody.MAX_BUFFERED - RequestBody.MIN_ROOM,
                    "it stopped because the buffer was full: " + aheadAtPause);
            assertTrue(mostAhead <= RequestBody.MAX_BUFFERED, "never more buffered than the bound: " + mostAhead);
            sent.get();
            assertEquals(200, c.get("/again").read().status(), "the connection stays usable");
        }
    }

    @Test
    void aSubscriberThatAsksForOneBufferHoldsTheLoopAtTheBoundUntilItAsksForMore() throws Exception {
        AtomicReference<RequestBody> seen = new AtomicReference<>();
        AtomicReference<Flow.Subscription> subscription = new AtomicReference<>();
        AtomicInteger pieces = new AtomicInteger();
        AsyncHandler app = request -> {
            seen.set((RequestBody) request.body());
            CompletableFuture<Response> answer = new CompletableFuture<>();
            request.bodyPublisher().subscribe(new Flow.Subscriber<>() {
                private final CRC32 crc = new CRC32();
                private long length;

                @Override
                public void onSubscribe(Flow.Subscription s) {
                    subscription.set(s);
                    s.request(1); // one buffer, then nothing until the test asks for the rest
                }

                @Override
                public void onNext(ByteBuffer piece) {
                    pieces.incrementAndGet();
                    length += piece.remaining();
                    crc.update(piece);
                }

                @Override
                public void onError(Throwable failure) {
                    answer.completeExceptionally(failure);
                }

                @Override
                public void onComplete() {
                    answer.complete(Response.ok(length + " " + Long.toHexString(crc.getValue())));
                }
            });
            return answer;
        };
        Arbiter a = servers.startAsync(Servers.settings().limitRequestBody(8 << 20), app, Hooks.NONE);
        byte[] body = randomBody();
        try (RawClient c = RawClient.connect(a.port())) {
            c.send("POST /subscribe HTTP/1.1\r\nHost: x\r\nContent-Length: " + BODY + "\r\n\r\n");
            Future<?> sent = send(c, body);
            Await.until("the handler has subscribed", () -> seen.get() != null);
            RequestBody rb = seen.get();
            // the first buffer goes out on the loop just after the feed that may pause it: wait for both
            Await.until(
                    "the first buffer is delivered and the loop stops reading, or runs past the bound",
                    () -> pieces.get() > 0 && (rb.paused() || rb.received() > 2L * RequestBody.MAX_BUFFERED));
            assertEquals(1, pieces.get(), "one buffer asked for, one delivered");
            assertTrue(rb.buffered() <= RequestBody.MAX_BUFFERED, "bounded: " + rb.buffered());
            assertTrue(
                    rb.received() <= 2L * RequestBody.MAX_BUFFERED,
                    "the first buffer and at most one more were read: " + rb.received());
            subscription.get().request(Long.MAX_VALUE); // from this thread: the loop takes it over
            RawResponse r = c.read();
            assertEquals(BODY + " " + Long.toHexString(crc(body)), r.text());
            sent.get();
        }
    }

    @Test
    void aHandlerThatReadsNothingOfAnEndlessBodyHoldsAtMostTheBufferThenTheConnectionCloses() throws Exception {
        AtomicReference<RequestBody> seen = new AtomicReference<>();
        CompletableFuture<Response> answer = new CompletableFuture<>();
        AsyncHandler app = request -> {
            seen.set((RequestBody) request.body());
            return answer;
        };
        Arbiter a = servers.startAsync(Servers.settings(), app, Hooks.NONE);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong written = new AtomicLong();
        try (RawClient c = RawClient.connect(a.port())) {
            c.send("POST /endless HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
            Future<?> endless = clients.submit(() -> {
                byte[] chunk = Servers.ascii("1000\r\n" + "x".repeat(4096) + "\r\n");
                OutputStream out = c.socket().getOutputStream();
                try {
                    while (!stop.get()) {
                        out.write(chunk);
                        written.addAndGet(chunk.length);
                    }
                } catch (IOException closed) {
                    // the server closed
                }
                return null;
            });
            Await.until("the handler runs", () -> seen.get() != null);
            RequestBody rb = seen.get();
            Await.until(
                    "the loop stops reading, or runs past the bound",
                    () -> rb.paused() || rb.received() > RequestBody.MAX_BUFFERED);
            assertTrue(rb.received() <= RequestBody.MAX_BUFFERED, "held: " + rb.received());
            long before = rb.received();
            Await.until("the client is held back too", () -> written.get() > 4L * RequestBody.MAX_BUFFERED);
            assertEquals(before, rb.received(), "the loop reads no more while the buffer is full");
            answer.complete(Response.ok("ignored"));
            RawResponse r = c.read();
            assertEquals("ignored", r.text());
            assertTrue(c.closedByServer(), "the rest is more than the server drains: it closes");
            stop.set(true);
            c.socket().close(); // ends the writer
            endless.get();
        }
    }

    @Test
    void anAsyncHandlerThatWouldBlockTheLoopOnTheStreamFailsInsteadOfBlocking() throws Exception {
        AsyncHandler blocking = request -> {
            try {
                return CompletableFuture.completedFuture(Response.ok(request.bodyBytes()));
            } catch (IOException e) {
                return CompletableFuture.failedFuture(e);
            }
        };
        Arbiter a = servers.startAsync(Servers.settings(), blocking, Hooks.NONE);
        try (RawClient c = RawClient.connect(a.port())) {
            // the head alone: the handler runs on the loop before any body byte is there
            RawResponse r = c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n")
                    .read();
            assertEquals(500, r.status(), "an IllegalStateException, not a loop stuck forever");
        }
        try (RawClient c = RawClient.connect(a.port())) {
            assertEquals(200, c.get("/hello").read().status(), "no body: nothing to wait for, and the worker serves");
        }
    }

    @Test
    void aReaderOnAnApplicationThreadFailsWhenTheWorkerIsAborted() throws Exception {
        AtomicReference<Thread> reader = new AtomicReference<>();
        CompletableFuture<Throwable> readerEnded = new CompletableFuture<>();
        AsyncHandler app = request -> CompletableFuture.supplyAsync(
                () -> {
                    reader.set(Thread.currentThread());
                    try {
                        request.body().readAllBytes();
                        readerEnded.complete(null);
                    } catch (Throwable t) {
                        readerEnded.complete(t);
                    }
                    return Response.ok("read");
                },
                clients);
        Arbiter a = servers.startAsync(Servers.settings(), app, Hooks.NONE);
        try (RawClient c = RawClient.connect(a.port())) {
            c.send("POST /read HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789");
            Await.until(
                    "the application's thread waits for the rest of the body",
                    () -> reader.get() != null && reader.get().getState() == Thread.State.WAITING);
            a.shutdown(Duration.ofMillis(100)); // the grace runs out: the worker is aborted
            Throwable t = readerEnded.get(30, TimeUnit.SECONDS);
            assertInstanceOf(IOException.class, t, "the reader fails instead of waiting for a loop that is gone");
        }
    }
}
