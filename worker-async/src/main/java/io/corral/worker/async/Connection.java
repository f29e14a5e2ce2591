package io.corral.worker.async;

import io.corral.http.BadMessageException;
import io.corral.internal.http.RequestHead;
import io.corral.internal.http.RequestParser;
import io.corral.internal.http.ResponseEncoder;
import io.corral.internal.net.ProxyProtocolException;
import io.corral.internal.server.ConnectionOrigin;
import io.corral.internal.server.Lingering;
import io.corral.internal.server.TimerWheel;
import io.corral.internal.server.TlsTasks;
import io.corral.internal.server.TlsTransport;
import io.corral.internal.server.Transport;
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
import javax.net.ssl.SSLException;

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
 * ({@code header_timeout}, from accept or from the head's first byte, so that it covers a TLS
 * handshake too), the next request ({@code keepalive}), body bytes ({@code header_timeout} per
 * wait), the response ({@code timeout}) or the end of a lingering close.
 *
 * <h2>Transport</h2>
 *
 * Every read and write goes through a {@link Transport}: the socket itself, or, once the PROXY
 * protocol stage is over (read from the socket in plain text), a {@link TlsTransport} that drives
 * the handshake inside its reads and writes. A plain connection pays one small object for it, at
 * accept, and an interface call per read or write on a site that sees two classes at most.
 *
 * <p>With TLS three things differ, and only the TLS path pays for them:
 *
 * <ul>
 *   <li>Either side may wait for the other readiness (a read may have a handshake message to send,
 *       a write a record to read): each side keeps the operations its last stalled call asked for
 *       ({@code readOps}, {@code writeOps}), the key selects their union, and any readiness drives
 *       both sides ({@link #driveTls()}).
 *   <li>Bytes may wait inside the transport, where no {@code OP_READ} announces them: the connection
 *       reads on while the transport holds some (at most a read buffer's worth per turn), and
 *       wherever the reading resumes (room in the body buffer, the next request) it reads them at
 *       once. Bytes a write took may wait inside too: a response is sent only once {@link
 *       Transport#flush()} says so, until then it is {@code pending} like bytes the socket refused.
 *       Between requests the transport holds no buffer ({@link Transport#idle()}).
 *   <li>The engine's delegated tasks (certificate checks, key exchange) never run on the loop: a
 *       virtual thread runs them while the key selects nothing and the loop leaves the transport
 *       alone ({@code tasking}), then hands the connection back with {@link EventLoop#execute}.
 * </ul>
 *
 * A lingering close sends {@code close_notify} as it shuts the output, and then reads and drops raw
 * socket bytes. A plain HTTP request on the TLS port gets a plain {@code 400}.
 *
 * <p>Threading: confined to its event loop, except {@link #abortFromAnyThread()}; a delegated TLS
 * task holds the transport on its virtual thread while {@code tasking} is set.
 */
final class Connection extends TimerWheel.Timer {

    private static final int READ_HEAD = 0;
    private static final int BUSY = 2; // an exchange runs: its handler, its response, the drain of its body
    private static final int CLOSING = 3; // sending a final error, then lingering
    private static final int LINGER = 4;
    private static final int CLOSED = 5;

    private static final long LINGER_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** With TLS, the most bytes one turn reads before the loop turns to the others. */
    private static final int TLS_READ_BUDGET = 64 * 1024;

    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);
    private static final String PLAIN_TO_TLS = "this port speaks TLS: the plain HTTP request was not read";

    final EventLoop loop;
    final SocketChannel channel;
    /** The client's address, looked up once for every request on the connection. */
    final InetSocketAddress remote;
    /** Where the connection comes from (PROXY header, forwarded headers) and how it ends. */
    final ConnectionOrigin origin;
    /** False for a connection accepted only to be refused with 503; it is not in the stats. */
    final boolean counted;
    /** How bytes are read and written: the socket, or TLS once the PROXY stage is over. */
    Transport transport;

    private TlsTransport tls; // the transport when it speaks TLS; null on a plain connection
    private boolean proxied; // the PROXY protocol stage is over (or off): HTTP, or TLS, follows
    private boolean established = true; // the TLS handshake's facts are in origin (nothing to note when plain)
    private int readOps = SelectionKey.OP_READ; // what reading waits for (TLS: what its last stalled read asked)
    private int writeOps = SelectionKey.OP_WRITE; // what writing waits for (TLS: what its last stalled write asked)
    private boolean tasking; // a TLS delegated task runs on another thread: the transport is not the loop's
    private boolean rereadQueued; // TLS: a look at bytes a write left inside the transport is on its way

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
        this.origin = ConnectionOrigin.accept(loop.context, remote, loop.tls);
        this.transport = Transport.plain(channel);
    }

    private static InetSocketAddress remoteAddress(SocketChannel channel) {
        try {
            return (InetSocketAddress) channel.getRemoteAddress();
        } catch (IOException e) {
            return InetSocketAddress.createUnresolved("0.0.0.0", 0);
        }
    }

    /**
     * Registers with the loop's selector for reading and arms the first head's deadline, which
     * covers the PROXY header and the TLS handshake too.
     */
    void open(Selector selector) throws ClosedChannelException {
        key = channel.register(selector, SelectionKey.OP_READ, this);
        armHeaderDeadline();
        try {
            proxied = origin.awaitProxyHeader(EMPTY); // a peer outside proxy_allow_from goes at once
        } catch (ProxyProtocolException e) {
            EventLoop.LOG.debug("Closing a connection: {}", e.getMessage());
            close();
            return;
        }
        if (proxied) {
            startTls(EMPTY);
        }
    }

    /**
     * Answers a connection the worker has no room for with 503, then closes it; on a TLS port, whose
     * client could not read a 503 without a handshake, only closes it cleanly (lingering).
     */
    void reject(Selector selector) throws ClosedChannelException {
        key = channel.register(selector, 0, this);
        if (loop.tls) {
            lingerAndClose();
        } else {
            respondErrorAndClose(503, "the server is at capacity");
        }
    }

    /**
     * Speaks TLS from now on if the server does, with {@code alreadyRead} the network bytes that
     * followed the PROXY header (the TLS transport copies them).
     */
    private void startTls(ByteBuffer alreadyRead) {
        if (!loop.tls) {
            return;
        }
        tls = new TlsTransport(channel, loop.context.newTlsEngine(remote).orElseThrow(), alreadyRead);
        transport = tls;
        established = false;
    }

    // ---- events ---------------------------------------------------------------------------

    /** The selector reported {@code key} ready. */
    void ready(SelectionKey selected) {
        if (tls != null) {
            driveTls();
            return;
        }
        int ops = selected.readyOps();
        if ((ops & SelectionKey.OP_WRITE) != 0) {
            onWritable();
        }
        if ((ops & SelectionKey.OP_READ) != 0 && state != CLOSED && (key.interestOps() & SelectionKey.OP_READ) != 0) {
            onReadable();
        }
    }

    /**
     * With TLS, after a readiness or a delegated task: either side may have waited on either
     * readiness, and bytes may wait inside the transport, so both sides try again.
     */
    private void driveTls() {
        if (writeBlocked && state != CLOSED) {
            onWritable();
        }
        if (state == LINGER || (state != CLOSED && readingWanted())) {
            onReadable();
        }
        updateInterest();
    }

    /** Returns true if the connection reads for HTTP now: a head, or the body of its exchange. */
    private boolean readingWanted() {
        return state == READ_HEAD || (state == BUSY && leftover == null && exchange != null && exchange.wantsBytes());
    }

    private void onReadable() {
        if (state == LINGER) {
            drop();
            return;
        }
        if (tls != null) {
            readTls();
            return;
        }
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
            n = transport.read(in);
        } catch (IOException e) {
            EventLoop.LOG.debug("Reading from a client failed: {}", e.toString());
            close();
            return;
        }
        if (n < 0) {
            endOfStream();
            return;
        }
        if (n == 0) {
            return;
        }
        in.flip();
        if (state == READ_HEAD || state == BUSY) {
            if (!proxied) {
                if (!proxyStage(in)) {
                    return;
                }
                if (tls != null) {
                    readTls(); // what followed the header went to the TLS session: read it through that
                    return;
                }
            }
            feed(in);
        }
    }

    /**
     * Reads through TLS while the connection reads for HTTP: once, and on while the transport holds
     * bytes it took from the socket (where no {@code OP_READ} tells of them), unless a delegated task
     * holds it (what was fed may have made the handler write) or the budget is spent, and then the
     * others' turn comes first. What is still in the socket, the selector reports.
     */
    private void readTls() {
        int budget = TLS_READ_BUDGET;
        while (!tasking && readingWanted()) {
            if (budget <= 0) {
                rereadSoon();
                return;
            }
            ByteBuffer in = loop.readBuffer.clear();
            if (state == BUSY) {
                in.limit(exchange.readLimit(in.capacity())); // no more than the body's buffer has room for
            }
            int n;
            try {
                n = transport.read(in);
            } catch (SSLException e) {
                tlsFailed(e);
                return;
            } catch (IOException e) {
                EventLoop.LOG.debug("Reading from a client failed: {}", e.toString());
                close();
                return;
            }
            if (n < 0) {
                endOfStream();
                return;
            }
            if (n == 0) {
                readStalled();
                return;
            }
            in.flip();
            budget -= n;
            readOps = SelectionKey.OP_READ; // whatever an earlier stall waited for is over
            if (!established) {
                established = true;
                origin.tlsEstablished(tls.engine()); // what Request.tls() and tlsSession() tell
            }
            feed(in);
            if (tasking || tls == null || !tls.hasBufferedInput()) {
                break; // (a task holds the transport's lock: never wait for it here)
            }
        }
        updateInterest();
    }

    /** The client closed its side. */
    private void endOfStream() {
        if (state == BUSY) {
            // in the middle of the body: its error, which the handler meets when it reads on (it may
            // still read the answer)
            exchange.bodyEnded();
            updateInterest();
            return;
        }
        close(); // a half-sent head is nothing to answer
    }

    /**
     * The PROXY protocol stage, on the socket's plain bytes in {@code in}: returns true once it is
     * over, with what followed the header left in {@code in} (or handed to TLS); false if more must
     * come, or if the connection closed.
     */
    private boolean proxyStage(ByteBuffer in) {
        try {
            if (!origin.awaitProxyHeader(in)) {
                return false;
            }
        } catch (ProxyProtocolException e) {
            EventLoop.LOG.debug("Closing a connection: {}", e.getMessage()); // no answer, as the spec says
            close();
            return false;
        }
        proxied = true;
        startTls(in);
        return true;
    }

    /**
     * The handshake (or a record) failed while reading: a client that sent plain HTTP to the TLS
     * port gets a plain {@code 400} saying so; anything else is closed without an answer, which
     * could not be read.
     */
    private void tlsFailed(SSLException e) {
        if (state != READ_HEAD) {
            EventLoop.LOG.debug("Reading from a TLS client failed: {}", e.toString());
            close();
            return;
        }
        origin.rejected(Rejection.BAD_REQUEST);
        if (!tls.handshaken() && tls.clientSpokePlainText()) {
            tls = null;
            transport = Transport.plain(channel);
            readOps = SelectionKey.OP_READ;
            writeOps = SelectionKey.OP_WRITE;
            respondErrorAndClose(400, PLAIN_TO_TLS);
            return;
        }
        EventLoop.LOG.debug("TLS with {} failed: {}", remote, e.toString());
        close();
    }

    /** Reads and drops what a lingering client sends, raw from the socket; closes at its end or past the cap. */
    private void drop() {
        int n;
        try {
            n = channel.read(loop.readBuffer.clear());
        } catch (IOException e) {
            close();
            return;
        }
        if (n < 0) {
            close(); // the lingering close is over
            return;
        }
        lingered += n;
        if (lingered > Lingering.MAX_DRAIN) {
            close();
        }
    }

    private void onWritable() {
        if (tasking) {
            return; // the transport is the task's; the loop writes once it is done
        }
        writeBlocked = false;
        if (pending != null) {
            try {
                if (!pending.flush(transport)) {
                    writeStalled();
                    updateInterest();
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

    /** A read made no progress: wait for what the transport asks, or run its delegated task. */
    private void readStalled() {
        int ops = transport.interestOps(SelectionKey.OP_READ);
        if (ops == 0) {
            runTlsTasks();
            return;
        }
        readOps = ops;
        if (state == READ_HEAD && parser == null && established) {
            transport.idle(); // between requests: an idle connection holds no buffer
        }
        updateInterest();
    }

    /** A write was not taken whole, or not flushed: wait for what the transport asks, or run its task. */
    private void writeStalled() {
        writeBlocked = true;
        int ops = transport.interestOps(SelectionKey.OP_WRITE);
        if (ops == 0) {
            runTlsTasks();
        } else {
            writeOps = ops;
        }
    }

    /**
     * Runs the TLS engine's delegated tasks on {@link TlsTasks}, never on the loop: meanwhile the
     * key selects nothing and the loop leaves the transport alone; then the loop drives both sides.
     */
    private void runTlsTasks() {
        tasking = true;
        readOps = 0;
        writeOps = 0;
        updateInterest();
        TlsTransport t = tls;
        TlsTasks.execute(() -> {
            try {
                t.runTasks(); // certificate checks, key exchange: milliseconds, perhaps
            } finally {
                loop.execute(this::tlsTasksDone);
            }
        });
    }

    private void tlsTasksDone() {
        tasking = false;
        readOps = SelectionKey.OP_READ;
        writeOps = SelectionKey.OP_WRITE;
        if (state != CLOSED) {
            onLoop(this::driveTls);
        }
    }

    /** Runs {@code step} of this connection as a task of the loop: a failure closes the connection. */
    private void onLoop(Runnable step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            EventLoop.LOG.error("Unexpected failure serving a connection; closing it", e);
            close();
        }
    }

    /**
     * With TLS, soon reads what waits inside the transport, if the connection reads now: a write may
     * have read the client's handshake records, and application bytes with them, and a read may have
     * stopped at its budget; no {@code OP_READ} tells of those.
     */
    void rereadSoon() {
        if (tls == null || rereadQueued || state == CLOSED || tasking || !tls.hasBufferedInput() || !readingWanted()) {
            return;
        }
        rereadQueued = true;
        loop.execute(() -> {
            rereadQueued = false;
            if (state != CLOSED && readingWanted()) {
                onLoop(this::onReadable);
            }
        });
    }

    /** With TLS, reads now what waits inside the transport, if the connection reads again. */
    private void readBuffered() {
        if (tls != null && !feeding && state != CLOSED && !tasking && tls.hasBufferedInput() && readingWanted()) {
            onReadable();
        }
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
        feedKept();
    }

    /**
     * Feeds what was kept from an earlier read (else asks for more), then what the TLS transport
     * holds: a pipelined request or body bytes may wait there, which no readiness tells of.
     */
    private void feedKept() {
        ByteBuffer rest = leftover;
        if (rest != null) {
            leftover = null;
            feed(rest);
        } else {
            updateInterest();
        }
        readBuffered();
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
            if (!tasking) {
                boolean sent;
                try {
                    sent = Outbound.writeNow(transport, loop.gather, first, second); // and flushed, with TLS
                } catch (IOException e) {
                    EventLoop.LOG.debug("Writing to a client failed: {}", e.toString());
                    close();
                    return false;
                }
                rereadSoon();
                if (sent) {
                    return true;
                }
                pending = new Outbound();
                writeStalled();
            } else {
                pending = new Outbound(); // a TLS task holds the transport: the bytes wait their turn
            }
        }
        pending.add(first, true);
        if (second != null) {
            pending.add(second, false);
        }
        writeBlocked = true;
        updateInterest();
        return false;
    }

    /**
     * Returns true if bytes of an earlier write still wait for the socket (or inside the transport),
     * or a TLS task holds the transport: a streamed response waits its turn.
     */
    boolean writePending() {
        return pending != null || tasking;
    }

    /** Records whether a streamed response waits for the socket ({@code OP_WRITE}) or its turn. */
    void streamBlocked(boolean blocked) {
        writeBlocked = blocked || pending != null;
        updateInterest();
    }

    /** A streamed response's bytes were not all taken, or not flushed: it waits for what the transport asks. */
    void streamStalled() {
        writeStalled();
        updateInterest();
    }

    private void updateInterest() {
        if (state == CLOSED || !key.isValid()) {
            return;
        }
        boolean read = state == LINGER || readingWanted();
        int want = (read ? readOps : 0) | (writeBlocked ? writeOps : 0);
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
        if (!tasking) {
            transport.idle(); // an idle TLS connection holds no buffer
        }
        if (feeding) {
            return; // feed() goes on with the bytes it holds
        }
        feedKept();
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
     * down (with TLS, after {@code close_notify}) and reads and drops what the client still sends
     * (raw bytes, at most {@link Lingering#MAX_DRAIN}, for at most a second) so that the kernel does
     * not answer it with a reset that destroys the response in flight.
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
        if (pending != null || tasking) {
            writeBlocked = true;
            updateInterest();
            return; // onWritable() comes back here once the response is out
        }
        try {
            transport.shutdownOutput(); // with TLS, close_notify first
        } catch (IOException e) {
            close();
            return;
        }
        state = LINGER;
        lingered = 0;
        readOps = SelectionKey.OP_READ; // raw bytes from now on, read and dropped
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
