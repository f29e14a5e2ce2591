package io.corral.internal.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.http.BadMessageException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The pull publisher over a plain stream and the bounded collector, against the rules {@link Flow} documents. */
class RequestBodiesTest {

    /** Records signals; asks for {@code initial} on subscribe and {@code perItem} after each item. */
    private static final class Recorder implements Flow.Subscriber<ByteBuffer> {
        final List<String> signals = new ArrayList<>();
        final List<Integer> depths = new ArrayList<>();
        final long initial;
        final long perItem;
        Flow.Subscription subscription;
        long bytes;
        boolean inSignal;

        Recorder(long initial, long perItem) {
            this.initial = initial;
            this.perItem = perItem;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            signals.add("subscribe");
            if (initial != 0) {
                s.request(initial);
            }
            assertEquals(1, signals.size(), "no onNext inside onSubscribe");
        }

        @Override
        public void onNext(ByteBuffer item) {
            assertTrue(!inSignal, "signals overlap");
            inSignal = true;
            signals.add("next");
            depths.add(Thread.currentThread().getStackTrace().length);
            bytes += item.remaining();
            if (perItem != 0) {
                subscription.request(perItem); // recursion, unless the publisher trampolines
            }
            inSignal = false;
        }

        @Override
        public void onError(Throwable failure) {
            signals.add("error " + failure.getClass().getSimpleName());
        }

        @Override
        public void onComplete() {
            signals.add("complete");
        }
    }

    private static InputStream bytes(int n) {
        return new ByteArrayInputStream(new byte[n]);
    }

    @Test
    void deliversNoMoreThanTheDemandAndWaitsForMore() {
        Recorder r = new Recorder(2, 0);
        RequestBodies.publish(bytes(10 * RequestBodies.CHUNK), r);
        assertEquals(List.of("subscribe", "next", "next"), r.signals);
        r.subscription.request(1);
        assertEquals(List.of("subscribe", "next", "next", "next"), r.signals);
        r.subscription.request(Long.MAX_VALUE);
        assertEquals("complete", r.signals.get(r.signals.size() - 1));
        assertEquals(10L * RequestBodies.CHUNK, r.bytes);
    }

    @Test
    void aRequestMadeInsideOnNextDoesNotRecurse() {
        Recorder r = new Recorder(1, 1);
        RequestBodies.publish(bytes(200 * RequestBodies.CHUNK), r);
        assertEquals(200L * RequestBodies.CHUNK, r.bytes);
        assertEquals("complete", r.signals.get(r.signals.size() - 1));
        assertEquals(1, r.depths.stream().distinct().count(), "every onNext at the same stack depth: " + r.depths);
    }

    @Test
    void refusesNonPositiveDemandWithOnError() {
        Recorder r = new Recorder(0, 0);
        RequestBodies.publish(bytes(10), r);
        r.subscription.request(0);
        assertEquals(List.of("subscribe", "error IllegalArgumentException"), r.signals);
        r.subscription.request(5);
        assertEquals(2, r.signals.size(), "nothing after a terminal signal");
    }

    @Test
    void stopsOnCancel() {
        Recorder r = new Recorder(1, 0);
        RequestBodies.publish(bytes(10 * RequestBodies.CHUNK), r);
        r.subscription.cancel();
        r.subscription.request(5);
        assertEquals(List.of("subscribe", "next"), r.signals);
    }

    @Test
    void turnsAReadFailureIntoOnError() {
        InputStream broken = new InputStream() {
            @Override
            public int read() throws IOException {
                throw new BadMessageException(400, "cut short");
            }
        };
        Recorder r = new Recorder(1, 0);
        RequestBodies.publish(broken, r);
        assertEquals(List.of("subscribe", "error BadMessageException"), r.signals);
    }

    @Test
    void runsTheReadingLoopWhereTheExecutorSays() {
        List<Runnable> handedOver = new ArrayList<>();
        Recorder r = new Recorder(1, 0);
        RequestBodies.publish(bytes(10), r, handedOver::add);
        assertEquals(List.of("subscribe"), r.signals, "nothing read on the subscribing thread");
        r.subscription.request(1); // the loop is pending elsewhere: only adds demand
        assertEquals(1, handedOver.size());
        handedOver.get(0).run();
        assertEquals(List.of("subscribe", "next", "complete"), r.signals);
    }

    @Test
    void collectsABodyWhole() throws Exception {
        byte[] body = new byte[100_000];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) i;
        }
        RequestBodies.Collector c = RequestBodies.collector(RequestBodies.MAX_ARRAY, -1);
        RequestBodies.publish(new ByteArrayInputStream(body), c);
        assertArrayEquals(body, c.result().get());
        RequestBodies.Collector sized = RequestBodies.collector(1000, 5);
        RequestBodies.publish(new ByteArrayInputStream(new byte[5]), sized);
        assertEquals(5, sized.result().get().length);
    }

    @Test
    void failsWith413PastItsMaximumAndReadsNoFurther() {
        AtomicBoolean readPastIt = new AtomicBoolean();
        InputStream endless = new InputStream() {
            private long served;

            @Override
            public int read() {
                return 'x';
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (served > 100) {
                    readPastIt.set(true);
                }
                served += len;
                return len;
            }
        };
        RequestBodies.Collector c = RequestBodies.collector(100, -1);
        RequestBodies.publish(endless, c);
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(
                ExecutionException.class, () -> c.result().get());
        BadMessageException bad = assertInstanceOf(BadMessageException.class, e.getCause());
        assertEquals(413, bad.status());
        assertTrue(!readPastIt.get(), "cancelled at the limit");
    }
}
