package io.corral.internal.server;

import io.corral.Config;
import io.corral.Hooks;
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
import java.time.Duration;
import java.util.concurrent.TimeUnit;
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
 * #abortRequest}, which answers 504 if nothing was sent, closes the connection and interrupts the
 * serving thread.
 *
 * <p>Threading: {@link #serve()} runs on the connection's own thread, which owns the parser,
 * buffers and encoder. {@link #abortRequest} runs on the Arbiter's monitor thread, {@link
 * #shutdownGracefully()} and {@link #abort()} on any thread; what they share with the serving
 * thread (whether it is idle, whether the response has started, whether it was aborted) is guarded
 * by {@code lock}, a {@link ReentrantLock} so that virtual threads never pin.
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
         * Monitor thread: a request ran past {@code timeout}, the connection was closed and the
         * serving thread interrupted; the worker must not wait for that thread to come back.
         */
        void abandoned(BlockingConnection connection, Thread servingThread);
    }

    private static final Logger LOG = LoggerFactory.getLogger("io.corral.server");
    private static final int IN_BUFFER = 1024;
    private static final int MAX_DRAIN = 64 * 1024;
    private static final long LINGER_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final SocketChannel channel;
    private final Socket socket;
    private final InputStream input;
    private final WorkerContext context;
    private final Config config;
    private final Hooks hooks;
    private final Handler handler;
    private final Policy policy;
    private final Limits limits;
    private final InetSocketAddress remote;
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

    // guarded by lock
    private boolean idle; // waiting for a request after a response; a new connection is owed its first
    private boolean committed;
    private boolean aborted;
    private boolean closeRequested;
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
        this.hooks = context.hooks();
        this.handler = handler;
        this.policy = policy;
        this.limits = Limits.of(config);
        this.remote = (InetSocketAddress) channel.getRemoteAddress();
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
            respondErrorAndClose(e.status(), e.getMessage());
        } catch (IOException e) {
            if (!isClosed()) {
                LOG.debug("Connection from {} failed: {}", remote, e.toString());
            }
        } catch (RuntimeException | Error e) {
            LOG.error("Unexpected failure serving {}", remote, e);
        } finally {
            close();
        }
    }

    /**
     * Starts a graceful close from any thread: a connection idle between requests closes now, a
     * busy one after its current response, and a new one after its first response (its head is
     * due within {@code header_timeout}).
     */
    public void shutdownGracefully() {
        boolean closeNow;
        lock.lock();
        try {
            closeRequested = true;
            closeNow = idle && !closed;
        } finally {
            lock.unlock();
        }
        if (closeNow) {
            close();
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

    @Override
    public int abortRequest(long startNanos) {
        int status;
        Thread t;
        lock.lock();
        try {
            if (closed || startNanos == 0 || requestStart != startNanos) {
                return -1;
            }
            aborted = true;
            t = thread;
            status = 0;
            if (!committed) {
                committed = true;
                try {
                    writeFully(ByteBuffer.wrap(ResponseEncoder.errorResponse(504, "the request took too long")));
                    status = 504;
                } catch (IOException e) {
                    LOG.debug("Could not send 504 to {}: {}", remote, e.toString());
                }
            }
            close();
        } finally {
            lock.unlock();
        }
        if (t != null) {
            t.interrupt();
            policy.abandoned(this, t);
        }
        return status;
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
        while (true) {
            if (in.hasRemaining()) {
                RequestHead head = parser.parse(in);
                if (head != null) {
                    return head;
                }
                if (!started) {
                    started = true;
                    headDeadline = headerNanos > 0 ? System.nanoTime() + headerNanos : 0;
                }
            }
            // a new connection is never idle: its client has connected to send a request, which is
            // answered even while the worker drains (within header_timeout)
            boolean waitingIdle = !first && !parser.inProgress();
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
            if (!setIdle(waitingIdle)) {
                return null; // shutting down
            }
            int n;
            try {
                socket.setSoTimeout(timeoutMillis);
                n = fill();
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
            if (!setIdle(false)) {
                // closed as idle (a drain) just as these bytes came: the request is not run, so that
                // no handler acts for a client that can no longer get the answer; it may retry
                return null;
            }
        }
    }

    /** Records whether the serving thread waits for a new request; false if the connection should close. */
    private boolean setIdle(boolean value) {
        lock.lock();
        try {
            idle = value;
            return !(value && (closeRequested || closed)) && !closed;
        } finally {
            lock.unlock();
        }
    }

    /** Reads more bytes into {@code in}; returns the count or -1 at end of stream. */
    private int fill() throws IOException {
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
        BodyInput body = new BodyInput(BodyDecoder.forHead(head, limits), head.expectContinue());
        Request request = head.toRequest(remote, body);
        long start = System.nanoTime();
        lock.lock();
        try {
            committed = false;
            requestStart = start;
        } finally {
            lock.unlock();
        }
        callHook(() -> hooks.preRequest(request));

        Response response = null;
        Throwable failure = null;
        try {
            response = handler.handle(request);
        } catch (Throwable t) {
            failure = t;
        }
        if (wasAborted()) {
            return false; // the monitor answered and closed; this thread is abandoned
        }
        Thread.interrupted(); // a stray interrupt must not close the channel under our writes

        int status;
        long sent = 0;
        boolean keepAlive;
        if (failure instanceof BadMessageException bad) {
            // the body the handler read was malformed or too large
            respondErrorAndClose(bad.status(), bad.getMessage());
            finished(request, head, bad.status(), 0, start);
            return false;
        }
        response = Exchanges.answer(LOG, head, response, failure);
        keepAlive = head.keepAlive()
                && config.keepAliveEnabled()
                && !closing()
                && !context.stopping()
                && body.reusable()
                && policy.mayKeepAlive();
        output.begin(encoder.encode(head, response, keepAlive), encoder);
        try {
            if (encoder.framing() != ResponseEncoder.Framing.NONE) {
                response.writeBody(output);
            }
            output.finish();
            status = response.status();
            sent = output.bodyBytes();
        } catch (Exception | Error e) {
            if (wasAborted()) {
                return false;
            }
            boolean clientGone = e instanceof IOException && output.committed();
            if (clientGone) {
                LOG.debug("Client {} went away during {}: {}", remote, head.requestLine(), e.toString());
            } else {
                LOG.error("Error writing the response to {}", head.requestLine(), e);
            }
            if (!output.committed()) {
                respondErrorAndClose(500, null);
                finished(request, head, 500, 0, start);
            } else {
                finished(request, head, 0, output.bodyBytes(), start);
            }
            return false;
        }
        boolean retire = finished(request, head, status, sent, start);
        if (encoder.closeAfter() || retire) {
            lingerAndClose();
            return false;
        }
        if (!body.drain()) {
            lingerAndClose();
            return false;
        }
        return true;
    }

    /** Logs, counts and reports a finished exchange; returns true if the worker reached max_requests. */
    private boolean finished(Request request, RequestHead head, int status, long bodyBytes, long start) {
        requestStart = 0;
        AccessLog.log(remote, head, status, bodyBytes);
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        callHook(() -> hooks.postRequest(request, status, elapsed));
        return context.requestFinished();
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

    private boolean wasAborted() {
        lock.lock();
        try {
            return aborted;
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
        lock.lock();
        try {
            if (committed || aborted || closed) {
                return;
            }
            committed = true;
        } finally {
            lock.unlock();
        }
        try {
            writeFully(ByteBuffer.wrap(ResponseEncoder.errorResponse(status, detail)));
        } catch (IOException e) {
            LOG.debug("Could not send {} to {}: {}", status, remote, e.toString());
            close();
            return;
        }
        lingerAndClose();
    }

    /**
     * Closes after a final response without losing it: shuts the output down, then reads and drops
     * what the client still sends (briefly) so that the kernel does not answer it with a reset that
     * could destroy the response in flight.
     */
    private void lingerAndClose() {
        try {
            socket.shutdownOutput();
            long deadline = System.nanoTime() + LINGER_NANOS;
            int drained = 0;
            while (drained < MAX_DRAIN) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                socket.setSoTimeout((int) Math.max(1, left / 1_000_000));
                int n = input.read(inBytes, 0, inBytes.length);
                if (n < 0) {
                    break;
                }
                drained += n;
            }
        } catch (IOException e) {
            // closing anyway
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
        context.connectionClosed();
        policy.closed(this);
    }

    private void writeFully(ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    private static void callHook(Runnable hook) {
        Exchanges.callHook(LOG, hook);
    }

    /**
     * Answers a connection the worker has no room for with {@code 503} and {@code Retry-After},
     * then closes it; runs on the calling thread and takes at most about a second.
     */
    public static void reject(SocketChannel channel) {
        try (channel) {
            channel.configureBlocking(true);
            ByteBuffer buffer = ByteBuffer.wrap(ResponseEncoder.errorResponse(503, "the server is at capacity"));
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            Socket s = channel.socket();
            s.shutdownOutput();
            s.setSoTimeout(1000);
            s.getInputStream().skip(MAX_DRAIN);
        } catch (IOException e) {
            LOG.debug("Could not send 503: {}", e.toString());
        }
    }

    // ---- the request body -----------------------------------------------------------------

    /**
     * The request body as the handler reads it: decoded from the connection's buffer, refilled from
     * the socket with {@code header_timeout} as the limit on each wait. Sends {@code 100 Continue}
     * the first time a client that expects it is read from. Confined to the serving thread.
     */
    private final class BodyInput extends InputStream {
        private final BodyDecoder decoder;
        private boolean expectContinue;
        private byte[] one;

        BodyInput(BodyDecoder decoder, boolean expectContinue) {
            this.decoder = decoder;
            this.expectContinue = expectContinue;
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
            if (len == 0) {
                return 0;
            }
            if (decoder.isComplete()) {
                return -1;
            }
            sendContinue();
            while (true) {
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
                long headerMillis = config.headerTimeout().toMillis();
                socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, headerMillis));
                int r;
                try {
                    r = fill();
                } catch (SocketTimeoutException e) {
                    throw new BadMessageException(408, "the request body stalled for longer than header_timeout");
                }
                if (r < 0) {
                    throw new java.io.EOFException("the client closed the connection in the middle of the body");
                }
            }
        }

        @Override
        public int available() {
            return decoder.isComplete() ? 0 : Math.min(in.remaining(), Integer.MAX_VALUE);
        }

        /** True if the connection can carry another request once the unread body is drained. */
        boolean reusable() {
            if (decoder.isComplete()) {
                return true;
            }
            // the client holds the body back until it sees 100 Continue, or a final response:
            // whether it then sends it or not is unknowable, so the connection must close
            return !expectContinue;
        }

        /** Reads and drops the rest of the body, up to 64 KiB; false if the connection must close instead. */
        boolean drain() {
            if (decoder.isComplete()) {
                return true;
            }
            if (expectContinue) {
                return false;
            }
            byte[] scratch = new byte[4096];
            long drained = 0;
            try {
                int n;
                while ((n = read(scratch, 0, scratch.length)) >= 0) {
                    drained += n;
                    if (drained > MAX_DRAIN) {
                        return false;
                    }
                }
                return true;
            } catch (IOException e) {
                return false;
            }
        }

        private void sendContinue() throws IOException {
            if (!expectContinue) {
                return;
            }
            expectContinue = false;
            lock.lock();
            try {
                if (aborted || closed || committed) {
                    throw new IOException("the exchange was aborted");
                }
                writeFully(ByteBuffer.wrap(ResponseEncoder.CONTINUE));
            } finally {
                lock.unlock();
            }
        }
    }
}
