package io.corral.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.Arbiter;
import io.corral.Config;
import io.corral.Hooks;
import io.corral.http.AsyncHandler;
import io.corral.http.Handler;
import io.corral.http.Request;
import io.corral.http.Response;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Request bodies on every worker model and in every way a handler can consume one: each worker
 * module has a subclass that names its model. The same body rules hold everywhere: the body streams
 * to the handler (never held whole by the server), a wait for body bytes is bounded by {@code
 * header_timeout} (408), a body cut short is 400, one over {@code limit_request_body} 413, {@code
 * 100 Continue} goes out when the body is first asked for, and an unread rest is drained (small)
 * or closes the connection (large). Each test starts its own Arbiter on 127.0.0.1, port 0.
 */
public abstract class RequestBodySuite {

    /** Returns the {@code worker_class} under test. */
    protected abstract String workerClass();

    /** How the handler consumes the body. */
    protected enum Consumer {
        /** A blocking {@link Handler} reads {@link Request#body()} in 1 KiB reads. */
        STREAM,
        /** An {@link AsyncHandler} asks for it whole with {@link Request#bodyBytesAsync()}. */
        WHOLE,
        /**
         * An {@link AsyncHandler} subscribes to {@link Request#bodyPublisher()} and asks for one
         * buffer at a time, from a thread of its own, checking that signals never overlap and never
         * outrun its demand.
         */
        PUBLISHER
    }

    private static final int LIMIT = 8 << 20;

    private final List<Arbiter> started = new CopyOnWriteArrayList<>();
    private final ExecutorService clients = Executors.newCachedThreadPool();
    private final ExecutorService appThreads = Executors.newCachedThreadPool();
    /** How many handlers have started on {@code /digest}. */
    private final AtomicInteger handlersStarted = new AtomicInteger();
    /** {@code /digest?gated} asks for the body only once this completes. */
    private final CompletableFuture<Void> gate = new CompletableFuture<>();

    @AfterEach
    void stopEverything() {
        for (Arbiter a : started) {
            a.shutdown(Duration.ofSeconds(5));
        }
        clients.shutdownNow();
        appThreads.shutdownNow();
    }

    /** The suite's settings: {@link HttpSuite#loopbackSettings}, with an 8 MiB body limit. */
    protected Config.Builder settings() {
        return HttpSuite.loopbackSettings(workerClass()).limitRequestBody(LIMIT);
    }

    private Arbiter start(Consumer consumer, Config.Builder config) throws IOException {
        Arbiter.Builder b = Arbiter.builder().config(config.build()).hooks(Hooks.NONE);
        b = consumer == Consumer.STREAM ? b.handler(streamApp()) : b.asyncHandler(asyncApp(consumer));
        Arbiter a = b.start();
        started.add(a);
        return a;
    }

    private Arbiter start(Consumer consumer) throws IOException {
        return start(consumer, settings());
    }

    // ---- the applications -------------------------------------------------------------------

    /** {@code /digest} reads the body through {@link Request#body()} and answers its digest. */
    private Handler streamApp() {
        return request -> switch (request.path()) {
            case "/digest" -> {
                handlersStarted.incrementAndGet();
                if (request.queryParam("gated").isPresent()) {
                    gate.join();
                }
                Digest d = new Digest();
                InputStream in = request.body();
                byte[] piece = new byte[1024];
                int n;
                while ((n = in.read(piece)) >= 0) {
                    d.update(ByteBuffer.wrap(piece, 0, n));
                }
                yield Response.ok(d.toString());
            }
            case "/ignore" -> Response.ok("ignored");
            default -> Response.ok("Hello");
        };
    }

    /** The same routes, consuming the body without blocking. */
    private AsyncHandler asyncApp(Consumer consumer) {
        return request -> switch (request.path()) {
            case "/digest" -> {
                handlersStarted.incrementAndGet();
                CompletionStage<Void> ready =
                        request.queryParam("gated").isPresent() ? gate : CompletableFuture.completedFuture(null);
                yield ready.thenCompose(v -> digest(request, consumer)).thenApply(Response::ok);
            }
            case "/ignore" -> CompletableFuture.completedFuture(Response.ok("ignored"));
            default -> CompletableFuture.completedFuture(Response.ok("Hello"));
        };
    }

    private CompletionStage<String> digest(Request request, Consumer consumer) {
        if (consumer == Consumer.WHOLE) {
            CompletionStage<byte[]> whole = request.queryParam("max")
                    .map(max -> request.bodyBytesAsync(Integer.parseInt(max)))
                    .orElseGet(request::bodyBytesAsync);
            return whole.thenApply(bytes -> Digest.of(bytes));
        }
        DigestSubscriber s = new DigestSubscriber(appThreads);
        request.bodyPublisher().subscribe(s);
        return s.result;
    }

    /** A body's length and CRC-32, as {@code "LENGTH CRC"}. Not thread-safe. */
    static final class Digest {
        private final CRC32 crc = new CRC32();
        private long length;

        Digest update(ByteBuffer bytes) {
            length += bytes.remaining();
            crc.update(bytes);
            return this;
        }

        static String of(byte[] bytes) {
            return new Digest().update(ByteBuffer.wrap(bytes)).toString();
        }

        @Override
        public String toString() {
            return length + " " + Long.toHexString(crc.getValue());
        }
    }

    /**
     * Digests a published body, asking for one buffer at a time: the first from {@code onSubscribe},
     * each next from {@code executor} once the last has been taken. Fails its result if signals
     * overlap or outrun the demand.
     */
    static final class DigestSubscriber implements Flow.Subscriber<ByteBuffer> {
        final CompletableFuture<String> result = new CompletableFuture<>();
        private final ExecutorService executor;
        private final AtomicInteger inSignal = new AtomicInteger();
        private final AtomicLong outstanding = new AtomicLong();
        private final Digest digest = new Digest();
        private volatile Flow.Subscription subscription;

        DigestSubscriber(ExecutorService executor) {
            this.executor = executor;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            outstanding.incrementAndGet();
            s.request(1);
        }

        @Override
        public void onNext(ByteBuffer piece) {
            enter();
            if (outstanding.decrementAndGet() < 0) {
                result.completeExceptionally(new AssertionError("onNext beyond the demand"));
            }
            digest.update(piece);
            leave();
            executor.execute(() -> {
                outstanding.incrementAndGet();
                subscription.request(1);
            });
        }

        @Override
        public void onError(Throwable failure) {
            enter();
            result.completeExceptionally(failure);
            leave();
        }

        @Override
        public void onComplete() {
            enter();
            result.complete(digest.toString());
            leave();
        }

        private void enter() {
            if (inSignal.getAndIncrement() != 0) {
                result.completeExceptionally(new AssertionError("signals overlap"));
            }
        }

        private void leave() {
            inSignal.decrementAndGet();
        }
    }

    private static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Writes {@code bytes} on a thread of its own, since the server may hold the client back. */
    private Future<?> sendInBackground(RawClient c, byte[] bytes) {
        return clients.submit(() -> {
            c.send(bytes);
            return null;
        });
    }

    // ---- streaming --------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(Consumer.class)
    void streamsABodyFarLargerThanTheServersBufferIntact(Consumer consumer) throws Exception {
        Arbiter a = start(consumer);
        byte[] body = randomBytes(3 << 20, 1);
        try (RawClient c = RawClient.connect(a.port())) {
            c.send("POST /digest HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length + "\r\n\r\n");
            Future<?> sent = sendInBackground(c, body);
            RawResponse r = c.read();
            assertEquals(200, r.status(), r.text());
            assertEquals(Digest.of(body), r.text());
            sent.get();
            assertFalse(r.closes());
            assertEquals("Hello", c.get("/hello").read().text(), "the connection stays usable");
        }
    }

    @ParameterizedTest
    @EnumSource(Consumer.class)
    void streamsAChunkedBodyIntact(Consumer consumer) throws Exception {
        Arbiter a = start(consumer);
        byte[] body = randomBytes(300_000, 2);
        StringBuilder chunked =
                new StringBuilder("POST /digest HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
        int[] sizes = {1, 7, 4096, 65_536, 100_000, 3};
        int done = 0;
        for (int i = 0; done < body.length; i++) {
            int n = Math.min(sizes[i % sizes.length], body.length - done);
            chunked.append(Integer.toHexString(n)).append(";ext=").append(i).append("\r\n");
            chunked.append(new String(body, done, n, StandardCharsets.ISO_8859_1))
                    .append("\r\n");
            done += n;
        }
        chunked.append("0\r\nX-Trailer: t\r\n\r\n");
        try (RawClient c = RawClient.connect(a.port())) {
            Future<?> sent = sendInBackground(c, ascii(chunked.toString()));
            RawResponse r = c.read();
            assertEquals(Digest.of(body), r.text());
            sent.get();
            assertEquals("Hello", c.get("/hello").read().text(), "the connection stays usable");
        }
    }

    @ParameterizedTest
    @EnumSource(Consumer.class)
    void runsTheHandlerAsSoonAsTheHeadArrives(Consumer consumer) throws Exception {
        Arbiter a = start(consumer);
        try (RawClient c = RawClient.connect(a.port())) {
            c.send("POST /digest HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\n");
            Await.until("the handler runs with none of the body there yet", () -> handlersStarted.get() == 1);
            RawResponse r = c.send("ping").read();
            assertEquals(Digest.of(ascii("ping")), r.text());
        }
    }

    @ParameterizedTest
    @EnumSource(Consumer.class)
    void sendsContinueWhenTheHandlerFirstAsksForTheBody(Consumer consumer) throws Exception {
        Arbiter a = start(consumer);
        try (RawClient c = RawClient.connect(a.port())) {
            c.send("POST /digest?gated HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
            Await.until("the handler runs", () -> handlersStarted.get() == 1);
            assertTrue(c.silentFor(Duration.ofMillis(300)), "no 100 Continue before the handler asks for the body");
            gate.complete(null); // now it asks
            RawResponse interim = c.read();
            assertEquals(100, interim.status(), "the handler asked for the body: the client is told to send it");
            RawResponse r = c.send("ping").read();
            assertEquals(200, r.status());
            assertEquals(Digest.of(ascii("ping")), r.text());
            assertFalse(r.closes());
            assertEquals("Hello", c.get("/hello").read().text());
        }
    }

    @ParameterizedTest
    @EnumSource(Consumer.class)
    void sendsNoContinueAndClosesWhenTheHandlerAnswersWithoutAskingForTheBody(Consumer consumer) throws Exception {
        Arbiter a = start(consumer);
        try (RawClient c = RawClient.connect(a.port())) {
            c.send("POST /ignore HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
            RawResponse r = c.read();
            assertEquals(200, r.status(), "a final response, no 100 Continue");
            assertTrue(r.closes(), "whether the client sends the body now is unknowable: the connection closes");
            assertTrue(c.closedByServer());
        }
    }

    // ---- what the handler leaves unread ----------------------------------------------------

    @ParameterizedTest
    @EnumSource(Consumer.class)
    void keepsTheConnectionWhenTheHandlerIgnoresASmallBody(Consumer consumer) throws Exception {
        Arbiter a = start(consumer);
        try (RawClient c = RawClient.connect(a.port())) {
            RawResponse r = c.send("POST /ignore HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789")
                    .read();
            assertEquals("ignored", r.text());
            assertFalse(r.closes());
            assertEquals("Hello", c.get("/hello").read().text(), "the unread body was drained");
            RawResponse chunked = c.send(
                            "POST /ignore HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
                    .read();
            assertEquals("ignored", chunked.text());
            assertEquals("Hello", c.get("/hello").read().text(), "the unread chunked body was drained");
        }
    }

    @ParameterizedTest
    @EnumSource(Consumer.class)
    void closesAfterAnsweringWhenTheHandlerIgnoresALargeBody(Consumer consumer) throws Exception {
        // a header_timeout far beyond the client's read timeout: a server that waited for the rest
        // of the body instead of closing would fail the test, not end it with a 408-style close
        Arbiter a = start(consumer, settings().headerTimeout(Duration.ofMinutes(5)));
        try (RawClient c = RawClient.connect(a.port())) {
            // 100 KiB of a 1 MB body: more than the server drains, little enough that it can read
            // all of it while it closes, so the close is clean rather than a reset
            c.send("POST /ignore HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n");
            c.send(new byte[100 * 1024]);
            RawResponse r = c.read();
            assertEquals("ignored", r.text());
            assertTrue(c.closedByServer(), "draining 900 KB more would cost too much: the connection closes");
        }
        assertEquals(200, Probes.getHello(a), "the worker still serves");
    }

    // ---- the client's errors ----------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(Consumer.class)
    void answersABodyCutShortWith400(Consumer consumer) throws Exception {
        Arbiter a = start(consumer);
        try (RawClient c = RawClient.connect(a.port())) {
            c.send("POST /digest HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789");
            c.shutdownOutput();
            RawResponse r = c.read();
            assertEquals(400, r.status(), r.text());
            assertTrue(r.closes());
            assertTrue(c.closedByServer());
        }
        assertEquals("Hello", Probes.helloText(a), "the worker still serves");
    }

    @ParameterizedTest
    @EnumSource(Consumer.class)
    void answers408WhenTheBodyStallsPastHeaderTimeout(Consumer consumer) throws Exception {
        Arbiter a = start(consumer, settings().headerTimeout(Duration.ofMillis(500)));
        try (RawClient c = RawClient.connect(a.port())) {
            RawResponse r = c.send("POST /digest HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789")
                    .read();
            assertEquals(408, r.status(), r.text());
            assertTrue(r.closes());
            assertTrue(c.closedByServer());
        }
        assertEquals("Hello", Probes.helloText(a), "the worker still serves");
    }

    @ParameterizedTest
    @EnumSource(Consumer.class)
    void refusesAnEndlessChunkedBodyWith413AtTheLimit(Consumer consumer) throws Exception {
        Arbiter a = start(consumer, settings().limitRequestBody(100_000));
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong written = new AtomicLong();
        try (RawClient c = RawClient.connect(a.port())) {
            c.send("POST /digest HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
            Future<?> endless = clients.submit(() -> {
                byte[] chunk = ascii("1000\r\n" + "x".repeat(4096) + "\r\n");
                OutputStream out = c.socket().getOutputStream();
                try {
                    while (!stop.get()) {
                        out.write(chunk); // never ends: the server must refuse it, not wait for its end
                        written.addAndGet(4096);
                    }
                } catch (IOException closed) {
                    // the server closed after its 413
                }
                return null;
            });
            RawResponse r = c.read();
            assertEquals(413, r.status(), r.text());
            assertTrue(r.closes());
            stop.set(true);
            c.socket().close(); // ends the writer
            endless.get();
        }
        assertEquals("Hello", Probes.helloText(a), "the worker still serves");
    }

    // ---- the non-blocking consumers' own rules -----------------------------------------------

    @Test
    void refusesAWholeBodyLargerThanTheHandlersMaximumWith413() throws Exception {
        Arbiter a = start(Consumer.WHOLE);
        try (RawClient c = RawClient.connect(a.port())) {
            RawResponse r = c.send("POST /digest?max=10 HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\n\r\n"
                            + "0123456789abcdefghij")
                    .read();
            assertEquals(413, r.status(), r.text());
            assertTrue(r.closes());
        }
        try (RawClient c = RawClient.connect(a.port())) {
            RawResponse r = c.send("POST /digest?max=10 HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789")
                    .read();
            assertEquals(Digest.of(ascii("0123456789")), r.text(), "up to the maximum is fine");
        }
    }

    @Test
    void takesOneSubscriberAndOnlyPositiveDemand() throws Exception {
        AsyncHandler rules = request -> {
            List<String> seen = new CopyOnWriteArrayList<>();
            Flow.Publisher<ByteBuffer> body = request.bodyPublisher();
            body.subscribe(new Recorder(seen, 0)); // request(0): onError, rule 3.9
            body.subscribe(new Recorder(seen, -1)); // a second subscriber: onError, the body is read once
            CompletableFuture<Response> answer = new CompletableFuture<>();
            request.bodyBytesAsync().whenComplete((bytes, failure) -> {
                seen.add("bodyBytesAsync "
                        + (failure == null ? "ok" : failure.getClass().getSimpleName()));
                answer.complete(Response.ok(String.join(", ", seen)));
            });
            return answer;
        };
        Arbiter a =
                Arbiter.builder().config(settings().build()).asyncHandler(rules).start();
        started.add(a);
        try (RawClient c = RawClient.connect(a.port())) {
            RawResponse r = c.send("POST /rules HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
                    .read();
            assertEquals(
                    "onError IllegalArgumentException, onError IllegalStateException,"
                            + " bodyBytesAsync IllegalStateException",
                    r.text());
            assertFalse(r.closes());
            assertEquals(200, c.get("/hello").read().status(), "the unread body was drained");
        }
    }

    @Test
    void endsASubscriptionThatOutlivesItsExchangeWithOnError() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        AtomicReference<Flow.Subscription> kept = new AtomicReference<>();
        AsyncHandler early = request -> {
            request.bodyPublisher().subscribe(new Recorder(seen, 1) {
                @Override
                public void onSubscribe(Flow.Subscription s) {
                    kept.set(s);
                    super.onSubscribe(s);
                }
            });
            return CompletableFuture.completedFuture(Response.ok("early")); // without waiting for the body
        };
        Arbiter a =
                Arbiter.builder().config(settings().build()).asyncHandler(early).start();
        started.add(a);
        try (RawClient c = RawClient.connect(a.port())) {
            c.send("POST /early HTTP/1.1\r\nHost: x\r\nContent-Length: 200000\r\n\r\n");
            Future<?> sent = sendInBackground(c, new byte[200_000]);
            assertEquals("early", c.read().text());
            sent.get();
            Await.until("the handler subscribed", () -> kept.get() != null);
            kept.get().request(1); // from this thread, after the exchange: never a read of a socket it left
            Await.until(
                    "the subscription ends with onError", () -> seen.stream().anyMatch(x -> x.startsWith("onError")));
            assertEquals("onError IOException", seen.get(seen.size() - 1), seen.toString());
        }
    }

    /** Records the signals it gets, asking for {@code demand} at once (nothing if it is negative). */
    private static class Recorder implements Flow.Subscriber<ByteBuffer> {
        private final List<String> seen;
        private final long demand;

        Recorder(List<String> seen, long demand) {
            this.seen = seen;
            this.demand = demand;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            if (demand >= 0) {
                s.request(demand);
            }
        }

        @Override
        public void onNext(ByteBuffer item) {
            seen.add("onNext");
        }

        @Override
        public void onError(Throwable failure) {
            seen.add("onError " + failure.getClass().getSimpleName());
        }

        @Override
        public void onComplete() {
            seen.add("onComplete");
        }
    }
}
