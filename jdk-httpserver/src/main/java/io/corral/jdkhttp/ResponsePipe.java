package io.corral.jdkhttp;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The bounded hand-over of a streamed response body from the JDK handler, which writes it while it
 * runs, to the worker model, which sends it from a {@link io.corral.http.BodyWriter}: the handler
 * blocks while {@link #MAX_QUEUED} bytes wait, so a slow client holds the handler, never the
 * server's memory.
 *
 * <p>Threading: {@link #write}, {@link #flush}, {@link #close} and {@link #fail} run on the
 * handler's thread; {@link #drainTo} on the worker model's writing thread (the serving thread on
 * sync and virtual, an offload thread on async). Everything they share is guarded by {@code lock}.
 */
final class ResponsePipe {

    /** The handler blocks while this many bytes wait for the client. */
    static final int MAX_QUEUED = 64 * 1024;

    private static final int MAX_PIECE = 16 * 1024;

    /** Told when the writing side fails: the client is gone or the exchange was aborted. */
    interface Abandon {
        void abandoned(Throwable cause);
    }

    private final long waitNanos;
    private final Abandon onAbandon;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition readable = lock.newCondition();
    private final Condition writable = lock.newCondition();
    private final ArrayDeque<byte[]> queue = new ArrayDeque<>(); // guarded by lock
    private int queued; // guarded by lock
    private boolean flushRequested; // guarded by lock
    private boolean ended; // guarded by lock: the handler closed the body
    private Throwable handlerFailure; // guarded by lock: the handler aborted the body
    private Throwable clientFailure; // guarded by lock: the body can no longer be sent

    /**
     * Creates a pipe.
     *
     * @param waitNanos how long the handler waits for room before giving up on a client that does
     *     not read (or a worker that never started sending); 0 waits without limit
     */
    ResponsePipe(long waitNanos, Abandon onAbandon) {
        this.waitNanos = waitNanos;
        this.onAbandon = onAbandon;
    }

    // ---- the handler's side -------------------------------------------------------------------

    /** Queues a copy of these bytes, waiting while the pipe is full. */
    void write(byte[] b, int off, int len) throws IOException {
        for (int done = 0; done < len; ) {
            int n = Math.min(MAX_PIECE, len - done);
            enqueue(Arrays.copyOfRange(b, off + done, off + done + n));
            done += n;
        }
    }

    private void enqueue(byte[] piece) throws IOException {
        lock.lock();
        try {
            long deadline = waitNanos > 0 ? System.nanoTime() + waitNanos : 0;
            while (queued >= MAX_QUEUED && clientFailure == null) {
                try {
                    if (deadline == 0) {
                        writable.await();
                    } else {
                        long left = deadline - System.nanoTime();
                        if (left <= 0) {
                            clientFailure = new IOException("the client did not take the response in time");
                            break;
                        }
                        writable.awaitNanos(left);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while the client was slow to read");
                }
            }
            checkOpen();
            queue.add(piece);
            queued += piece.length;
            readable.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Asks the sender to push what is queued to the client now. */
    void flush() throws IOException {
        lock.lock();
        try {
            checkOpen();
            flushRequested = true;
            readable.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Ends the body: the sender sends what is queued and returns. */
    void close() throws IOException {
        lock.lock();
        try {
            checkOpen();
            ended = true;
            readable.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Aborts the body: the sender fails, and the connection closes. */
    void fail(Throwable cause) {
        lock.lock();
        try {
            if (handlerFailure == null && !ended) {
                handlerFailure = cause;
            }
            readable.signal();
        } finally {
            lock.unlock();
        }
    }

    private void checkOpen() throws IOException {
        if (clientFailure != null) {
            throw new IOException("the response can no longer be sent: " + clientFailure.getMessage(), clientFailure);
        }
        if (ended || handlerFailure != null) {
            throw new IOException("the response body is closed");
        }
    }

    // ---- the sender's side --------------------------------------------------------------------

    /**
     * Sends what the handler writes to {@code out} until it ends the body.
     *
     * @throws IOException if {@code out} fails, or the handler aborted the body (then the connection
     *     closes rather than end a body the client would take as complete)
     */
    void drainTo(OutputStream out) throws IOException {
        try {
            while (true) {
                byte[] piece;
                boolean flush;
                lock.lock();
                try {
                    while (queue.isEmpty() && !ended && handlerFailure == null && !flushRequested) {
                        readable.await();
                    }
                    piece = queue.poll();
                    if (piece != null) {
                        queued -= piece.length;
                        writable.signal();
                    }
                    flush = piece == null && flushRequested;
                    if (flush) {
                        flushRequested = false;
                    }
                    if (piece == null && !flush) {
                        if (handlerFailure != null) {
                            throw new IOException("the handler failed while writing the response", handlerFailure);
                        }
                        return; // ended, and everything was sent
                    }
                } finally {
                    lock.unlock();
                }
                if (piece != null) {
                    out.write(piece, 0, piece.length);
                } else {
                    out.flush();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            abandon(new InterruptedIOException("interrupted while sending the response"));
            throw new InterruptedIOException("interrupted while sending the response");
        } catch (IOException | RuntimeException | Error e) {
            abandon(e);
            throw e;
        }
    }

    private void abandon(Throwable cause) {
        boolean first;
        lock.lock();
        try {
            first = clientFailure == null && !ended;
            if (clientFailure == null) {
                clientFailure = cause;
            }
            queue.clear();
            queued = 0;
            writable.signalAll();
        } finally {
            lock.unlock();
        }
        if (first) {
            onAbandon.abandoned(cause);
        }
    }
}
