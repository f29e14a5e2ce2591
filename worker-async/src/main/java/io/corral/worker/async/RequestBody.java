package io.corral.worker.async;

import io.corral.http.BadMessageException;
import io.corral.internal.http.BodyDecoder;
import io.corral.internal.http.Limits;
import io.corral.internal.http.PublishingBody;
import io.corral.internal.http.RequestBodies;
import io.corral.internal.http.RequestHead;
import io.corral.internal.server.ExchangeRules;
import io.corral.internal.server.Lingering;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.Flow;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A request body streamed from the event loop to the handler through a bounded buffer: the loop
 * decodes what the socket brings (core's {@link BodyDecoder}) into at most {@link #MAX_BUFFERED}
 * bytes, and stops reading the socket while the buffer is full, so a client that sends faster than
 * the handler consumes is held back by TCP instead of piling up in memory.
 *
 * <pre>
 *   socket ─(loop: read ≤ room)─▶ decoder ─▶ buffer (≤ 64 KiB) ─┬─▶ InputStream   (a reader thread blocks while it is empty)
 *                                                            └─▶ Flow.Publisher (signals on the loop, as demand allows)
 * </pre>
 *
 * <p>The body is consumed once, either as a blocking {@link java.io.InputStream} (a {@link
 * io.corral.http.Handler} on the offload pool, or an application thread) or through {@link
 * #subscribe} (an {@link io.corral.http.AsyncHandler}, without blocking). A reader that finds the
 * buffer empty parks on a {@link Condition}; its first wait, each wait, and a reader that frees
 * room the loop was waiting for, are handed to the loop ({@link EventLoop#execute}) so that it
 * sends {@code 100 Continue} on the first demand, bounds each wait by {@code header_timeout}
 * (408) and resumes reading. A read on the loop itself that would have to wait throws instead.
 *
 * <p>How it ends: complete (the decoder consumed the last chunk or byte), broken (a client error:
 * bad framing 400, over {@code limit_request_body} 413, cut short 400, stalled 408, delivered after
 * the bytes that came before it) or closed (the exchange is over or the connection lost: reads
 * fail at once). After the response, the loop drains what the client still sends of it ({@link
 * #startDrain}, {@link #discard}), at most {@link Lingering#MAX_DRAIN} bytes with what was left
 * unread, so that the connection can carry the next request.
 *
 * <p>Threading: the decoder, the subscriber and its demand, and the drain are confined to the event
 * loop; the buffer and the flags the reader shares with the loop are guarded by {@code lock}. The
 * loop is the only thread that adds bytes or ends the body; readers only take bytes.
 */
final class RequestBody extends PublishingBody {

    /** The most body bytes the loop holds for the handler at once; it stops reading beyond it. */
    static final int MAX_BUFFERED = 64 * 1024;

    /** The loop stops reading once less room than this is left, and resumes at half the buffer. */
    static final int MIN_ROOM = 16 * 1024;

    private static final int RESUME_ROOM = MAX_BUFFERED / 2;
    private static final int FIRST_CAPACITY = 8 * 1024;

    private static final int NONE = 0;
    private static final int STREAM = 1;
    private static final int PUBLISHER = 2;

    /** What {@link #discard} found. */
    enum Drain {
        /** The body is over: the connection can carry the next request. */
        DONE,
        /** More of it is to come. */
        MORE,
        /** More than {@link Lingering#MAX_DRAIN} bytes, or broken: the connection must close. */
        CLOSE
    }

    private final Exchange exchange;
    private final EventLoop loop;
    private final long contentLength;
    private final boolean expectContinue;

    // the loop's
    private final BodyDecoder decoder;
    private Flow.Subscriber<? super ByteBuffer> subscriber;
    private long demand;
    private boolean delivering;
    private boolean signalled; // the subscriber got its terminal signal, or cancelled
    private boolean draining;
    private long drained;

    private final ReentrantLock lock = new ReentrantLock();
    private Condition readable; // guarded by lock; made when a reader first waits
    private byte[] buffer; // guarded by lock; holds bytes [start, end)
    private int start; // guarded by lock
    private int end; // guarded by lock
    private long received; // guarded by lock: body bytes the loop decoded, in all
    private boolean complete; // guarded by lock: the decoder is done, nothing comes beyond the buffer
    private BadMessageException broken; // guarded by lock: thrown once the buffered bytes are read
    private IOException closed; // guarded by lock: the exchange is over for the application
    private int mode = NONE; // guarded by lock
    private boolean started; // guarded by lock: the application has asked for the body
    private boolean readerWaiting; // guarded by lock
    private boolean paused; // guarded by lock: the loop stopped reading for want of room
    private boolean resumeAsked; // guarded by lock

    private byte[] one; // the reader's, for read()

    RequestBody(Exchange exchange, EventLoop loop, RequestHead head, Limits limits) {
        this.exchange = exchange;
        this.loop = loop;
        this.contentLength = head.contentLength();
        this.expectContinue = head.expectContinue();
        this.decoder = BodyDecoder.forHead(head, limits);
    }

    // ---- the loop's side ------------------------------------------------------------------

    /** Returns true if the loop should read the socket for this body now. Loop. */
    boolean wantsBytes() {
        if (draining) {
            return !decoder.isComplete();
        }
        lock.lock();
        try {
            return !complete && broken == null && closed == null && !paused;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Returns how many bytes the loop may read from the socket for this body at most: what the
     * buffer has room for (a chunked body's framing only makes the decoded bytes fewer), or {@code
     * max} while draining. Loop.
     */
    int readLimit(int max) {
        if (draining) {
            return max;
        }
        lock.lock();
        try {
            return Math.min(max, MAX_BUFFERED - (end - start));
        } finally {
            lock.unlock();
        }
    }

    /**
     * Decodes body bytes from {@code in} into the buffer while it has room, leaving in {@code in}
     * what does not fit and the bytes of a pipelined request. A framing error or a body over the
     * limit breaks the body (its reader learns of it after the bytes before it). Loop.
     *
     * @return true if body bytes arrived or the body ended
     */
    boolean feed(ByteBuffer in) {
        long before;
        boolean ended;
        lock.lock();
        try {
            before = received;
            if (closed != null || broken != null || complete) {
                return false;
            }
            try {
                while (in.hasRemaining() && !decoder.isComplete()) {
                    if (!makeRoom(in.remaining())) {
                        break;
                    }
                    int position = in.position();
                    int n = decoder.read(in, buffer, end, buffer.length - end);
                    if (n < 0) {
                        break;
                    }
                    end += n;
                    received += n;
                    if (n == 0 && in.position() == position) {
                        break;
                    }
                }
            } catch (BadMessageException e) {
                broken = e;
            }
            complete = decoder.isComplete();
            ended = complete || broken != null;
            if (!ended && !roomFor(MIN_ROOM)) {
                paused = true;
            }
            if ((received != before || ended) && readable != null) {
                readable.signalAll();
            }
        } finally {
            lock.unlock();
        }
        deliver();
        return received != before || ended;
    }

    /**
     * Returns true if the buffer has {@code room} bytes free, or room for the whole rest of a body
     * with a length. Lock held.
     */
    private boolean roomFor(int room) {
        int free = MAX_BUFFERED - (end - start);
        return free >= room || (contentLength > 0 && contentLength - received <= free);
    }

    /**
     * Makes room in the buffer for up to {@code wanted} more bytes; false if it is full. The buffer
     * of a body with a length is that long (at most {@link #MAX_BUFFERED}); a chunked body's starts
     * small and doubles as bytes arrive, so a client that announces much and sends little costs
     * little. Lock held.
     */
    private boolean makeRoom(int wanted) {
        int used = end - start;
        int limit = contentLength > 0 ? (int) Math.min(MAX_BUFFERED, contentLength) : MAX_BUFFERED;
        int want = Math.min(wanted, limit - used);
        if (want <= 0) {
            return false;
        }
        if (buffer == null) {
            buffer = new byte
                    [contentLength > 0
                            ? limit
                            : Math.min(
                                    MAX_BUFFERED,
                                    Math.max(FIRST_CAPACITY, Integer.highestOneBit(Math.max(1, want - 1)) << 1))];
            start = 0;
            end = 0;
            return true;
        }
        if (buffer.length - end >= want) {
            return true;
        }
        if (buffer.length - used < want) {
            byte[] larger = new byte[Math.min(MAX_BUFFERED, Math.max(2 * buffer.length, used + want))];
            System.arraycopy(buffer, start, larger, 0, used);
            buffer = larger;
        } else {
            System.arraycopy(buffer, start, buffer, 0, used);
        }
        start = 0;
        end = used;
        return true;
    }

    /** The client closed its side before the body was complete: its error, 400. Loop. */
    void cutShort() {
        breakWith(ExchangeRules.bodyCutShort());
    }

    /** A reader waited for body bytes for longer than {@code header_timeout}: 408. Loop. */
    void stalled() {
        breakWith(new BadMessageException(408, "the request body stalled for longer than header_timeout"));
    }

    private void breakWith(BadMessageException e) {
        lock.lock();
        try {
            if (complete || broken != null || closed != null) {
                return;
            }
            broken = e;
            if (readable != null) {
                readable.signalAll();
            }
        } finally {
            lock.unlock();
        }
        deliver();
    }

    /**
     * The exchange is over for the application (its response is out, or it was aborted, or the
     * connection lost): a reader still waiting fails at once, and so does a subscriber. Loop.
     */
    void exchangeOver(String why) {
        lock.lock();
        try {
            if (closed != null) {
                return;
            }
            closed = new IOException(why);
            if (readable != null) {
                readable.signalAll();
            }
        } finally {
            lock.unlock();
        }
        deliver();
    }

    /**
     * The worker was aborted: a reader still waiting fails at once. Any thread (the loop may be
     * stuck); a subscriber, whose signals belong to the loop, hears nothing more.
     */
    void aborted() {
        lock.lock();
        try {
            if (closed == null) {
                closed = new IOException("the worker was aborted");
            }
            if (readable != null) {
                readable.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Returns the status of the client error that broke the body (400, 408, 413, 431), or 0. Loop. */
    int brokenStatus() {
        lock.lock();
        try {
            return broken == null ? 0 : broken.status();
        } finally {
            lock.unlock();
        }
    }

    /** Returns true once the decoder has consumed the whole body from the socket. Loop. */
    boolean isComplete() {
        return decoder.isComplete();
    }

    /**
     * True if the connection can carry another request once the unread rest of the body is drained:
     * the body is not broken, and a client that holds its body back until {@code 100 Continue} was
     * asked for it (otherwise whether it sends the body at all is unknowable). The blocking engine's
     * rule. Loop.
     */
    boolean reusable() {
        lock.lock();
        try {
            return broken == null && (complete || started || !expectContinue);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Starts draining after the response: drops what the handler left in the buffer (it counts
     * towards {@link Lingering#MAX_DRAIN}) and lets the loop read and drop the rest. The caller has
     * checked {@link #reusable()} and closed the body. Loop.
     */
    Drain startDrain() {
        lock.lock();
        try {
            drained = end - start;
            start = 0;
            end = 0;
        } finally {
            lock.unlock();
        }
        draining = true;
        if (decoder.isComplete()) {
            return Drain.DONE;
        }
        return drained > Lingering.MAX_DRAIN ? Drain.CLOSE : Drain.MORE;
    }

    /** Reads and drops body bytes from {@code in}, leaving a pipelined request's bytes there. Loop. */
    Drain discard(ByteBuffer in) {
        byte[] scratch = buffer != null ? buffer : (buffer = new byte[FIRST_CAPACITY]);
        try {
            while (in.hasRemaining() && !decoder.isComplete()) {
                int position = in.position();
                int n = decoder.read(in, scratch, 0, scratch.length);
                if (n < 0) {
                    break;
                }
                drained += n;
                if (drained > Lingering.MAX_DRAIN) {
                    return Drain.CLOSE;
                }
                if (n == 0 && in.position() == position) {
                    break;
                }
            }
        } catch (BadMessageException e) {
            return Drain.CLOSE;
        }
        return decoder.isComplete() ? Drain.DONE : Drain.MORE;
    }

    /**
     * Returns true if the application waits for body bytes that have not come: a reader parked on
     * an empty buffer, or a subscriber with demand. The loop then bounds the wait by {@code
     * header_timeout}. Loop.
     */
    boolean awaited() {
        lock.lock();
        try {
            boolean waiting = readerWaiting || (subscriber != null && !signalled && demand > 0);
            return waiting && end == start && !complete && broken == null && closed == null;
        } finally {
            lock.unlock();
        }
    }

    /** Returns true once the application asked for the body. Loop. */
    boolean started() {
        lock.lock();
        try {
            return started;
        } finally {
            lock.unlock();
        }
    }

    /** A reader freed room after the loop had stopped reading: it may read again. Loop. */
    void resume() {
        lock.lock();
        try {
            resumeAsked = false;
            if (paused && roomFor(RESUME_ROOM)) {
                paused = false;
            }
        } finally {
            lock.unlock();
        }
    }

    // ---- the blocking reader's side ---------------------------------------------------------

    @Override
    public int read() throws IOException {
        if (one == null) {
            one = new byte[1];
        }
        int n;
        do {
            n = read(one, 0, 1);
        } while (n == 0);
        return n < 0 ? -1 : one[0] & 0xFF;
    }

    /**
     * Reads what the loop has buffered, waiting while nothing is there; any thread but the loop's,
     * which may only read what has arrived.
     *
     * @throws BadMessageException if the client broke the body (once the bytes before the break are read)
     * @throws IOException if the exchange is over or the connection was lost
     * @throws IllegalStateException on the event loop, if the read would have to wait
     */
    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        while (true) {
            boolean tellLoop = false;
            boolean resumeLoop = false;
            int result;
            lock.lock();
            try {
                if (mode == PUBLISHER) {
                    throw new IllegalStateException(
                            "the request body has a subscriber: it cannot be read as a stream too");
                }
                mode = STREAM;
                if (!started) {
                    started = true;
                    tellLoop = expectContinue; // 100 Continue, before this reader can wait
                }
                if (closed != null) {
                    throw new IOException(closed.getMessage());
                }
                if (end > start) {
                    result = Math.min(len, end - start);
                    System.arraycopy(buffer, start, b, off, result);
                    start += result;
                    if (start == end) {
                        start = 0;
                        end = 0;
                    }
                    readerWaiting = false;
                    if (paused && !resumeAsked && roomFor(RESUME_ROOM)) {
                        resumeAsked = true;
                        resumeLoop = true;
                    }
                } else if (broken != null) {
                    throw new BadMessageException(broken.status(), broken.getMessage());
                } else if (complete) {
                    result = -1;
                } else if (Thread.currentThread() == loop.thread) {
                    if (tellLoop) {
                        started = false; // not asked for after all: no 100 Continue for a body nobody reads
                    }
                    throw new IllegalStateException("reading the request body here would block the event loop: an "
                            + "AsyncHandler consumes it with Request.bodyBytesAsync() or bodyPublisher()");
                } else if (!readerWaiting || tellLoop) {
                    readerWaiting = true; // the loop bounds this wait by header_timeout once it knows
                    tellLoop = true;
                    result = Integer.MIN_VALUE; // tell the loop, then wait
                } else {
                    awaitBytes();
                    continue;
                }
            } finally {
                lock.unlock();
            }
            if (tellLoop) {
                loop.execute(exchange::bodyDemanded);
            }
            if (resumeLoop) {
                loop.execute(exchange::bodyRoom);
            }
            if (result != Integer.MIN_VALUE) {
                return result;
            }
        }
    }

    /** Parks until the loop adds bytes or ends the body. Lock held. */
    private void awaitBytes() throws InterruptedIOException {
        if (readable == null) {
            readable = lock.newCondition();
        }
        try {
            readable.await();
        } catch (InterruptedException e) {
            readerWaiting = false;
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the request body");
        }
    }

    @Override
    public int available() {
        lock.lock();
        try {
            return mode == PUBLISHER || closed != null ? 0 : end - start;
        } finally {
            lock.unlock();
        }
    }

    // ---- the subscriber's side --------------------------------------------------------------

    /**
     * Subscribes {@code s}; any thread. Every signal runs on the loop, in sequence: {@code
     * onNext} as bytes arrive and demand allows (each buffer a copy the subscriber owns), then
     * {@code onComplete} or {@code onError}.
     */
    @Override
    public void subscribe(Flow.Subscriber<? super ByteBuffer> s) {
        Objects.requireNonNull(s, "subscriber");
        lock.lock();
        try {
            if (mode == STREAM) {
                RequestBodies.refuse(
                        s,
                        new IllegalStateException(
                                "the request body is being read as a stream: it cannot have a subscriber too"));
                return;
            }
            mode = PUBLISHER;
        } finally {
            lock.unlock();
        }
        onLoop(() -> subscribed(s));
    }

    private void onLoop(Runnable task) {
        if (Thread.currentThread() == loop.thread) {
            task.run();
        } else {
            loop.execute(task);
        }
    }

    private void subscribed(Flow.Subscriber<? super ByteBuffer> s) {
        subscriber = s;
        try {
            s.onSubscribe(new Subscription());
        } catch (RuntimeException | Error e) {
            misbehaved(e);
            return;
        }
        deliver();
    }

    /** Serves demand and ends the subscription when the body ends; loop. Never recurses. */
    private void deliver() {
        if (subscriber == null || signalled || delivering) {
            return;
        }
        delivering = true;
        try {
            while (!signalled) {
                ByteBuffer piece = null;
                Throwable failure = null;
                boolean done = false;
                boolean resumed = false;
                lock.lock();
                try {
                    if (closed != null) {
                        failure = new IOException(closed.getMessage());
                    } else if (end > start && demand > 0) {
                        piece = ByteBuffer.wrap(Arrays.copyOfRange(buffer, start, end));
                        start = 0;
                        end = 0;
                        if (paused) {
                            paused = false; // the loop's own consumer: room again at once
                            resumed = true;
                        }
                    } else if (end == start && broken != null) {
                        failure = broken;
                    } else if (end == start && complete) {
                        done = true;
                    }
                } finally {
                    lock.unlock();
                }
                if (piece != null) {
                    if (demand != Long.MAX_VALUE) {
                        demand--;
                    }
                    if (resumed) {
                        exchange.bodyRoom();
                    }
                    try {
                        subscriber.onNext(piece);
                    } catch (RuntimeException | Error e) {
                        misbehaved(e);
                        return;
                    }
                } else if (failure != null || done) {
                    signalled = true;
                    Flow.Subscriber<? super ByteBuffer> s = subscriber;
                    subscriber = null;
                    try {
                        if (failure != null) {
                            s.onError(failure);
                        } else {
                            s.onComplete();
                        }
                    } catch (RuntimeException | Error e) {
                        EventLoop.LOG.warn("A request body subscriber failed in its last signal", e);
                    }
                } else {
                    break; // nothing to give now, or no demand
                }
            }
        } finally {
            delivering = false;
        }
    }

    /** Rule 2.13: a subscriber that throws is treated as cancelled; the failure is logged. Loop. */
    private void misbehaved(Throwable e) {
        signalled = true;
        subscriber = null;
        EventLoop.LOG.error("A request body subscriber threw; it is cancelled", e);
    }

    private void requested(long n) {
        if (subscriber == null || signalled) {
            return;
        }
        if (n <= 0) {
            signalled = true;
            Flow.Subscriber<? super ByteBuffer> s = subscriber;
            subscriber = null;
            try {
                s.onError(new IllegalArgumentException(
                        "Subscription.request(" + n + "): demand must be positive (Reactive Streams rule 3.9)"));
            } catch (RuntimeException | Error e) {
                EventLoop.LOG.warn("A request body subscriber failed in its last signal", e);
            }
            return;
        }
        demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
        boolean first;
        lock.lock();
        try {
            first = !started;
            started = true;
        } finally {
            lock.unlock();
        }
        deliver();
        if (first || !signalled) {
            exchange.bodyDemanded(); // 100 Continue on the first demand; a wait bounded by header_timeout
        }
    }

    private void cancelled() {
        signalled = true;
        subscriber = null;
    }

    /** The subscription handed to the subscriber; its calls run on the loop. Any thread. */
    private final class Subscription implements Flow.Subscription {
        @Override
        public void request(long n) {
            onLoop(() -> requested(n));
        }

        @Override
        public void cancel() {
            onLoop(RequestBody.this::cancelled);
        }
    }

    // ---- seams for tests ----------------------------------------------------------------------

    /** Returns how many body bytes the loop has decoded in all. Any thread. */
    long received() {
        lock.lock();
        try {
            return received;
        } finally {
            lock.unlock();
        }
    }

    /** Returns how many bytes wait in the buffer. Any thread. */
    int buffered() {
        lock.lock();
        try {
            return end - start;
        } finally {
            lock.unlock();
        }
    }

    /** Returns true while the loop has stopped reading for want of room. Any thread. */
    boolean paused() {
        lock.lock();
        try {
            return paused;
        } finally {
            lock.unlock();
        }
    }
}
