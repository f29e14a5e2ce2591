package io.corral.internal.http;

import io.corral.http.BadMessageException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The non-blocking ways to consume a request body that {@link io.corral.http.Request} offers, for a
 * body that is a plain {@link InputStream}: {@link #publish} pulls it on the thread that asks for
 * bytes, {@link #collect} gathers a published body into one array, bounded. A worker that can do
 * better (the async worker's event loop) hands the request a {@link PublishingBody} instead.
 *
 * <p>Stateless; each subscription and collector is confined as its javadoc says.
 */
public final class RequestBodies {

    /** The bytes one {@code onNext} of {@link #publish} carries at most. */
    public static final int CHUNK = 16 * 1024;

    /** The largest body one array holds. */
    public static final int MAX_ARRAY = Integer.MAX_VALUE - 16;

    private static final Flow.Subscription NOTHING = new Flow.Subscription() {
        @Override
        public void request(long n) {}

        @Override
        public void cancel() {}
    };

    private RequestBodies() {}

    /**
     * Subscribes {@code subscriber} to {@code body}, read in pieces of at most {@link #CHUNK} bytes
     * on the thread that calls {@link Flow.Subscription#request} (or {@code subscribe}, for what
     * {@code onSubscribe} asked for), so a read may block it until the client sends.
     */
    public static void publish(InputStream body, Flow.Subscriber<? super ByteBuffer> subscriber) {
        publish(body, subscriber, Runnable::run);
    }

    /**
     * Subscribes {@code subscriber} to {@code body}, read in pieces of at most {@link #CHUNK} bytes
     * by whatever thread {@code readOn} runs the reading loop on: it is handed the loop each time
     * demand arrives while the loop is not running, by the thread that brought the demand, and runs
     * it there or hands it to a thread of its choice. Signals never overlap and never recurse: a
     * {@code request} made inside {@code onNext}, or while the loop runs elsewhere, adds demand that
     * the running loop serves. An {@link IOException} from the stream (a body cut short, too large,
     * or stalled: {@link BadMessageException}) ends the subscription with {@code onError}.
     */
    public static void publish(InputStream body, Flow.Subscriber<? super ByteBuffer> subscriber, Executor readOn) {
        new Pull(body, Objects.requireNonNull(subscriber, "subscriber"), readOn).start();
    }

    /** Gives {@code subscriber} a subscription that is over already, ended by {@code why}. */
    public static void refuse(Flow.Subscriber<? super ByteBuffer> subscriber, Throwable why) {
        subscriber.onSubscribe(NOTHING);
        subscriber.onError(why);
    }

    /**
     * Returns a subscriber that gathers a body into one array: it asks for everything at once and
     * completes {@link Collector#result()} with the bytes, or fails it with the publisher's error,
     * or with a {@link BadMessageException} (413) as soon as more than {@code maxBytes} arrive.
     *
     * @param expectedLength the declared length, or -1; only sizes the array, which grows with what
     *     arrives, so a client that announces much and sends little costs little
     */
    public static Collector collector(int maxBytes, long expectedLength) {
        return new Collector(maxBytes, expectedLength);
    }

    /**
     * Gathers a published body into one array, bounded; its signals come in sequence, from whatever
     * thread the publisher uses (the rules of {@link Flow} order them).
     */
    public static final class Collector implements Flow.Subscriber<ByteBuffer> {
        private static final int FIRST = 8192;

        private final CompletableFuture<byte[]> result = new CompletableFuture<>();
        private final int maxBytes;
        private final int capacityLimit;
        private byte[] bytes;
        private int length;
        private Flow.Subscription subscription;
        private boolean over;

        private Collector(int maxBytes, long expectedLength) {
            if (maxBytes < 0) {
                throw new IllegalArgumentException("maxBytes must not be negative: " + maxBytes);
            }
            this.maxBytes = maxBytes;
            this.capacityLimit = expectedLength >= 0 && expectedLength < maxBytes ? (int) expectedLength : maxBytes;
            this.bytes = new byte[Math.min(FIRST, capacityLimit)];
        }

        /** Returns the stage that completes with the whole body, or fails. */
        public CompletableFuture<byte[]> result() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            if (subscription != null) {
                s.cancel(); // rule 2.5: one subscription at a time
                return;
            }
            subscription = s;
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(ByteBuffer piece) {
            if (over) {
                return;
            }
            int n = piece.remaining();
            if (n > maxBytes - length) {
                over = true;
                subscription.cancel();
                result.completeExceptionally(
                        new BadMessageException(413, "request body is larger than " + maxBytes + " bytes"));
                return;
            }
            if (n > bytes.length - length) {
                long grown = Math.max((long) length + n, Math.min(2L * bytes.length, capacityLimit));
                bytes = Arrays.copyOf(bytes, (int) Math.min(grown, MAX_ARRAY));
            }
            piece.get(bytes, length, n);
            length += n;
        }

        @Override
        public void onError(Throwable failure) {
            if (!over) {
                over = true;
                result.completeExceptionally(failure);
            }
        }

        @Override
        public void onComplete() {
            if (!over) {
                over = true;
                result.complete(length == bytes.length ? bytes : Arrays.copyOf(bytes, length));
            }
        }
    }

    /**
     * A subscription that reads a stream on the thread {@code readOn} picks. {@code wip} counts the
     * calls that want the emitting loop to run: only the thread that raised it from 0 starts the
     * loop (through {@code readOn}), so signals never overlap, and a {@code request} from inside
     * {@code onNext} only adds demand. Thread-safe.
     */
    private static final class Pull implements Flow.Subscription, Runnable {
        private final InputStream body;
        private final Flow.Subscriber<? super ByteBuffer> subscriber;
        private final Executor readOn;
        private final AtomicLong demand = new AtomicLong();
        private final AtomicInteger wip = new AtomicInteger(1); // held while onSubscribe runs
        private volatile boolean cancelled;
        private volatile Throwable badDemand;
        private boolean done; // the emitting thread's; handed over through wip

        Pull(InputStream body, Flow.Subscriber<? super ByteBuffer> subscriber, Executor readOn) {
            this.body = body;
            this.subscriber = subscriber;
            this.readOn = readOn;
        }

        void start() {
            try {
                subscriber.onSubscribe(this);
            } catch (RuntimeException | Error e) {
                cancelled = true; // rule 2.13: a subscriber that throws is cancelled
                throw e;
            }
            readOn.execute(this);
        }

        /** The reading loop, on the thread {@code readOn} chose; it holds one count of {@code wip}. */
        @Override
        public void run() {
            drain(1);
        }

        @Override
        public void request(long n) {
            if (n <= 0) {
                badDemand = new IllegalArgumentException(
                        "Subscription.request(" + n + "): demand must be positive (Reactive Streams rule 3.9)");
            } else {
                demand.accumulateAndGet(n, (a, b) -> a + b < 0 ? Long.MAX_VALUE : a + b);
            }
            if (wip.getAndIncrement() == 0) {
                readOn.execute(this);
            }
        }

        @Override
        public void cancel() {
            cancelled = true;
        }

        private void drain(int missed) {
            while (true) {
                emit();
                missed = wip.addAndGet(-missed);
                if (missed == 0) {
                    return;
                }
            }
        }

        private void emit() {
            while (!done && !cancelled) {
                Throwable bad = badDemand;
                if (bad != null) {
                    done = true;
                    subscriber.onError(bad);
                    return;
                }
                long wanted = demand.get();
                if (wanted == 0) {
                    return;
                }
                byte[] chunk = new byte[CHUNK];
                int n;
                try {
                    n = body.read(chunk, 0, chunk.length);
                } catch (IOException | RuntimeException e) {
                    done = true;
                    subscriber.onError(e);
                    return;
                }
                if (n < 0) {
                    done = true;
                    subscriber.onComplete();
                    return;
                }
                if (n == 0) {
                    continue;
                }
                if (wanted != Long.MAX_VALUE) {
                    demand.decrementAndGet();
                }
                ByteBuffer piece = ByteBuffer.wrap(n < CHUNK / 2 ? Arrays.copyOf(chunk, n) : chunk, 0, n);
                try {
                    subscriber.onNext(piece);
                } catch (RuntimeException | Error e) {
                    cancelled = true;
                    throw e;
                }
            }
        }
    }
}
