package io.corral.internal.server;

import io.corral.Config;
import io.corral.http.BadMessageException;
import io.corral.http.Request;
import io.corral.http.Response;
import io.corral.internal.http.BodyDecoder;
import io.corral.internal.http.RequestHead;
import io.corral.internal.http.RequestParser;
import io.corral.internal.http.ResponseBodies;
import io.corral.internal.http.ResponseEncoder;
import io.corral.spi.Application;
import io.corral.spi.WorkerContext;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;
import org.slf4j.Logger;

/**
 * One client connection of a worker model whose requests run on threads of their own (sync,
 * virtual). Its {@link Poller} reads each request head; once a head is complete, a thread of the
 * model calls {@link #run()}, which runs the handler, writes the response and either hands the
 * connection back to the poller for the next request or ends it with a lingering close. The code
 * the thread runs is blocking-style (a handler reads {@link Request#body()} as a plain stream), but
 * the channel never leaves non-blocking mode: when the socket has nothing to read, or will not take
 * more of the response, the thread asks the poller to watch it and parks until woken, so the
 * deadlines (each wait for body bytes is bounded by {@code header_timeout}) live in the poller's
 * timer wheel and never in a timed park.
 *
 * <p>The request as a whole is watched by the Arbiter: past {@code timeout} it calls {@link
 * #abortRequest}, which gives the thread up, has the poller answer 504 (if nothing was sent) with a
 * lingering close, and interrupts the serving thread. The protocol decisions (keep-alive, errors that
 * close, the accounting order, client errors) are {@link ExchangeRules}', which the async worker
 * follows too.
 *
 * <p>Threading: the fields marked "loop" belong to the poller while it holds the connection (reading
 * a head, watching a wait, lingering) and to the serving thread while it runs an exchange; the
 * hand-overs go through the poller's task queue and the model's dispatch, which order them. {@link
 * #abortRequest} runs on the Arbiter's monitor thread, {@link #shutdownGracefully()}, {@link #abort()}
 * and {@link #close()} on any thread; what they share with the serving thread (whether the response
 * has started, whether it was aborted, whether a {@code 100 Continue} is being written) is guarded by
 * {@code lock}, a {@link ReentrantLock} so that virtual threads never pin. No socket I/O ever happens
 * under {@code lock}.
 */
public final class BlockingConnection extends TimerWheel.Timer implements WorkerContext.WatchedConnection {

    // what the connection is doing, and so who holds it
    static final int HEAD = 0; // poller: waiting for (the rest of) a request head
    static final int RUNNING = 1; // a thread runs an exchange
    static final int WAITING = 2; // the thread is parked; the poller watches the socket for it
    static final int LINGER = 3; // poller: final bytes out, output shut, reading and dropping

    // the outcome of a wait
    static final int PENDING = 0;
    static final int READY = 1;
    static final int TIMED_OUT = 2;
    static final int CLOSED = 3;

    private static final Logger LOG = Poller.LOG;
    private static final int IN_BUFFER = 1024;
    private static final byte[] TIMED_OUT_504 = ResponseEncoder.errorResponse(504, "the request took too long");
    private static final AtomicIntegerFieldUpdater<BlockingConnection> WAIT_RESULT =
            AtomicIntegerFieldUpdater.newUpdater(BlockingConnection.class, "waitResult");

    final Poller poller;
    final SocketChannel channel;
    final InetSocketAddress remote;
    /** False for a client accepted only to be refused with 503; it is not in the stats. */
    final boolean counted;
    /** Where the connection comes from (PROXY protocol, forwarded headers) and how it ends. */
    final ConnectionOrigin origin;

    private final ReentrantLock lock = new ReentrantLock();

    // loop (see the class comment)
    SelectionKey key;
    Transport transport; // plain, or TLS once the PROXY stage is over
    int phase = HEAD;
    RequestParser parser; // only while a head is arriving
    boolean proxied; // the PROXY protocol stage is over (or off): HTTP may be read
    boolean secured; // the TLS handshake's facts are noted in origin
    boolean served; // a response went out: the next head is due keepalive after it
    boolean threadWaits; // the thread that served the last request is parked for the next head
    volatile boolean readCleared; // the loop cleared the key's interest while a thread ran it
    long idleSince; // when the connection last went idle
    RequestHead head; // the head dispatched to a thread
    ByteBuffer farewell; // what is left of a final response the poller sends
    int lingered;

    // the serving thread's
    private ByteBuffer in; // bytes read after the current head; null while there are none
    private WorkerContext.Registration registration;

    // a parked thread and the outcome of its wait
    private volatile Thread waiter;
    private volatile int waitResult;

    // read by the monitor thread
    private volatile long requestStart;
    private volatile String requestLine = "";
    private volatile Thread thread;
    private volatile ExchangeRules.Account account; // the current exchange's, which an abort finishes

    // guarded by lock
    private boolean committed; // a response (or an error, or the 504) has started
    private boolean continuing; // the serving thread is writing 100 Continue, outside the lock
    private boolean aborted; // past timeout: the abort closes the connection, not the serving thread
    private boolean closeRequested; // draining: answer with Connection: close, close when idle expires
    private boolean closed;
    private IntConsumer farewellDone; // an abort's 504: told the status that reached the client

    BlockingConnection(Poller poller, SocketChannel channel, boolean counted) throws IOException {
        this.poller = poller;
        this.channel = channel;
        this.counted = counted;
        this.remote = (InetSocketAddress) channel.getRemoteAddress();
        this.transport = Transport.plain(channel);
        this.origin = ConnectionOrigin.accept(poller.context, remote, poller.speaksTls());
    }

    /** Puts the connection under the Arbiter's watch for requests past {@code timeout}. Loop. */
    void watch() {
        registration = poller.context.watch(this);
    }

    /** Keeps the bytes that followed a complete head in {@code read} for the thread. Loop. */
    void leftover(ByteBuffer read) {
        if (!read.hasRemaining()) {
            in = null;
            return;
        }
        ByteBuffer copy = ByteBuffer.allocate(Math.max(IN_BUFFER, read.remaining()));
        copy.put(read).flip();
        in = copy;
    }

    @Override
    protected void expired(long nowNanos) {
        poller.expired(this, nowNanos);
    }

    // ---- the serving thread -------------------------------------------------------------------

    /**
     * Serves the request whose head the poller dispatched, and any that the client pipelined behind
     * it, then hands the connection back to the poller (or ends it). Runs on the thread the worker
     * model gives it; returns without waiting for the next request.
     */
    public void run() {
        ResponseEncoder encoder = new ResponseEncoder(poller.date);
        ChannelOutput output = new ChannelOutput(this::writeFully, this::commit);
        try {
            do {
                thread = Thread.currentThread();
                RequestHead next = head;
                head = null;
                while (next != null) {
                    if (!exchange(next, encoder, output)) {
                        return;
                    }
                    next = bufferedHead();
                }
            } while (awaitNextHead());
        } catch (BadMessageException e) {
            LOG.debug("Invalid request from {}: {} {}", remote, e.status(), e.getMessage());
            origin.rejected(e);
            respondErrorAndClose(e.status(), e.getMessage());
        } catch (IOException e) {
            if (!isClosed()) {
                LOG.debug("Connection from {} failed: {}", remote, e.toString());
            }
            closeUnlessAborted();
        } catch (RuntimeException | Error e) {
            LOG.error("Unexpected failure serving {}", remote, e);
            closeUnlessAborted();
        }
    }

    /**
     * Returns the next request head if the client pipelined a whole one behind the last request;
     * otherwise hands the connection back to the poller, with the part of a head that came already,
     * and returns null. A model that keeps its threads a while ({@link Poller.Model#threadLingerNanos})
     * has this thread registered to wait for the next head before the hand-over, so that the poller
     * can give the head to it rather than to a new thread.
     */
    private RequestHead bufferedHead() throws BadMessageException {
        RequestParser begun = null;
        if (in != null && in.hasRemaining()) {
            begun = new RequestParser(poller.limits);
            RequestHead next = begun.parse(in);
            if (next != null) {
                return next;
            }
        }
        in = null; // an idle connection keeps no buffer, nor the last exchange
        account = null;
        requestLine = "";
        thread = null;
        boolean linger = poller.lingersThreads();
        if (linger) {
            WAIT_RESULT.set(this, PENDING);
            waiter = Thread.currentThread();
        }
        RequestParser handed = begun;
        poller.handBack(this, () -> poller.awaitHead(this, handed, linger));
        return null;
    }

    /**
     * Parks this thread, if the poller is to hand it the connection's next head, until it does
     * (true) or gives the thread up because the connection stayed idle past the model's linger or
     * closed (false: the thread ends).
     */
    private boolean awaitNextHead() {
        if (waiter != Thread.currentThread()) {
            return false;
        }
        int result;
        while ((result = waitResult) == PENDING) {
            LockSupport.park(this);
            if (Thread.currentThread().isInterrupted()) {
                Thread.interrupted(); // only the poller ends this wait, so that a head is never lost
            }
        }
        waiter = null;
        return result == READY;
    }

    /** Returns true if the request this thread served was aborted: the thread has been given up on. */
    public boolean aborted() {
        lock.lock();
        try {
            return aborted;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Runs one request/response exchange; returns true if the connection stays open for another,
     * false if it was closed, handed to a lingering close, or aborted.
     */
    private boolean exchange(RequestHead head, ResponseEncoder encoder, ChannelOutput output) throws IOException {
        requestLine = head.requestLine();
        Config config = poller.config;
        BlockingBody body =
                new BlockingBody(BodyDecoder.forHead(head, poller.limits), head.expectContinue(), bodySource, (int)
                        Math.min(Integer.MAX_VALUE, config.headerTimeout().toMillis()));
        RequestOrigin from = origin.resolve(head); // the client, scheme and host (400 if contradictory)
        Request request = from.toRequest(head, body);
        long start = System.nanoTime();
        ExchangeRules.Account account = new ExchangeRules.Account(poller.context, LOG, origin, from, head, start);
        this.account = account;
        lock.lock();
        try {
            committed = false;
            requestStart = start;
        } finally {
            lock.unlock();
        }
        try {
            account.preRequest(request);

            Response response = null;
            Throwable failure = null;
            try {
                response = poller.context.application() instanceof Application.Async async
                        ? body.handleAsync(async.handler(), request) // reads for its subscriber meanwhile
                        : poller.handler.handle(request);
            } catch (Throwable t) {
                failure = t;
            }
            // from here on only this thread reads the body: a reader the application left behind on
            // another thread must not wait on the socket this thread is about to write to
            body.reclaim();
            if (aborted()) {
                return false; // the monitor answered and closes; this thread is abandoned
            }
            Thread.interrupted(); // a stray interrupt is not this connection's business

            int clientError = ExchangeRules.clientError(body.brokenStatus(), failure);
            if (clientError != 0) {
                // the client broke its request body (cut short, stalled, badly framed, too large)
                LOG.debug(
                        "Request {} from {} failed: {} ({})",
                        head.requestLine(),
                        remote,
                        clientError,
                        failure.toString());
                origin.rejected(clientError, failure);
                account.count();
                boolean sent = sendError(clientError, failure.getMessage());
                requestStart = 0;
                account.finish(sent ? clientError : 0, 0);
                lingerAndClose();
                return false;
            }
            response = account.answer(response, failure);
            boolean keepAlive = ExchangeRules.keepAlive(
                    head, config, account.count(), closing() || poller.context.stopping(), body.reusable());
            output.begin(encoder.encode(head, response, keepAlive), encoder);
            try {
                if (encoder.framing() != ResponseEncoder.Framing.NONE) {
                    ResponseBodies.write(response, output);
                }
                output.finish();
            } catch (Exception | Error e) {
                if (aborted()) {
                    return false;
                }
                boolean clientGone = e instanceof IOException && output.committed();
                if (clientGone) {
                    LOG.debug("Client {} went away during {}: {}", remote, head.requestLine(), e.toString());
                } else {
                    LOG.error("Error writing the response to {}", head.requestLine(), e);
                }
                requestStart = 0;
                if (!output.committed()) {
                    account.finish(sendError(500, null) ? 500 : 0, 0);
                    lingerAndClose();
                } else {
                    account.finish(0, output.bodyBytes());
                    close();
                }
                return false;
            }
            requestStart = 0;
            account.finish(response.status(), output.bodyBytes());
            if (encoder.closeAfter() || !body.drain()) {
                lingerAndClose();
                return false;
            }
            lock.lock();
            try {
                committed = false; // so that an error in the next head is answered
            } finally {
                lock.unlock();
            }
            return true;
        } finally {
            body.release();
        }
    }

    /** The request body's view of this connection. */
    private final BlockingBody.Source bodySource = new BlockingBody.Source() {
        @Override
        public ByteBuffer buffer() {
            if (in == null) {
                in = ByteBuffer.allocate(IN_BUFFER).limit(0);
            }
            return in;
        }

        @Override
        public int fill(int timeoutMillis) throws IOException {
            return BlockingConnection.this.fill(timeoutMillis);
        }

        @Override
        public void sendContinue() throws IOException {
            BlockingConnection.this.sendContinue();
        }
    };

    /**
     * Reads more bytes into {@code in}, waiting at most {@code timeoutMillis} (0: no limit) for them;
     * -1 at end of stream.
     *
     * @throws SocketTimeoutException if nothing came in time
     */
    private int fill(int timeoutMillis) throws IOException {
        ByteBuffer buffer = bodySource.buffer();
        buffer.compact(); // now in write mode: what was left first, then room
        try {
            if (!buffer.hasRemaining()) {
                ByteBuffer larger = ByteBuffer.allocate(buffer.capacity() * 2);
                buffer.flip();
                larger.put(buffer);
                in = buffer = larger;
            }
            long deadline = timeoutMillis > 0 ? System.nanoTime() + timeoutMillis * 1_000_000L : 0;
            while (true) {
                int n = transport.read(buffer);
                if (n != 0) {
                    return n;
                }
                awaitTransport(SelectionKey.OP_READ, deadline);
            }
        } finally {
            buffer.flip();
        }
    }

    /** Writes every byte of {@code buffers[0..count)}, waiting for the socket as long as it takes. */
    private void writeFully(ByteBuffer[] buffers, int count) throws IOException {
        long total = 0;
        for (int i = 0; i < count; i++) {
            total += buffers[i].remaining();
        }
        while (total > 0) {
            long w = transport.write(buffers, 0, count);
            if (w == 0) {
                awaitTransport(SelectionKey.OP_WRITE, 0);
            }
            total -= w;
        }
        while (!transport.flush()) {
            awaitTransport(SelectionKey.OP_WRITE, 0);
        }
    }

    /**
     * Waits for what the transport needs after a call that made no progress: the socket ready for
     * {@code natural} (or, with TLS, the other way round), or a delegated task, run here.
     */
    private void awaitTransport(int natural, long deadlineNanos) throws IOException {
        int ops = transport.interestOps(natural);
        if (ops == 0) {
            transport.runTasks();
        } else {
            await(ops, deadlineNanos);
        }
    }

    private void writeFully(ByteBuffer buffer) throws IOException {
        writeFully(new ByteBuffer[] {buffer}, 1);
    }

    /**
     * Parks until the poller sees {@code ops} ready on the socket, or {@code deadlineNanos} passes
     * (0: no deadline), or the connection closes or is taken over by an abort.
     */
    private void await(int ops, long deadlineNanos) throws IOException {
        if (isClosed() || aborted()) {
            throw new ClosedChannelException();
        }
        WAIT_RESULT.set(this, PENDING);
        waiter = Thread.currentThread();
        poller.execute(() -> poller.watch(this, ops, deadlineNanos));
        boolean interrupted = false;
        int result;
        while ((result = waitResult) == PENDING) {
            LockSupport.park(this);
            if (Thread.interrupted()) {
                interrupted = true;
                if (isClosed() || aborted()) {
                    result = CLOSED; // the poller resolves the watch as it takes the connection over
                    break;
                }
            }
        }
        waiter = null;
        if (interrupted) {
            Thread.currentThread().interrupt();
            if (result == CLOSED) {
                throw new InterruptedIOException("interrupted while waiting for the client");
            }
        }
        if (result == TIMED_OUT) {
            throw new SocketTimeoutException("the client sent nothing in time");
        }
        if (result != READY) {
            throw new ClosedChannelException();
        }
    }

    /** Ends the wait of a parked thread with {@code result}, once; any thread. */
    void wake(int result) {
        Thread w = waiter;
        if (w != null && WAIT_RESULT.compareAndSet(this, PENDING, result)) {
            LockSupport.unpark(w);
        }
    }

    /**
     * Sends {@code 100 Continue} outside the lock, so that a client that does not read can stall
     * only this thread: an abort meanwhile closes the connection instead of writing its 504.
     */
    private void sendContinue() throws IOException {
        lock.lock();
        try {
            if (aborted || closed || committed) {
                throw new IOException("the exchange was aborted");
            }
            continuing = true;
        } finally {
            lock.unlock();
        }
        try {
            writeFully(ByteBuffer.wrap(ResponseEncoder.CONTINUE));
        } finally {
            lock.lock();
            try {
                continuing = false;
            } finally {
                lock.unlock();
            }
        }
    }

    private void commit() throws IOException {
        lock.lock();
        try {
            if (aborted || closed) {
                throw new IOException("the exchange was aborted");
            }
            committed = true;
        } finally {
            lock.unlock();
        }
    }

    private boolean closing() {
        lock.lock();
        try {
            return closeRequested || closed;
        } finally {
            lock.unlock();
        }
    }

    /** Returns true once the connection is closed; any thread. */
    boolean isClosed() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }

    // ---- any thread ---------------------------------------------------------------------------

    /**
     * Starts a graceful close from any thread: the next response (the current one, or the answer to
     * a request that arrives on the idle connection, or a new connection's first) carries {@code
     * Connection: close}; a connection that stays idle closes when its {@code keepalive} runs out.
     * It is not closed at once while idle: its client may be sending a request at that moment.
     */
    public void shutdownGracefully() {
        lock.lock();
        try {
            closeRequested = true;
        } finally {
            lock.unlock();
        }
    }

    /** Closes the connection now from any thread; a request in flight is lost. */
    public void abort() {
        Thread t = thread;
        boolean busy = requestStart != 0;
        close();
        if (busy && t != null) {
            t.interrupt();
        }
    }

    @Override
    public long requestStartNanos() {
        return requestStart;
    }

    @Override
    public String requestLine() {
        return requestLine;
    }

    @Override
    public Thread thread() {
        return thread;
    }

    /**
     * Aborts the request past {@code timeout}, from the monitor thread, without blocking: the worker
     * gives the serving thread up first (so that it takes no other connection), then, if no response
     * has started, the poller sends the 504 and closes with a lingering close (a client that does not
     * take it within a second loses it), and the serving thread is interrupted. If a response (or a
     * {@code 100 Continue}) is being written, the connection is closed at once.
     *
     * @return 504 if a 504 is being sent, 0 if the connection was closed without one, -1 if that
     *     request had already finished
     */
    @Override
    public int abortRequest(long startNanos) {
        boolean send504;
        Thread t;
        ExchangeRules.Account aborting = account;
        lock.lock();
        try {
            if (closed || aborted || startNanos == 0 || requestStart != startNanos) {
                return -1;
            }
            aborted = true;
            aborting.timedOut();
            t = thread;
            send504 = !committed && !continuing;
            committed = true;
            if (send504) {
                // the hooks of the exchange's end run on a thread of their own, never on the monitor
                // or the poller
                farewellDone = status -> CorralThreads.virtual("corral-abort-504", () -> aborting.finish(status, 0))
                        .start();
            }
        } finally {
            lock.unlock();
        }
        if (t != null) {
            poller.abandoned(t); // before the interrupt, which must not reach a thread still counted on
        }
        if (!send504) {
            close(); // wakes a serving thread parked on a client that does not read
            interrupt(t);
            CorralThreads.virtual("corral-abort", () -> aborting.finish(0, 0)).start();
            return 0;
        }
        poller.execute(() -> poller.linger(this, TIMED_OUT_504));
        interrupt(t);
        return 504;
    }

    private static void interrupt(Thread t) {
        if (t != null) {
            t.interrupt();
        }
    }

    /** The poller sent the whole farewell (an error response); an abort's accounting learns of it. Loop. */
    void farewellSent() {
        reportFarewell(504);
    }

    private void reportFarewell(int status) {
        IntConsumer done;
        lock.lock();
        try {
            done = farewellDone;
            farewellDone = null;
        } finally {
            lock.unlock();
        }
        if (done != null) {
            done.accept(status);
        }
    }

    // ---- closing ------------------------------------------------------------------------

    /** Answers an error that ends the connection, unless a response has already started. Serving thread. */
    private void respondErrorAndClose(int status, String detail) {
        sendError(status, detail);
        lingerAndClose();
    }

    /**
     * Sends an error response (which says {@code Connection: close}) unless a response has already
     * started; the caller then closes. Returns true if it went out. Serving thread.
     */
    private boolean sendError(int status, String detail) {
        lock.lock();
        try {
            if (committed || aborted || closed) {
                return false;
            }
            committed = true;
        } finally {
            lock.unlock();
        }
        try {
            writeFully(ByteBuffer.wrap(ResponseEncoder.errorResponse(status, detail)));
            return true;
        } catch (IOException e) {
            LOG.debug("Could not send {} to {}: {}", status, remote, e.toString());
            return false;
        }
    }

    /**
     * Closes after a final response without losing it: the poller shuts the output down, then reads
     * and drops what the client still sends (briefly), so that the kernel does not answer it with a
     * reset that could destroy the response in flight. The thread is free at once. Serving thread.
     */
    private void lingerAndClose() {
        in = null;
        thread = null;
        if (!isClosed()) {
            poller.execute(() -> poller.linger(this, null));
        }
    }

    private void closeUnlessAborted() {
        if (!aborted()) {
            close(); // an aborted exchange is closed by its abort, which may still be sending the 504
        }
    }

    /** Closes the channel and releases the connection; idempotent, any thread. */
    void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
        } finally {
            lock.unlock();
        }
        try {
            channel.close();
        } catch (IOException e) {
            // nothing left to do
        }
        if (registration != null) {
            registration.close();
        }
        wake(CLOSED);
        reportFarewell(0);
        poller.closed(this);
    }
}
