package io.corral.internal.server;

import io.corral.Config;
import io.corral.http.BadMessageException;
import io.corral.http.Handler;
import io.corral.http.Request;
import io.corral.http.Response;
import io.corral.internal.http.BodyDecoder;
import io.corral.internal.http.Limits;
import io.corral.internal.http.RequestHead;
import io.corral.internal.http.RequestParser;
import io.corral.internal.http.ResponseEncoder;
import io.corral.spi.WorkerContext;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one connection with blocking I/O, request after request, for the worker models whose
 * requests run on threads of their own (sync and virtual): reads heads through the shared codec,
 * runs the handler, writes the response, keeps the connection alive or closes it.
 *
 * <p>Timeouts: a new connection must deliver its first request head within {@code
 * header_timeout}; later, an idle connection waits {@code keepalive} for the next request's first
 * byte and then {@code header_timeout} for the rest of its head (408 if it started and stalled;
 * a silent close if nothing came). Each wait for body bytes is bounded by {@code header_timeout}
 * too. The request as a whole is watched by the Arbiter: past {@code timeout} it calls {@link
 * #abortRequest}, which gives the thread up and has a helper thread answer 504 (if nothing was
 * sent), close the connection and interrupt the serving thread.
 *
 * <p>The protocol decisions (keep-alive, errors that close, the accounting order, client errors)
 * are {@link ExchangeRules}', which the async worker follows too.
 *
 * <p>Threading: {@link #serve()} runs on the connection's own thread, which owns the parser,
 * buffers and encoder. {@link #abortRequest} runs on the Arbiter's monitor thread, {@link
 * #shutdownGracefully()} and {@link #abort()} on any thread; what they share with the serving
 * thread (whether the response has started, whether it was aborted, whether a {@code 100
 * Continue} is being written) is guarded by {@code lock}, a {@link ReentrantLock} so that virtual
 * threads never pin. No socket I/O ever happens under {@code lock}: the monitor takes it, and a
 * client that stops reading must never be able to stall the monitor.
 */
public final class BlockingConnection implements WorkerContext.WatchedConnection {

    /** What the worker model decides for its connections. Called on the threads noted per method. */
    public interface Policy {
        /** Serving thread, before each response: may this connection stay open afterwards? */
        boolean mayKeepAlive();

        /**
         * How often, in milliseconds, an idle keep-alive connection asks {@link #yieldIdle()} whether
         * to give up its thread; 0 never asks.
         */
        long idleCheckMillis();

        /** Serving thread, while idle between requests: close now so that the thread can serve others? */
        boolean yieldIdle();

        /** Any thread, exactly once: the connection is closed. */
        void closed(BlockingConnection connection);

        /**
         * Monitor thread: a request ran past {@code timeout}; the connection is being closed and the
         * serving thread will be interrupted (after this returns). The worker must not wait for that
         * thread to come back, nor give it another connection. Must not block.
         */
        void abandoned(BlockingConnection connection, Thread servingThread);
    }

    private static final Logger LOG = LoggerFactory.getLogger("io.corral.server");
    private static final int IN_BUFFER = 1024;
    /** How long a 504 may take to reach a client that reads slowly before the connection is closed instead. */
    private static final long ABORT_WRITE_MILLIS = 1000;

    private final SocketChannel channel;
    private final Socket socket;
    private final InputStream input;
    private final WorkerContext context;
    private final Config config;
    private final Handler handler;
    private final Policy policy;
    private final Limits limits;
    private final InetSocketAddress remote;
    private final ConnectionOrigin origin;
    private final ResponseEncoder encoder = new ResponseEncoder();
    private final ChannelOutput output;
    private final ReentrantLock lock = new ReentrantLock();
    private final long acceptedNanos = System.nanoTime();

    // confined to the serving thread
    private final byte[] inBytes = new byte[IN_BUFFER];
    private final ByteBuffer in = ByteBuffer.wrap(inBytes).limit(0);
    private RequestParser parser;
    private WorkerContext.Registration registration;

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

    /**
     * Wraps a connection a worker accepted, switching it to blocking mode; call {@link #serve()} on
     * the thread that is to serve it.
     *
     * @return the connection, or null if it could not be set up (the client already gone), in which
     *     case the channel is closed
     */
    public static BlockingConnection open(
            SocketChannel channel, WorkerContext context, Handler handler, Policy policy) {
        try {
            channel.configureBlocking(true);
            return new BlockingConnection(channel, context, handler, policy);
        } catch (IOException e) {
            LOG.debug("Could not set up a connection: {}", e.toString());
            try {
                channel.close();
            } catch (IOException ignored) {
                // already failing
            }
            return null;
        }
    }

    private BlockingConnection(SocketChannel channel, WorkerContext context, Handler handler, Policy policy)
            throws IOException {
        this.channel = channel;
        this.socket = channel.socket();
        this.input = socket.getInputStream();
        this.context = context;
        this.config = context.config();
        this.handler = handler;
        this.policy = policy;
        this.limits = Limits.of(config);
        this.remote = (InetSocketAddress) channel.getRemoteAddress();
        this.origin = ConnectionOrigin.accept(context, remote); // hook: where the connection comes from
        this.output = new ChannelOutput(channel, this::commit);
        context.connectionOpened();
    }

    /** Serves requests until the connection closes; runs on the connection's own thread. */
    public void serve() {
        thread = Thread.currentThread();
        registration = context.watch(this);
        try {
            socket.setTcpNoDelay(true);
            boolean first = true;
            while (true) {
                RequestHead head = readHead(first);
                if (head == null || !exchange(head)) {
                    break;
                }
                first = false;
            }
        } catch (BadMessageException e) {
            LOG.debug("Invalid request from {}: {} {}", remote, e.status(), e.getMessage());
            origin.rejected(e); // hook: counted by the limit it broke
            respondErrorAndClose(e.status(), e.getMessage());
        } catch (IOException e) {
            if (!isClosed()) {
                LOG.debug("Connection from {} failed: {}", remote, e.toString());
            }
        } catch (RuntimeException | Error e) {
            LOG.error("Unexpected failure serving {}", remote, e);
        } finally {
            if (!aborted()) {
                close(); // an aborted exchange is closed by its abort, which may still be writing the 504
            }
        }
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
     * gives the serving thread up first (so that it takes no other connection), then, if no
     * response has started, a helper thread sends the 504, closes the connection and interrupts
     * the serving thread; a 504 that the client does not take within a second is dropped and the
     * connection closed. If a response (or a {@code 100 Continue}) is being written, the connection
     * is closed at once.
     *
     * @return 504 if a 504 is being sent, 0 if the connection was closed without one, -1 if that
     *     request had already finished
     */
    @Override
    public int abortRequest(long startNanos) {
        boolean send504;
        Thread t;
        lock.lock();
        try {
            if (closed || aborted || startNanos == 0 || requestStart != startNanos) {
                return -1;
            }
            aborted = true;
            t = thread;
            send504 = !committed && !continuing;
            committed = true;
        } finally {
            lock.unlock();
        }
        if (t != null) {
            policy.abandoned(this, t); // before the interrupt, which must not reach a thread still counted on
        }
        ExchangeRules.Account aborting = account;
        aborting.timedOut(); // hook: the connection closes for a timeout
        if (!send504) {
            close(); // never blocks: wakes a serving thread stuck writing to a client that does not read
            // the hooks of the exchange's end run on a thread of their own, never on the monitor
            CorralThreads.virtual("corral-abort", () -> {
                        interrupt(t);
                        aborting.finish(0, 0); // a status was sent already, or the connection is lost
                    })
                    .start();
            return 0;
        }
        AtomicBoolean done = new AtomicBoolean();
        CorralThreads.virtual("corral-abort-504", () -> {
                    int sent = 0;
                    try {
                        writeFully(ByteBuffer.wrap(ResponseEncoder.errorResponse(504, "the request took too long")));
                        sent = 504;
                    } catch (IOException e) {
                        LOG.debug("Could not send 504 to {}: {}", remote, e.toString());
                    } finally {
                        done.set(true);
                        close();
                        interrupt(t);
                        aborting.finish(sent, 0);
                    }
                })
                .start();
        CorralThreads.virtual("corral-abort-504-deadline", () -> {
                    try {
                        Thread.sleep(ABORT_WRITE_MILLIS);
                    } catch (InterruptedException e) {
                        // close now
                    }
                    if (!done.get()) {
                        LOG.debug("Dropping the 504 to {}: the client does not read", remote);
                        close(); // wakes the writer, which then interrupts the serving thread
                    }
                })
                .start();
        return 504;
    }

    private static void interrupt(Thread t) {
        if (t != null) {
            t.interrupt();
        }
    }

    // ---- reading heads ------------------------------------------------------------------

    /** Returns the next head, or null when the connection should close quietly. */
    private RequestHead readHead(boolean first) throws IOException {
        if (parser == null) {
            parser = new RequestParser(limits);
        }
        long headerNanos = config.headerTimeout().toNanos();
        // the first request's head is due header_timeout after accept; later ones header_timeout
        // after their first byte, following an idle wait of up to keepalive
        long headDeadline = first && headerNanos > 0 ? acceptedNanos + headerNanos : 0;
        long idleDeadline = first ? 0 : System.nanoTime() + config.keepalive().toNanos();
        boolean started = first;
        boolean proxied = !first || origin.awaitProxyHeader(in); // hook: the PROXY protocol stage, first
        while (true) {
            if (!proxied) {
                proxied = origin.awaitProxyHeader(in);
            }
            if (proxied && in.hasRemaining()) {
                RequestHead head = parser.parse(in);
                if (head != null) {
                    return head;
                }
                if (!started) {
                    started = true;
                    headDeadline = headerNanos > 0 ? System.nanoTime() + headerNanos : 0;
                }
            }
            long now = System.nanoTime();
            long deadline = started ? headDeadline : idleDeadline;
            long remainingNanos = deadline == 0 ? 0 : deadline - now;
            if (deadline != 0 && remainingNanos <= 0) {
                if (parser.inProgress()) {
                    throw new BadMessageException(408, "the request head did not arrive within header_timeout");
                }
                return null;
            }
            int timeoutMillis =
                    deadline == 0 ? 0 : (int) Math.max(1, Math.min(Integer.MAX_VALUE, remainingNanos / 1_000_000));
            long check = policy.idleCheckMillis();
            if (!started && check > 0) {
                timeoutMillis = timeoutMillis == 0 ? (int) check : (int) Math.min(timeoutMillis, check);
            }
            if (isClosed()) {
                return null; // aborted
            }
            int n;
            try {
                n = fill(timeoutMillis);
            } catch (SocketTimeoutException e) {
                if (!started && policy.yieldIdle()) {
                    return null;
                }
                continue;
            } catch (IOException e) {
                if (isClosed()) {
                    return null;
                }
                throw e;
            }
            if (n < 0) {
                return null; // the client closed; a half-sent head is nothing to answer
            }
        }
    }

    /** Reads more bytes into {@code in}, waiting at most {@code timeoutMillis} (0: no limit); -1 at end of stream. */
    private int fill(int timeoutMillis) throws IOException {
        socket.setSoTimeout(timeoutMillis);
        if (!in.hasRemaining()) {
            in.position(0).limit(0);
        } else if (in.limit() == inBytes.length) {
            int rem = in.remaining();
            System.arraycopy(inBytes, in.position(), inBytes, 0, rem);
            in.position(0).limit(rem);
        }
        int n = input.read(inBytes, in.limit(), inBytes.length - in.limit());
        if (n > 0) {
            in.limit(in.limit() + n);
        }
        return n;
    }

    // ---- one exchange -------------------------------------------------------------------

    /** Runs one request/response exchange; returns true if the connection stays open for another. */
    private boolean exchange(RequestHead head) throws IOException {
        requestLine = head.requestLine();
        BlockingBody body = new BlockingBody(BodyDecoder.forHead(head, limits), head.expectContinue(), bodySource, (int)
                Math.min(Integer.MAX_VALUE, config.headerTimeout().toMillis()));
        RequestOrigin from = origin.resolve(head); // hook: the client, scheme and host (400 if contradictory)
        Request request = from.toRequest(head, body);
        long start = System.nanoTime();
        ExchangeRules.Account account = new ExchangeRules.Account(context, LOG, origin, from, head, start);
        this.account = account;
        lock.lock();
        try {
            committed = false;
            requestStart = start;
        } finally {
            lock.unlock();
        }
        account.preRequest(request);

        Response response = null;
        Throwable failure = null;
        try {
            response = handler.handle(request);
        } catch (Throwable t) {
            failure = t;
        }
        if (aborted()) {
            return false; // the monitor answered and closes; this thread is abandoned
        }
        Thread.interrupted(); // a stray interrupt must not close the channel under our writes

        int clientError = ExchangeRules.clientError(body.brokenStatus(), failure);
        if (clientError != 0) {
            // the client broke its request body (cut short, stalled, badly framed, too large)
            LOG.debug(
                    "Request {} from {} failed: {} ({})", head.requestLine(), remote, clientError, failure.toString());
            origin.rejected(clientError, failure); // hook: counted by the limit it broke
            account.count();
            boolean sent = sendError(clientError, failure.getMessage());
            requestStart = 0;
            account.finish(sent ? clientError : 0, 0);
            lingerAndClose();
            return false;
        }
        response = account.answer(response, failure);
        boolean keepAlive = ExchangeRules.keepAlive(
                head,
                config,
                account.count(),
                closing() || context.stopping(),
                body.reusable() && policy.mayKeepAlive());
        output.begin(encoder.encode(head, response, keepAlive), encoder);
        try {
            if (encoder.framing() != ResponseEncoder.Framing.NONE) {
                io.corral.internal.http.ResponseBodies.write(response, output);
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
            committed = false; // fix: an error in the next head is answered, not closed on silently
        } finally {
            lock.unlock();
        }
        return true;
    }

    /** The request body's view of this connection. */
    private final BlockingBody.Source bodySource = new BlockingBody.Source() {
        @Override
        public ByteBuffer buffer() {
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

    private boolean isClosed() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }

    // ---- closing ------------------------------------------------------------------------

    /** Answers an error that ends the connection, unless a response has already started. */
    private void respondErrorAndClose(int status, String detail) {
        sendError(status, detail);
        lingerAndClose();
    }

    /**
     * Sends an error response (which says {@code Connection: close}) unless a response has already
     * started; the caller then closes. Returns true if it went out.
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
     * Closes after a final response without losing it: shuts the output down, then reads and drops
     * what the client still sends (briefly) so that the kernel does not answer it with a reset that
     * could destroy the response in flight.
     */
    private void lingerAndClose() {
        if (isClosed()) {
            return;
        }
        try {
            Lingering.drain(socket, input, inBytes);
        } finally {
            close();
        }
    }

    /** Closes the channel and releases the connection; idempotent, any thread. */
    private void close() {
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
        context.connectionClosed(origin.closeReason()); // hook: how it ended
        policy.closed(this);
    }

    private void writeFully(ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }
}
