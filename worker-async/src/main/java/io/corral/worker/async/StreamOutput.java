package io.corral.worker.async;

import io.corral.internal.http.BodyCount;
import io.corral.internal.http.ResponseEncoder;
import io.corral.internal.http.ResponseEncoder.Framing;
import io.corral.internal.server.Transport;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The body stream a {@link io.corral.http.BodyWriter} writes to on an offload thread, handed to
 * the event loop through a bounded queue: the writer blocks while more than {@link #MAX_QUEUED}
 * bytes wait for the socket, and the loop drains the queue as the socket takes them ({@code
 * OP_WRITE}). A client that reads slowly therefore holds the writer, never the server's memory.
 *
 * <p>Bytes are framed as they are queued (chunk size lines for a chunked body) and copied out of
 * the writer's arrays; small writes are gathered in an 8 KiB buffer until it fills or the writer
 * flushes. The response head goes out with the first bytes, so a writer that fails before writing
 * anything still lets the client get a 500.
 *
 * <p>Threading: {@link #write}, {@link #flush}, {@link #complete} and {@link #fail} run on the
 * writer's offload thread; {@link #drainTo} and {@link #cancel} on the event loop. The queue and
 * the flags they share are guarded by {@code lock}; the gathering buffer is the writer's alone.
 */
final class StreamOutput extends OutputStream {

    /** The writer blocks while at least this many bytes wait for the socket. */
    static final int MAX_QUEUED = 64 * 1024;

    private static final int BUFFER = 8192;
    private static final int MAX_PIECE = 16 * 1024;
    private static final int MAX_GATHER = 16;
    private static final byte[] CRLF = {'\r', '\n'};

    /** What {@link #drainTo} found. */
    enum Drain {
        /** Everything queued went out and the writer may queue more: wait for it. */
        IDLE,
        /** The socket is full, or the transport holds bytes it could not flush: wait for what it asks. */
        BLOCKED,
        /** The whole body went out. */
        DONE,
        /** The writer failed; what it had queued went out. */
        FAILED
    }

    private final Framing framing;
    private final Runnable notifyLoop;

    // writer thread only
    private final BodyCount count = new BodyCount();
    private final byte[] sizeLine = new byte[18];
    private byte[] buffer;
    private int buffered;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notFull = lock.newCondition();
    private final ArrayDeque<ByteBuffer> queue = new ArrayDeque<>(); // guarded by lock
    private final ByteBuffer[] gather = new ByteBuffer[MAX_GATHER]; // loop, under lock
    private ByteBuffer head; // guarded by lock; null once queued
    private long queued; // guarded by lock
    private boolean notifyPending; // guarded by lock: the loop will look at the queue without being told
    private boolean complete; // guarded by lock
    private Throwable failure; // guarded by lock
    private boolean cancelled; // guarded by lock
    private long sentBodyBytes; // guarded by lock: body bytes of a complete stream

    /**
     * Creates the stream of one response.
     *
     * @param head the encoded head, owned by this stream
     * @param notifyLoop asks the loop to call {@link #drainTo}; called by the writer when it queues
     *     bytes the loop has not been told about
     */
    StreamOutput(ByteBuffer head, Framing framing, long contentLength, Runnable notifyLoop) {
        this.head = head;
        this.framing = framing;
        this.notifyLoop = notifyLoop;
        count.begin(framing, contentLength);
    }

    // ---- the writer's side ------------------------------------------------------------------

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (!count.add(len) || len == 0) {
            return;
        }
        if (buffer != null && buffered + len <= buffer.length) {
            System.arraycopy(b, off, buffer, buffered, len);
            buffered += len;
            return;
        }
        flushBuffer();
        if (len >= BUFFER / 2) {
            for (int done = 0; done < len; ) {
                int n = Math.min(MAX_PIECE, len - done);
                enqueue(frame(b, off + done, n));
                done += n;
            }
            return;
        }
        if (buffer == null) {
            buffer = new byte[BUFFER];
        }
        System.arraycopy(b, off, buffer, 0, len);
        buffered = len;
    }

    /** Sends what was written so far (and the head, if it has not gone yet). */
    @Override
    public void flush() throws IOException {
        if (count.finished()) {
            return;
        }
        flushBuffer();
        enqueue(null);
    }

    /** The server ends the body, not the writer: closing early is a harmless no-op. */
    @Override
    public void close() {}

    /**
     * Ends the body after the writer returned: queues what is buffered and the last chunk.
     *
     * @throws IOException if a length-delimited body is short of its declared length
     */
    void complete() throws IOException {
        flushBuffer();
        count.finish();
        if (framing == Framing.CHUNKED) {
            enqueue(ResponseEncoder.LAST_CHUNK); // only ever read
        } else {
            enqueue(null); // the head of an empty body, if nothing else carried it
        }
        lock.lock();
        try {
            complete = true;
            sentBodyBytes = count.written();
        } finally {
            lock.unlock();
        }
    }

    /** Records that the writer failed; the loop learns of it when the writer's task hands back. */
    void fail(Throwable cause) {
        count.abandon();
        lock.lock();
        try {
            if (failure == null) {
                failure = cause;
            }
            sentBodyBytes = count.written();
        } finally {
            lock.unlock();
        }
    }

    private void flushBuffer() throws IOException {
        if (buffered > 0) {
            byte[] framed = frame(buffer, 0, buffered);
            buffered = 0;
            enqueue(framed);
        }
    }

    private byte[] frame(byte[] b, int off, int len) {
        if (framing != Framing.CHUNKED) {
            return Arrays.copyOfRange(b, off, off + len);
        }
        int h = ResponseEncoder.chunkHeader(len, sizeLine, 0);
        byte[] framed = new byte[h + len + 2];
        System.arraycopy(sizeLine, 0, framed, 0, h);
        System.arraycopy(b, off, framed, h, len);
        System.arraycopy(CRLF, 0, framed, h + len, 2);
        return framed;
    }

    /** Queues bytes (or only the head, if {@code bytes} is null), waiting while the queue is full. */
    private void enqueue(byte[] bytes) throws IOException {
        boolean notify;
        lock.lock();
        try {
            if (bytes == null && head == null) {
                return; // nothing to send
            }
            while (queued >= MAX_QUEUED && !cancelled) {
                try {
                    notFull.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while the client was slow to read");
                }
            }
            if (cancelled) {
                throw new IOException("the connection was closed");
            }
            if (head != null) {
                queue.add(head);
                queued += head.remaining();
                head = null;
            }
            if (bytes != null) {
                queue.add(ByteBuffer.wrap(bytes));
                queued += bytes.length;
            }
            notify = !notifyPending;
            notifyPending = true;
        } finally {
            lock.unlock();
        }
        if (notify) {
            notifyLoop.run();
        }
    }

    // ---- the loop's side --------------------------------------------------------------------

    /**
     * Writes queued bytes to {@code transport} (non-blocking) until the queue is empty and the
     * transport flushed, or the socket is full.
     */
    Drain drainTo(Transport transport) throws IOException {
        lock.lock();
        try {
            while (!queue.isEmpty()) {
                int n = 0;
                long want = 0;
                for (ByteBuffer b : queue) {
                    gather[n++] = b;
                    want += b.remaining();
                    if (n == MAX_GATHER) {
                        break;
                    }
                }
                long written;
                try {
                    written = transport.write(gather, 0, n);
                } finally {
                    Arrays.fill(gather, 0, n, null);
                }
                queued -= written;
                while (!queue.isEmpty() && !queue.peek().hasRemaining()) {
                    queue.poll();
                }
                if (queued < MAX_QUEUED) {
                    notFull.signal();
                }
                if (written < want) {
                    return Drain.BLOCKED;
                }
            }
            if (!transport.flush()) {
                return Drain.BLOCKED; // with TLS, bytes taken are not out until flushed
            }
            if (failure != null) {
                return Drain.FAILED;
            }
            if (complete) {
                return Drain.DONE;
            }
            notifyPending = false;
            return Drain.IDLE;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Drops what is queued and makes the writer's next write fail; called when the exchange is
     * aborted or the connection closed.
     *
     * @return true if the head had already been handed to the loop (the response has started)
     */
    boolean cancel() {
        lock.lock();
        try {
            cancelled = true;
            queue.clear();
            queued = 0;
            notFull.signalAll();
            return head == null;
        } finally {
            lock.unlock();
        }
    }

    /** Returns true once the head has been queued: the response has started. */
    boolean committed() {
        lock.lock();
        try {
            return head == null;
        } finally {
            lock.unlock();
        }
    }

    /** Returns the writer's failure, once {@link #drainTo} said {@link Drain#FAILED}. */
    Throwable failure() {
        lock.lock();
        try {
            return failure;
        } finally {
            lock.unlock();
        }
    }

    /** Returns the body bytes the writer produced, once it completed or failed. */
    long bodyBytes() {
        lock.lock();
        try {
            return sentBodyBytes;
        } finally {
            lock.unlock();
        }
    }
}
