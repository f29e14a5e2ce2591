package io.corral.internal.server;

import io.corral.http.AsyncHandler;
import io.corral.http.BadMessageException;
import io.corral.http.Request;
import io.corral.http.Response;
import io.corral.internal.http.BodyDecoder;
import io.corral.internal.http.PublishingBody;
import io.corral.internal.http.RequestBodies;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A request body as a handler reads it on a blocking connection: decoded from the connection's
 * input buffer, refilled from the socket with {@code header_timeout} as the limit on each wait.
 * Sends {@code 100 Continue} the first time a client that expects it is read from. Remembers how
 * the body broke (cut short, stalled, badly framed), so that the exchange answers the client's
 * error as one ({@link ExchangeRules#clientError}) whatever the handler did with the exception.
 *
 * <p>Published ({@link io.corral.http.Request#bodyPublisher()}, {@code bodyBytesAsync()}), it is read
 * on the request's own thread whenever that thread is free: while it waits for an {@link
 * AsyncHandler}'s stage ({@link #handleAsync}), demand that arrives from other threads is handed to
 * it, so an application thread that completes a future is never blocked on the network. Demand that
 * arrives while the serving thread runs the handler's own code is read on the thread that brings
 * it.
 *
 * <p>Threading: read by the application, on the serving thread or on a thread of its own; one
 * reader at a time, guarded by {@code lock} (a {@link ReentrantLock}, so virtual threads never pin).
 * Once the handler has returned, the serving thread {@link #reclaim()}s the body: it holds the lock
 * until the exchange ends, so its own reads (a response {@code BodyWriter} that streams the request
 * body, the drain) go on, while a straggling reader on another thread fails at once instead of
 * waiting on the socket that the serving thread now writes to. A body without content needs no
 * lock. The hand-off of a reading loop to the serving thread goes through {@code handedRead} and
 * {@code waiter}, two volatile fields written and read in opposite orders, so that a loop is never
 * lost.
 */
final class BlockingBody extends PublishingBody {

    private static final VarHandle HANDED_READ;

    static {
        try {
            HANDED_READ = MethodHandles.lookup().findVarHandle(BlockingBody.class, "handedRead", Runnable.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The connection's side: its input buffer and socket. Serving thread. */
    interface Source {
        /** The buffer that holds the bytes read and not yet consumed. */
        ByteBuffer buffer();

        /** Reads more bytes into {@link #buffer()}, waiting at most {@code timeoutMillis}; -1 at end of stream. */
        int fill(int timeoutMillis) throws IOException;

        /** Sends {@code 100 Continue}; throws if the exchange was aborted. */
        void sendContinue() throws IOException;
    }

    private final BodyDecoder decoder;
    private final Source source;
    private final int waitMillis;
    private final ReentrantLock lock; // null without content
    private volatile boolean reclaimed; // the serving thread holds the lock until the exchange ends
    private volatile Thread waiter; // the serving thread while it waits for a stage and reads for it
    private volatile Runnable handedRead; // a reading loop handed to the waiter; through HANDED_READ
    private boolean expectContinue; // guarded by lock
    private int brokenStatus; // guarded by lock
    private byte[] one;

    BlockingBody(BodyDecoder decoder, boolean expectContinue, Source source, int waitMillis) {
        this.decoder = decoder;
        this.expectContinue = expectContinue;
        this.source = source;
        this.waitMillis = waitMillis;
        this.lock = decoder.isComplete() ? null : new ReentrantLock();
    }

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

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (lock == null || lock.isHeldByCurrentThread()) {
            return readLocked(b, off, len);
        }
        if (reclaimed) {
            throw reclaimedError();
        }
        lock.lock();
        try {
            if (reclaimed) {
                throw reclaimedError();
            }
            return readLocked(b, off, len);
        } finally {
            lock.unlock();
        }
    }

    private static IOException reclaimedError() {
        return new IOException("the request body can no longer be read: the handler has returned");
    }

    private int readLocked(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (brokenStatus != 0) {
            throw new BadMessageException(brokenStatus, "the request body could not be read");
        }
        if (decoder.isComplete()) {
            return -1;
        }
        try {
            return readDecoded(b, off, len);
        } catch (BadMessageException e) {
            brokenStatus = e.status();
            throw e;
        }
    }

    private int readDecoded(byte[] b, int off, int len) throws IOException {
        if (expectContinue) {
            expectContinue = false;
            source.sendContinue();
        }
        while (true) {
            ByteBuffer in = source.buffer(); // a fill may replace it with a larger one
            if (in.hasRemaining()) {
                int before = in.position();
                int n = decoder.read(in, b, off, len);
                if (n != 0) {
                    return n;
                }
                if (in.hasRemaining() && in.position() != before) {
                    continue;
                }
            }
            int r;
            try {
                r = source.fill(waitMillis);
            } catch (SocketTimeoutException e) {
                throw new BadMessageException(408, "the request body stalled for longer than header_timeout");
            }
            if (r < 0) {
                throw ExchangeRules.bodyCutShort();
            }
        }
    }

    @Override
    public int available() {
        if (lock == null) {
            return 0;
        }
        lock.lock();
        try {
            return decoder.isComplete() ? 0 : source.buffer().remaining();
        } finally {
            lock.unlock();
        }
    }

    // ---- published ----------------------------------------------------------------------------

    @Override
    public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
        RequestBodies.publish(this, subscriber, this::readOn);
    }

    /**
     * Runs a reading loop of the publisher: on the serving thread if it waits for a stage (it is
     * woken for it), else on the calling thread.
     */
    private void readOn(Runnable readingLoop) {
        Thread w = waiter;
        if (w == null || w == Thread.currentThread()) {
            readingLoop.run();
            return;
        }
        HANDED_READ.setVolatile(this, readingLoop);
        if (waiter != null) {
            LockSupport.unpark(w);
        } else if (HANDED_READ.compareAndSet(this, readingLoop, null)) {
            readingLoop.run(); // the serving thread stopped waiting meanwhile and did not take it
        }
    }

    private void runHandedRead() {
        Runnable r = (Runnable) HANDED_READ.getAndSet(this, null);
        if (r != null) {
            r.run();
        }
    }

    /**
     * Runs an {@link AsyncHandler} and waits for its stage on the serving thread, reading the body
     * meanwhile for a subscriber that asks from other threads: {@link
     * io.corral.spi.Application#asBlocking()}'s contract, with that one addition. Interrupting the
     * thread cancels the stage. Serving thread.
     *
     * @throws Exception what the handler threw, or the failure of its stage (unwrapped)
     */
    Response handleAsync(AsyncHandler handler, Request request) throws Exception {
        CompletionStage<Response> stage = handler.handle(request);
        if (stage == null) {
            throw new NullPointerException("the AsyncHandler returned null instead of a stage");
        }
        CompletableFuture<Response> future = Stages.future(stage);
        if (!future.isDone()) {
            Thread me = Thread.currentThread();
            future.whenComplete((r, t) -> LockSupport.unpark(me));
            waiter = me;
            try {
                while (!future.isDone()) {
                    runHandedRead();
                    if (future.isDone()) {
                        break;
                    }
                    LockSupport.park(this);
                    if (Thread.interrupted()) {
                        future.cancel(true);
                        throw new InterruptedException("interrupted while waiting for the AsyncHandler's stage");
                    }
                }
            } finally {
                waiter = null;
            }
            runHandedRead(); // handed over as the stage completed: read here, before the lock is taken
        }
        try {
            return Objects.requireNonNull(future.get(), "AsyncHandler completed with null");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            if (cause instanceof Exception ex) {
                throw ex;
            }
            throw e;
        } catch (CancellationException e) {
            throw e;
        }
    }

    /**
     * The handler has returned (or its stage completed): from now until {@link #release()} only the
     * serving thread reads the body. Waits for a read in progress on another thread, which a
     * {@code header_timeout} or the connection's close ends. Serving thread.
     */
    void reclaim() {
        if (lock != null) {
            reclaimed = true;
            lock.lock();
        }
    }

    /** The exchange is over: lets go of what {@link #reclaim()} took. Serving thread. */
    void release() {
        if (lock != null && lock.isHeldByCurrentThread()) {
            lock.unlock();
        }
    }

    /** Returns the status of the client error that broke the body (400, 408, 413), or 0; after {@link #reclaim()}. */
    int brokenStatus() {
        return brokenStatus;
    }

    /** True if the connection can carry another request once the unread body is drained; after {@link #reclaim()}. */
    boolean reusable() {
        if (brokenStatus != 0) {
            return false;
        }
        if (decoder.isComplete()) {
            return true;
        }
        // the client holds the body back until it sees 100 Continue, or a final response:
        // whether it then sends it or not is unknowable, so the connection must close
        return !expectContinue;
    }

    /**
     * Reads and drops the rest of the body, up to 64 KiB; false if the connection must close
     * instead. After {@link #reclaim()}.
     */
    boolean drain() {
        if (!reusable()) {
            return false;
        }
        if (decoder.isComplete()) {
            return true;
        }
        byte[] scratch = new byte[4096];
        long drained = 0;
        try {
            int n;
            while ((n = read(scratch, 0, scratch.length)) >= 0) {
                drained += n;
                if (drained > Lingering.MAX_DRAIN) {
                    return false;
                }
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
