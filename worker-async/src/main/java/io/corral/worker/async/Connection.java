package io.corral.worker.async;

import io.corral.http.BadMessageException;
import io.corral.internal.http.RequestHead;
import io.corral.internal.http.RequestParser;
import io.corral.internal.http.ResponseEncoder;
import io.corral.internal.net.ProxyProtocolException;
import io.corral.internal.server.ConnectionOrigin;
import io.corral.internal.server.Lingering;
import io.corral.internal.server.TimerWheel;
import io.corral.metrics.Rejection;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * One client connection on an event loop: reads request heads through the shared codec, runs one
 * {@link Exchange} at a time, streams its request body to it, writes without blocking, and closes,
 * lingering after a final response so that the client gets it.
 *
 * <p>Lean while idle: no buffers of its own (reads land in the loop's buffer), no parser until the
 * next head's first byte, no exchange between requests. While an exchange runs the connection
 * reads only for its body, and only while the body's buffer has room ({@link Exchange#wantsBytes}),
 * at most as many bytes as fit; so a handler that consumes slowly holds the client back, and
 * pipelined requests wait in the socket. Bytes that came with the current request and do not fit
 * (the rest of a body that outgrew the buffer, or the next request) are kept ({@code leftover}) and
 * fed on once there is room, or once the response has gone out.
 *
 * <p>Its one deadline (a {@link TimerWheel.Timer}) means what the connection waits for: the head
 * ({@code header_timeout}, from accept or from the head's first byte), the next request ({@code
 * keepalive}), body bytes ({@code header_timeout} per wait), the response ({@code timeout}) or the
 * end of a lingering close.
 *
 * <p>Threading: confined to its event loop, except {@link #abortFromAnyThread()}.
 */
final class Connection extends TimerWheel.Timer {

    private static final int READ_HEAD = 0;
    private static final int BUSY = 2; // an exchange runs: its handler, its response, the drain of its body
    private static final int CLOSING = 3; // sending a final error, then lingering
    private static final int LINGER = 4;
    private static final int CLOSED = 5;

    private static final long LINGER_NANOS = TimeUnit.SECONDS.toNanos(1);

    final EventLoop loop;
    final SocketChannel channel;
    /** The client's address, looked up once for every request on the connection. */
    final InetSocketAddress remote;
    /** Where the connection comes from (PROXY header, forwarded headers) and how it ends. */
    final ConnectionOrigin origin;
    /** False for a connection accepted only to be refused with 503; it is not in the stats. */
    final boolean counted;

    private SelectionKey key;
    private int state = READ_HEAD;
    private boolean served; // a response went out: the next head is due keepalive after it
    private boolean closeRequested;
    private boolean feeding; // inside feed(): an exchange that ends synchronously lets feed go on
    private boolean writeBlocked; // waiting for OP_WRITE
    private int lingered;
    private RequestParser parser; // only while a head is arriving
    private ByteBuffer leftover; // bytes after the current request, parsed once it is answered
    private Exchange exchange;
    /** The request body in flight, for an abort from another thread to fail its readers; loop writes. */
    private volatile RequestBody body;

    private Outbound pending; // what the socket has not taken yet

    Connection(EventLoop loop, SocketChannel channel, boolean counted) {
        this.loop = loop;
        this.channel = channel;
        this.counted = counted;
        this.remote = remoteAddress(channel);
        this.origin = ConnectionOrigin.accept(loop.context, remote);
    }

    private static InetSocketAddress remoteAddress(SocketChannel channel) {
        try {
            return (InetSocketAddress) channel.getRemoteAddress();
        } catch (IOException e) {
            return InetSocketAddress.createUnresolved("0.0.0.0", 0);
        }
    }

    /** Registers with the loop's selector for reading and arms the first head's deadline. */
    void open(Selector selector) throws ClosedChannelException {
        key = channel.register(selector, SelectionKey.OP_READ, this);
        armHeaderDeadline();
        try {
            origin.awaitProxyHeader(ByteBuffer.allocate(0)); // a peer outside proxy_allow_from goes at once
        } catch (ProxyProtocolException e) {
            EventLoop.LOG.debug("Closing a connection: {}", e.getMessage());
            close();
        }
    }

    /** Answers a connection the worker has no room for with 503, then closes it. */
    void reject(Selector selector) throws ClosedChannelException {
        key = channel.register(selector, 0, this);
        respondErrorAndClose(503, "the server is at capacity");
    }

    // ---- events ---------------------------------------------------------------------------

    /** The selector reported {@code key} ready. */
    void ready(SelectionKey selected) {
        int ops = selected.readyOps();
        if ((ops & SelectionKey.OP_WRITE) != 0) {
            onWritable();
        }
        if ((ops & SelectionKey.OP_READ) != 0 && state != CLOSED && (key.interestOps() & SelectionKey.OP_READ) != 0) {
            onReadable();
        }
    }

    private void onReadable() {
        ByteBuffer in = loop.readBuffer.clear();
        if (state == BUSY) {
            if (!exchange.wantsBytes()) {
                updateInterest();
                return;
            }
            in.limit(exchange.readLimit(in.capacity())); // no more than the body's buffer has room for
        }
        int n;
        try {
            n = channel.read(in);
        } catch (IOException e) {
            EventLoop.LOG.debug("Reading from a client failed: {}", e.toString());
            close();
            return;
        }
        if (n < 0) {
            if (state == BUSY) {
                // the client closed its side in the middle of the body: its error, which the handler
                // meets when it reads on (it may still read the answer)
                exchange.bodyEnded();
                updateInterest();
                return;
            }
            close(); // a half-sent head is nothing to answer; a lingering close is over
            return;
        }
        if (n == 0) {
            return;
        }
        in.flip();
        if (state == LINGER) {
            lingered += n;
            if (lingered > Lingering.MAX_DRAIN) {
                close();
            }
        } else if (state == READ_HEAD || state == BUSY) {
            feed(in);
        }
    }

    private void onWritable() {
        writeBlocked = false;
        if (pending != null) {
            try {
                if (!pending.flush(channel)) {
                    writeBlocked = true;
                    return;
                }
                pending = null;
            } catch (IOException e) {
                EventLoop.LOG.debug("Writing to a client failed: {}", e.toString());
                close();
                return;
            }
        }
        if (state == CLOSING) {
            lingerAndClose();
        } else if (exchange != null) {
            exchange.writable();
        }
        updateInterest();
    }

    /** The connection's deadline passed; what that means depends on what it waits for. */
    @Override
    protected void expired(long nowNanos) {
        switch (state) {
            case READ_HEAD -> {
                if (parser != null && parser.inProgress()) {
                    origin.rejected(Rejection.HEADER_TIMEOUT);
                    respondErrorAndClose(408, "the request head did not arrive within header_timeout");
                } else {
                    close(); // nothing came: close quietly
                }
            }
            case BUSY -> exchange.expired(nowNanos);
            default -> close();
        }
    }

    // ---- reading requests -----------------------------------------------------------------

    /**
     * Parses heads out of {@code in} and feeds their bodies, until {@code in} is used up, or the
     * exchange in flight takes no more bytes now: what is left is kept for later.
     */
    private void feed(ByteBuffer in) {
        feeding = true;
        try {
            while (in.hasRemaining()) {
                if (state == READ_HEAD) {
                    if (!origin.awaitProxyHeader(in) || !in.hasRemaining()) { // the PROXY protocol stage
                        break;
                    }
                    if (parser == null) {
                        parser = new RequestParser(loop.limits);
                        if (served) {
                            armHeaderDeadline(); // the first byte of a later request
                        }
                    }
                    RequestHead head = parser.parse(in);
                    if (head == null) {
                        break;
                    }
                    parser = null;
                    state = BUSY;
                    exchange = new Exchange(this, head, origin.resolve(head)); // client, scheme, host
                    exchange.begin(in); // runs the handler: may answer at once, and then this loop goes on
                } else if (state == BUSY && exchange.wantsBytes()) {
                    int before = in.position();
                    exchange.feedBody(in); // may end the exchange, and then this loop goes on
                    if (in.position() == before) {
                        break;
                    }
                } else {
                    break;
                }
            }
        } catch (ProxyProtocolException e) {
            EventLoop.LOG.debug("Closing a connection: {}", e.getMessage()); // no answer, as the spec says
            close();
            return;
        } catch (BadMessageException e) {
            EventLoop.LOG.debug("Invalid request: {} {}", e.status(), e.getMessage());
            origin.rejected(e);
            respondErrorAndClose(e.status(), e.getMessage());
            return;
        } finally {
            feeding = false;
        }
        if (state == BUSY && in.hasRemaining()) {
            // the rest of a body that does not fit now, or pipelined bytes: keep them until there is
            // room, or until this exchange is answered, and read no further meanwhile
            leftover = in == loop.readBuffer
                    ? ByteBuffer.wrap(Arrays.copyOfRange(in.array(), in.position(), in.limit()))
                    : in;
        }
        updateInterest();
    }

    /**
     * The exchange's body has room again, or its response is out and the rest of the body is to be
     * drained: feeds it what was kept, then reads on.
     */
    void resumeBody() {
        if (feeding || state != BUSY) {
            return; // feed() goes on with the bytes it holds
        }
        ByteBuffer rest = leftover;
        if (rest != null) {
            leftover = null;
            feed(rest);
        } else {
            updateInterest();
        }
    }

    private void armHeaderDeadline() {
        long headerNanos = loop.config.headerTimeout().toNanos();
        if (headerNanos > 0) {
            loop.timers.schedule(this, System.nanoTime() + headerNanos);
        } else {
            loop.timers.cancel(this);
        }
    }

    /** Sets this connection's one deadline, or clears it with 0. */
    void deadline(long nanos) {
        if (nanos == 0 || state == CLOSED) {
            loop.timers.cancel(this);
        } else {
            loop.timers.schedule(this, nanos);
        }
    }

    // ---- writing --------------------------------------------------------------------------

    /**
     * Sends {@code first} and then {@code second} (which may be null) as far as the socket takes
     * them now; the rest is kept, in order, for {@code OP_WRITE}. {@code first} may be the loop's
     * encoder buffer: what is left of it is copied.
     *
     * @return true if everything went out; false if bytes wait for the socket or the connection
     *     closed
     */
    boolean send(ByteBuffer first, ByteBuffer second) {
        if (state == CLOSED) {
            return false;
        }
        if (pending == null) {
            try {
                Outbound.writeNow(channel, loop.gather, first, second);
            } catch (IOException e) {
                EventLoop.LOG.debug("Writing to a client failed: {}", e.toString());
                close();
                return false;
            }
            if (!first.hasRemaining() && (second == null || !second.hasRemaining())) {
                return true;
            }
            pending = new Outbound();
        }
        pending.add(first, true);
        if (second != null) {
            pending.add(second, false);
        }
        writeBlocked = true;
        updateInterest();
        return false;
    }

    /** Returns true if bytes of an earlier write still wait for the socket. */
    boolean writePending() {
        return pending != null;
    }

    /** Records whether a streamed response waits for the socket ({@code OP_WRITE}). */
    void streamBlocked(boolean blocked) {
        writeBlocked = blocked || pending != null;
        updateInterest();
    }

    private void updateInterest() {
        if (state == CLOSED || !key.isValid()) {
            return;
        }
        boolean read = state == READ_HEAD
                || state == LINGER
                || (state == BUSY && leftover == null && exchange != null && exchange.wantsBytes());
        int want = (read ? SelectionKey.OP_READ : 0) | (writeBlocked ? SelectionKey.OP_WRITE : 0);
        if (key.interestOps() != want) {
            key.interestOps(want);
        }
    }

    // ---- the end of an exchange, and of the connection ------------------------------------

    /** Returns true unless the connection must close after the current response. */
    boolean mayKeepAlive() {
        return !closeRequested && !loop.stopping() && !loop.context.stopping();
    }

    /**
     * The current exchange is over and its response went out: close (lingering), or wait for the
     * next request, parsing the pipelined bytes that came already.
     */
    void exchangeDone(boolean close) {
        exchange = null;
        forgetBody();
        if (state == CLOSED) {
            return;
        }
        if (close || closeRequested) {
            lingerAndClose();
            return;
        }
        served = true;
        state = READ_HEAD;
        loop.timers.schedule(this, System.nanoTime() + loop.config.keepalive().toNanos());
        if (feeding) {
            return; // feed() goes on with the bytes it holds
        }
        ByteBuffer rest = leftover;
        if (rest != null) {
            leftover = null;
            feed(rest);
        } else {
            updateInterest();
        }
    }

    /**
     * Answers {@code status} with a short error response that closes the connection, then lingers.
     * The caller has settled the exchange's accounting; nothing of a response may have been sent.
     */
    void respondErrorAndClose(int status, String detail) {
        if (state == CLOSED) {
            return;
        }
        exchange = null;
        forgetBody();
        parser = null;
        leftover = null;
        state = CLOSING;
        loop.timers.schedule(this, System.nanoTime() + LINGER_NANOS);
        if (send(ByteBuffer.wrap(ResponseEncoder.errorResponse(status, detail)), null)) {
            lingerAndClose();
        }
    }

    /**
     * Closes after a final response without losing it: once everything is sent, shuts the output
     * down and reads and drops what the client still sends (at most {@link Lingering#MAX_DRAIN} bytes, for
     * at most a second) so that the kernel does not answer it with a reset that destroys the
     * response in flight.
     */
    void lingerAndClose() {
        if (state == CLOSED) {
            return;
        }
        exchange = null;
        forgetBody();
        leftover = null;
        if (state != CLOSING) {
            state = CLOSING;
            loop.timers.schedule(this, System.nanoTime() + LINGER_NANOS);
        }
        if (pending != null) {
            writeBlocked = true;
            updateInterest();
            return; // onWritable() comes back here once the response is out
        }
        try {
            channel.shutdownOutput();
        } catch (IOException e) {
            close();
            return;
        }
        state = LINGER;
        lingered = 0;
        updateInterest();
    }

    /**
     * Starts a graceful close: the next response (the current one, or the answer to a request that
     * arrives on the idle connection, or a new connection's first) goes out with {@code Connection:
     * close}; an idle connection closes when its keepalive runs out, not at once, since its client
     * may be sending a request at that moment.
     */
    void shutdownGracefully() {
        closeRequested = true;
    }

    /** Closes now; an exchange in flight is lost. */
    void close() {
        if (state == CLOSED) {
            return;
        }
        state = CLOSED;
        loop.timers.cancel(this);
        Exchange lost = exchange;
        exchange = null;
        forgetBody();
        parser = null;
        leftover = null;
        pending = null;
        try {
            channel.close();
        } catch (IOException e) {
            // closed anyway
        }
        if (lost != null) {
            lost.connectionLost();
        }
        loop.connectionClosed(this);
    }

    /** The exchange in flight streams {@code b}: an abort must reach its readers. */
    void streaming(RequestBody b) {
        body = b;
    }

    private void forgetBody() {
        if (body != null) {
            body = null; // an idle connection holds no body buffer
        }
    }

    /**
     * Closes the socket from any thread, when the worker is aborted; the loop may be stuck. A
     * thread reading the request body in flight fails rather than wait for a loop that is gone.
     */
    void abortFromAnyThread() {
        try {
            channel.close();
        } catch (IOException e) {
            // closed anyway
        }
        RequestBody b = body;
        if (b != null) {
            b.aborted();
        }
        loop.release(this);
    }
}
