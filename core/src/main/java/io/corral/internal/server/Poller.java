package io.corral.internal.server;

import io.corral.Config;
import io.corral.OverloadPolicy;
import io.corral.http.BadMessageException;
import io.corral.http.Handler;
import io.corral.internal.http.HttpDate;
import io.corral.internal.http.Limits;
import io.corral.internal.http.RequestHead;
import io.corral.internal.http.RequestParser;
import io.corral.internal.http.ResponseEncoder;
import io.corral.internal.net.ProxyProtocolException;
import io.corral.metrics.Rejection;
import io.corral.spi.WorkerContext;
import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The selector loop of one worker whose requests run on threads of their own (sync, virtual): it
 * accepts, reads request heads, holds idle keep-alive connections, answers refused clients and bad
 * heads with a lingering close, and wakes the threads that wait for a socket. A thread is taken only
 * for a request whose head has fully arrived, so a client that dribbles its head, sends nothing, or
 * sits idle between requests costs a socket and a few hundred bytes, never a thread.
 *
 * <pre>
 *   listener ──accept──▶ HEAD ──complete head──▶ Model.dispatch ──▶ thread: BlockingConnection.run()
 *                         ▲  (header_timeout,                       │   exchange(s), blocking-style I/O;
 *                         │   keepalive: 408 / close)               │   waits go through this loop
 *                         └────────── keep-alive: handed back ◀─────┘
 *                                  error, close: LINGER (response out, output shut, read and drop ≤ 1 s)
 * </pre>
 *
 * <p>Every channel stays in non-blocking mode and registered with this loop's selector for its whole
 * life. While a thread runs an exchange the key's interest is empty; when the thread has to wait (for
 * request-body bytes, or for the socket to take a response), it asks this loop to watch the key and
 * parks until the loop wakes it ({@link BlockingConnection}), so waits need no timed park and every
 * deadline lives in one {@link TimerWheel}: the head's {@code header_timeout} (counted from accept for
 * a connection's first request, from the first byte for later ones), {@code keepalive} between
 * requests, {@code header_timeout} per wait for body bytes, and the second a lingering close may take.
 *
 * <p>Admission: the loop accepts while the {@link Model} says it has room; otherwise, with {@code
 * overload_policy=backlog}, it stops accepting so the kernel's backlog holds new clients, and with
 * {@code reject} it accepts them and answers {@code 503} with {@code Retry-After} and a lingering
 * close (at most {@link Lingering#MAX_REFUSING} at a time; beyond that the 503 is written at once and
 * the socket closed).
 *
 * <p>Threading: {@link #run()} is the loop thread, which owns the selector's keys, the timers, the
 * read buffer and every connection while it is in the loop's hands. Other threads reach it through
 * {@link #execute}: a queue plus a selector wake-up paid for only when the loop may be asleep. {@link
 * #stopAccepting()}, {@link #shutdownGracefully()}, {@link #abort()}, {@link #adopt} and {@link
 * #roomChanged()} may be called from any thread.
 */
public final class Poller implements Runnable {

    /** What the worker model decides for its poller. Called on the poller thread; must not block. */
    public interface Model {
        /**
         * Returns true if the worker may take another client now, with {@code open} connections held.
         * When it returns false the poller stops accepting (backlog) or answers 503 (reject).
         */
        boolean hasRoom(int open);

        /**
         * A complete request head arrived on {@code connection}: run {@link BlockingConnection#run()}
         * on a thread of the model. Returns false to refuse the request, which is then answered 503.
         */
        boolean dispatch(BlockingConnection connection);

        /**
         * How long, in nanoseconds, a thread that served a request stays parked on its connection
         * waiting for the next head, so that a busy keep-alive connection reuses its thread rather
         * than starting one per request; past it the thread ends and an idle connection holds none.
         * 0 hands every thread back at once (the sync model, whose threads serve all connections).
         */
        long threadLingerNanos();

        /**
         * The worker gave a thread up: its request ran past {@code timeout}. Called on the Arbiter's
         * monitor thread, before the stuck thread is interrupted; must not block.
         */
        void abandoned(Thread servingThread);

        /** The poller ended: every connection is closed. Called once, on the poller thread. */
        void ended();
    }

    static final Logger LOG = LoggerFactory.getLogger("io.corral.server");

    private static final int READ_BUFFER = 32 * 1024; // holds a whole TLS record's plaintext
    private static final int ACCEPTS_PER_WAKEUP = 64;
    private static final int TASKS_PER_WAKEUP = 4096;
    private static final long MAX_WAIT_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long RETRY_ACCEPT_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long LINGER_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);
    private static final byte[] PLAIN_TO_TLS =
            ResponseEncoder.errorResponse(400, "this port speaks TLS: the plain HTTP request was not read");
    private static final byte[] REFUSED = ResponseEncoder.errorResponse(503, "the server is at capacity");

    final WorkerContext context;
    final Config config;
    final Limits limits;
    /** The application, run on the model's threads. */
    final Handler handler;
    /** The {@code Date} header, formatted once a second for every encoder of the worker. */
    final HttpDate date = new HttpDate();

    final TimerWheel timers = new TimerWheel(System.nanoTime());

    private final Model model;
    private final boolean reject;
    private final boolean tls;
    private final Thread thread;
    private final ByteBuffer readBuffer = ByteBuffer.allocate(READ_BUFFER);
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean sleeping = new AtomicBoolean();
    private final Set<BlockingConnection> connections = ConcurrentHashMap.newKeySet();
    private final AtomicInteger open = new AtomicInteger(); // counted connections not yet closed
    private final long maxWaitNanos;
    private final CountDownLatch ready = new CountDownLatch(1);
    private final TimerWheel.Timer retryAccept = new TimerWheel.Timer() {
        @Override
        protected void expired(long nowNanos) {
            acceptPaused = false;
        }
    };

    private volatile Selector selector;
    private volatile SelectionKey listenerKey;
    private volatile IOException startFailure;
    private volatile boolean accepting = true;
    private volatile boolean wantsAccept = true; // what the listener's interest was last set to
    private volatile boolean aborted;
    private volatile boolean done;
    private boolean stopping; // loop thread
    private boolean acceptPaused; // loop thread: accept failed (out of descriptors), retry shortly
    private int refusing; // loop thread: refusals lingering
    private final Adoptions adoptions = new Adoptions();

    /**
     * Creates the loop; {@link #start()} starts it.
     *
     * @param name the loop thread's name
     */
    public Poller(WorkerContext context, String name, Model model) {
        this.context = context;
        this.config = context.config();
        this.limits = Limits.of(config);
        this.handler = context.application().asBlocking();
        this.model = model;
        this.reject = config.overloadPolicy() == OverloadPolicy.REJECT;
        this.tls = context.tlsEnabled(); // the settings' files, or an SSLContext the embedder supplied
        // beat at least four times per timeout, so that a busy but healthy loop is never taken for hung
        this.maxWaitNanos = config.hasTimeout()
                ? Math.max(
                        TimeUnit.MILLISECONDS.toNanos(10),
                        Math.min(MAX_WAIT_NANOS, config.timeout().toNanos() / 4))
                : MAX_WAIT_NANOS;
        this.thread = CorralThreads.worker(name, this);
    }

    // ---- any thread ---------------------------------------------------------------------------

    /** Starts the loop; returns once the listener is registered, or throws if it could not be. */
    public void start() throws IOException {
        thread.start();
        try {
            if (!ready.await(30, TimeUnit.SECONDS)) {
                throw new IOException(thread.getName() + " did not start");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting " + thread.getName(), e);
        }
        if (startFailure != null) {
            throw startFailure;
        }
    }

    /** Returns the loop thread, for thread dumps. */
    public Thread thread() {
        return thread;
    }

    /** Returns true once the loop has ended: every connection it held is closed. */
    public boolean done() {
        return done;
    }

    /**
     * Hands a connection back idle: {@code task} runs on the loop at its next turn, without waking
     * it if the connection's key still wants to read, since then the client's next request wakes
     * the loop itself; saves a selector wake-up (a system call and a context switch) per request.
     * If the loop cleared the key's interest meanwhile (the client sent early), it is woken.
     * Any thread, never blocks.
     */
    void handBack(BlockingConnection c, Runnable task) {
        tasks.add(task);
        // after the add: a loop that cleared the interest before this read wakes here; one that
        // clears it after runs the task in the same turn
        if (c.readCleared) {
            wake();
        }
    }

    private void wake() {
        if (sleeping.get() && sleeping.compareAndSet(true, false)) {
            Selector sel = selector;
            if (sel != null) {
                sel.wakeup();
            }
        }
    }

    /** Runs {@code task} on the loop soon; any thread, never blocks. */
    void execute(Runnable task) {
        tasks.add(task);
        wake();
    }

    /**
     * Tells the loop that the model may have room again (a thread took a queued request); wakes it
     * only if it had stopped accepting. Any thread.
     */
    public void roomChanged() {
        if (!wantsAccept && accepting) {
            execute(() -> {});
        }
    }

    /**
     * Serves a client the Arbiter took from the backlog at shutdown, even beyond the model's room;
     * its answer closes the connection. The loop does not end while an adoption is on its way.
     *
     * @return false if the loop has ended and cannot take it
     */
    public boolean adopt(SocketChannel channel) {
        if (!adoptions.begin()) {
            return false;
        }
        execute(() -> {
            adoptions.arrived();
            BlockingConnection c = admit(channel);
            if (c != null) {
                c.shutdownGracefully();
            }
        });
        return true;
    }

    /**
     * Stops accepting at once and lets go of the listener: the selector drops it at its next select,
     * which this wakes. Connections are served as before. Any thread.
     */
    public void stopAccepting() {
        accepting = false;
        SelectionKey key = listenerKey;
        if (key != null) {
            key.cancel();
        }
        execute(() -> {});
    }

    /**
     * Stops accepting; every connection answers its next request with {@code Connection: close}, and
     * idle ones close when their {@code keepalive} (or a new one's {@code header_timeout}) runs out.
     * The loop ends once every connection is closed. Any thread.
     */
    public void shutdownGracefully() {
        stopAccepting();
        for (BlockingConnection c : connections) {
            c.shutdownGracefully();
        }
        execute(() -> stopping = true);
    }

    /** Closes everything now, from any thread, even if the loop is stuck; requests in flight are lost. */
    public void abort() {
        aborted = true;
        accepting = false;
        for (BlockingConnection c : connections) {
            c.abort();
        }
        Selector sel = selector;
        if (sel != null) {
            try {
                sel.close();
            } catch (IOException e) {
                LOG.debug("Closing the selector failed: {}", e.toString());
            }
        }
        thread.interrupt();
    }

    /** Every counted connection open now, for the worker's bookkeeping. */
    int openConnections() {
        return open.get();
    }

    /** A connection closed, on any thread: its place is free, and the loop may end. */
    void closed(BlockingConnection c) {
        if (!connections.remove(c)) {
            return;
        }
        if (c.counted) {
            open.decrementAndGet();
            context.connectionClosed(c.origin.closeReason());
        }
        if (Thread.currentThread() == thread) {
            connectionGone(c);
        } else {
            execute(() -> connectionGone(c));
        }
    }

    /** The loop's side of a close: the deadline and the refusal count. Loop thread. */
    private void connectionGone(BlockingConnection c) {
        timers.cancel(c);
        if (!c.counted) {
            refusing--;
        }
    }

    // ---- the loop -----------------------------------------------------------------------------

    @Override
    public void run() {
        try (Selector sel = Selector.open()) {
            selector = sel;
            try {
                listenerKey = context.listener().register(sel, SelectionKey.OP_ACCEPT);
            } catch (IOException e) {
                startFailure = e;
                return;
            } finally {
                ready.countDown();
            }
            loop(sel);
        } catch (ClosedSelectorException e) {
            // aborted
        } catch (IOException | RuntimeException | Error e) {
            if (selector == null && e instanceof IOException openFailed) {
                startFailure = openFailed; // Selector.open() failed: start() reports it
            } else if (!aborted) {
                LOG.error("The poller of worker {} failed", context.workerId(), e);
                context.failed(e);
            }
        } finally {
            ready.countDown();
            adoptions.exit(); // no adoption is taken from now on
            for (BlockingConnection c : List.copyOf(connections)) {
                c.abort();
            }
            done = true;
            model.ended();
        }
    }

    private void loop(Selector sel) throws IOException {
        while (!aborted) {
            context.heartbeat();
            select(sel);
            // tasks first: a connection handed back idle becomes HEAD before its next request,
            // which may already be among the selected keys, is looked at
            runTasks();
            processSelectedKeys(sel);
            timers.expire(System.nanoTime());
            updateAcceptInterest();
            if (mayExit()) {
                return;
            }
            Thread.interrupted(); // a stray interrupt must not close the loop's channels
        }
    }

    private void select(Selector sel) throws IOException {
        long waitNanos = timers.nanosUntilNext(System.nanoTime(), maxWaitNanos);
        sleeping.set(true);
        if (waitNanos <= 0 || !tasks.isEmpty()) {
            sleeping.set(false);
            sel.selectNow();
            return;
        }
        sel.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(waitNanos + 999_999)));
        sleeping.set(false);
    }

    private void processSelectedKeys(Selector sel) {
        Set<SelectionKey> selected = sel.selectedKeys();
        if (selected.isEmpty()) {
            return;
        }
        Iterator<SelectionKey> it = selected.iterator();
        while (it.hasNext() && !aborted) {
            SelectionKey key = it.next();
            it.remove();
            if (key.attachment() instanceof BlockingConnection c) {
                try {
                    ready(c, key.readyOps());
                } catch (CancelledKeyException e) {
                    c.close();
                } catch (RuntimeException e) {
                    LOG.error("Unexpected failure serving a connection; closing it", e);
                    c.close();
                }
            } else if (key.isValid()) {
                acceptReady();
            }
        }
    }

    private void runTasks() {
        for (int i = 0; i < TASKS_PER_WAKEUP && !aborted; i++) {
            Runnable task = tasks.poll();
            if (task == null) {
                return;
            }
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.error("A task on the poller failed", e);
            }
        }
    }

    /** A stopping loop that holds no socket ends, unless an adoption is on its way. */
    private boolean mayExit() {
        if (!stopping || !connections.isEmpty()) {
            return false;
        }
        return adoptions.exitIfNone();
    }

    // ---- accepting ----------------------------------------------------------------------------

    private void acceptReady() {
        for (int i = 0; i < ACCEPTS_PER_WAKEUP && accepting && !acceptPaused; i++) {
            boolean room = model.hasRoom(open.get());
            if (!room && !reject) {
                break;
            }
            SocketChannel channel;
            try {
                channel = context.listener().accept();
            } catch (ClosedChannelException e) {
                accepting = false; // the Arbiter closed the listener
                return;
            } catch (IOException e) {
                // EMFILE and the like: pause so that connections can close before the next try
                LOG.warn("accept failed on worker {}: {}", context.workerId(), e.toString());
                acceptPaused = true;
                timers.schedule(retryAccept, System.nanoTime() + RETRY_ACCEPT_NANOS);
                break;
            }
            if (channel == null) {
                break;
            }
            if (room) {
                admit(channel);
            } else {
                refuse(channel);
            }
        }
    }

    private void updateAcceptInterest() {
        SelectionKey key = listenerKey;
        boolean want = accepting && !acceptPaused && (reject || model.hasRoom(open.get()));
        wantsAccept = want;
        try {
            int ops = want ? SelectionKey.OP_ACCEPT : 0;
            if (key.isValid() && key.interestOps() != ops) {
                key.interestOps(ops);
            }
        } catch (CancelledKeyException e) {
            // stopAccepting() from another thread
        }
    }

    /** Takes a client in: its first head is due {@code header_timeout} from now. Loop thread. */
    private BlockingConnection admit(SocketChannel channel) {
        BlockingConnection c = open(channel, true);
        if (c == null) {
            return null;
        }
        try {
            c.proxied = c.origin.awaitProxyHeader(EMPTY); // a peer not allowed to send one is refused at once
        } catch (ProxyProtocolException e) {
            LOG.debug("Closing {}: {}", c.remote, e.getMessage());
            c.close();
            return null;
        }
        if (c.proxied) {
            startTls(c, EMPTY);
        }
        long headerNanos = config.headerTimeout().toNanos();
        if (headerNanos > 0) {
            timers.schedule(c, System.nanoTime() + headerNanos);
        }
        return c;
    }

    /** Answers a client there is no room for with 503, then closes it, lingering. Loop thread. */
    private void refuse(SocketChannel channel) {
        context.metrics().rejected(Rejection.OVERLOAD);
        if (refusing >= Lingering.MAX_REFUSING) {
            if (tls) {
                Lingering.closeUnanswered(channel); // a TLS client could not read a 503 without a handshake
            } else {
                Lingering.answerAndClose(channel); // the 503 at once, without lingering
            }
            return;
        }
        BlockingConnection c = open(channel, false);
        if (c != null) {
            refusing++;
            linger(c, tls ? null : REFUSED); // a TLS client could not read a 503 without a handshake
        }
    }

    private BlockingConnection open(SocketChannel channel, boolean counted) {
        BlockingConnection c;
        try {
            channel.configureBlocking(false);
            if (counted) {
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            }
            c = new BlockingConnection(this, channel, counted);
            c.key = channel.register(selector, counted ? SelectionKey.OP_READ : 0, c);
        } catch (IOException e) {
            LOG.debug("Could not set up a connection: {}", e.toString());
            try {
                channel.close();
            } catch (IOException ignored) {
                // already failing
            }
            return null;
        }
        if (counted) {
            c.watch(); // before the connection is visible to other threads, which may close it
            open.incrementAndGet();
            context.connectionOpened();
        }
        connections.add(c);
        return c;
    }

    // ---- connections in the loop's hands ------------------------------------------------------

    private void ready(BlockingConnection c, int readyOps) {
        switch (c.phase) {
            case BlockingConnection.HEAD -> readHead(c);
            case BlockingConnection.WAITING -> {
                c.readCleared = true;
                interest(c, 0);
                timers.cancel(c);
                c.phase = BlockingConnection.RUNNING;
                c.wake(BlockingConnection.READY);
            }
            case BlockingConnection.LINGER -> {
                if ((readyOps & SelectionKey.OP_WRITE) != 0 && c.farewell != null) {
                    sendFarewell(c);
                } else {
                    drop(c);
                }
            }
            default -> {
                c.readCleared = true; // before the change: see handBack
                interest(c, 0); // a thread runs it: not ours to read
            }
        }
    }

    /** The connection's deadline passed; what that means depends on what it waits for. Loop thread. */
    void expired(BlockingConnection c, long now) {
        switch (c.phase) {
            case BlockingConnection.HEAD -> {
                long idleEnds = c.idleSince + config.keepalive().toNanos();
                if (c.threadWaits && c.parser == null && idleEnds - now > 0) {
                    // idle past the model's linger: the thread ends, the connection waits on alone
                    c.threadWaits = false;
                    c.wake(BlockingConnection.TIMED_OUT);
                    timers.schedule(c, idleEnds);
                } else if (c.parser != null && c.parser.inProgress()) {
                    c.origin.rejected(Rejection.HEADER_TIMEOUT);
                    linger(
                            c,
                            ResponseEncoder.errorResponse(
                                    408, "the request head did not arrive within header_timeout"));
                } else {
                    c.close(); // nothing came: close quietly
                }
            }
            case BlockingConnection.WAITING -> {
                c.readCleared = true;
                interest(c, 0);
                c.phase = BlockingConnection.RUNNING;
                c.wake(BlockingConnection.TIMED_OUT);
            }
            case BlockingConnection.LINGER -> c.close();
            default -> {
                // a thread runs it; the request's timeout is the Arbiter's
            }
        }
    }

    /** Reads what arrived of a head; dispatches the request once the head is complete. Loop thread. */
    private void readHead(BlockingConnection c) {
        // with TLS, what one read brought may hold more records than one call unwraps, and the
        // selector will not report bytes already read: go on while the transport holds some
        do {
            if (readHeadOnce(c)) {
                return;
            }
        } while (c.phase == BlockingConnection.HEAD && c.transport.hasBufferedInput());
    }

    /** Reads and parses once; true if that ended the head phase or the connection. */
    private boolean readHeadOnce(BlockingConnection c) {
        ByteBuffer in = readBuffer.clear();
        if (!readForHead(c, in)) {
            return true;
        }
        if (c.parser == null) {
            c.parser = new RequestParser(limits);
            if (c.served) {
                armHeaderDeadline(c); // the first byte of a later request
            }
        }
        RequestHead head;
        try {
            head = c.parser.parse(in);
        } catch (BadMessageException e) {
            LOG.debug("Invalid request from {}: {} {}", c.remote, e.status(), e.getMessage());
            c.origin.rejected(e);
            linger(c, ResponseEncoder.errorResponse(e.status(), e.getMessage()));
            return true;
        }
        if (head == null) {
            return false;
        }
        c.parser = null;
        c.leftover(in);
        // the interest stays OP_READ: the next request usually comes after the thread hands the
        // connection back, so no interest change (an epoll_ctl) is paid per request; if the client
        // sends early, ready() clears it then
        timers.cancel(c);
        c.phase = BlockingConnection.RUNNING;
        c.head = head;
        if (c.threadWaits) {
            c.threadWaits = false;
            c.wake(BlockingConnection.READY); // the thread that served the last request takes it
        } else if (!model.dispatch(c)) {
            c.head = null;
            c.origin.rejected(Rejection.OVERLOAD);
            linger(c, ResponseEncoder.errorResponse(503, "every thread of the worker is busy"));
        }
        return true;
    }

    /**
     * Reads the bytes of a head into {@code in}, which it leaves ready to be parsed: true if there
     * are some; false if none came yet (the key then waits for what the transport needs) or the
     * connection ended. The PROXY protocol header comes first, in plain text, then TLS if it is on.
     */
    private boolean readForHead(BlockingConnection c, ByteBuffer in) {
        try {
            if (!c.proxied) {
                int n = c.channel.read(in);
                in.flip();
                if (n < 0) {
                    c.close(); // a half-sent header is nothing to answer
                    return false;
                }
                if (n == 0 || !(c.proxied = c.origin.awaitProxyHeader(in))) {
                    return false;
                }
                if (!startTls(c, in)) {
                    return in.hasRemaining();
                }
                in.clear();
            }
            int n = c.transport.read(in);
            in.flip();
            if (n < 0) {
                c.close(); // a half-sent head is nothing to answer
                return false;
            }
            if (n == 0) {
                waitForTransport(c);
                return false;
            }
            if (!c.secured && c.transport instanceof TlsTransport t) {
                c.secured = true;
                c.origin.tlsEstablished(t.engine()); // what Request.tls() and tlsSession() tell
            }
            interest(c, SelectionKey.OP_READ);
            return true;
        } catch (ProxyProtocolException e) {
            LOG.debug("Closing {}: {}", c.remote, e.getMessage());
            c.close(); // never answered: the peer is not speaking the protocol it must
        } catch (SSLException e) {
            tlsFailed(c, e);
        } catch (IOException e) {
            LOG.debug("Reading from a client failed: {}", e.toString());
            c.close();
        }
        return false;
    }

    /** True if connections speak TLS once their PROXY stage is over. */
    boolean speaksTls() {
        return tls;
    }

    /**
     * Starts TLS on a connection whose PROXY stage is over, with {@code alreadyRead} the network bytes
     * that followed it; false if the server speaks plain HTTP.
     */
    private boolean startTls(BlockingConnection c, ByteBuffer alreadyRead) {
        if (!tls) {
            return false;
        }
        SSLEngine engine = context.newTlsEngine(c.remote).orElseThrow();
        c.transport = new TlsTransport(c.channel, engine, alreadyRead);
        return true;
    }

    /**
     * The handshake (or a record) failed: a client that sent plain HTTP to the TLS port gets a plain
     * 400 saying so; anything else is closed without an answer, since no answer could be read.
     */
    private void tlsFailed(BlockingConnection c, SSLException e) {
        if (c.transport instanceof TlsTransport t && !t.handshaken() && t.clientSpokePlainText()) {
            c.origin.rejected(Rejection.BAD_REQUEST);
            c.transport = Transport.plain(c.channel);
            linger(c, PLAIN_TO_TLS);
            return;
        }
        LOG.debug("TLS with {} failed: {}", c.remote, e.toString());
        c.origin.rejected(Rejection.BAD_REQUEST);
        c.close();
    }

    /** After a transport call that made no progress: wait for the socket, or run its delegated task. */
    private void waitForTransport(BlockingConnection c) {
        int ops = c.transport.interestOps(SelectionKey.OP_READ);
        interest(c, ops);
        if (ops == 0) {
            // certificate checks and key exchange may take milliseconds: off the loop
            TlsTasks.execute(() -> {
                if (c.isClosed()) {
                    return; // cut at header_timeout while its task waited
                }
                c.transport.runTasks();
                execute(() -> {
                    if (!c.isClosed() && c.phase == BlockingConnection.HEAD) {
                        interest(c, SelectionKey.OP_READ);
                        readHead(c);
                    }
                });
            });
        }
    }

    private void armHeaderDeadline(BlockingConnection c) {
        long headerNanos = config.headerTimeout().toNanos();
        if (headerNanos > 0) {
            timers.schedule(c, System.nanoTime() + headerNanos);
        } else {
            timers.cancel(c);
        }
    }

    /**
     * A thread finished an exchange and the connection stays open: wait for the next request, whose
     * first byte is due within {@code keepalive} (or whose head, begun already, within {@code
     * header_timeout}). Loop thread.
     */
    void awaitHead(BlockingConnection c, RequestParser begun, boolean threadWaits) {
        if (c.isClosed()) {
            return;
        }
        long now = System.nanoTime();
        c.readCleared = false;
        c.phase = BlockingConnection.HEAD;
        c.served = true;
        c.parser = begun;
        c.transport.idle();
        c.threadWaits = threadWaits;
        c.idleSince = now;
        if (begun != null) {
            armHeaderDeadline(c);
        } else {
            long keepalive = config.keepalive().toNanos();
            timers.schedule(c, now + (threadWaits ? Math.min(keepalive, model.threadLingerNanos()) : keepalive));
        }
        interest(c, SelectionKey.OP_READ);
        if (c.transport.hasBufferedInput()) {
            readHead(c); // the next request came with the last one, inside a TLS record
        }
    }

    /** True if the model keeps a thread parked on its connection between requests for a while. */
    boolean lingersThreads() {
        return model.threadLingerNanos() > 0;
    }

    /** A thread waits for {@code ops} on its connection, until {@code deadlineNanos} (0: none). Loop thread. */
    void watch(BlockingConnection c, int ops, long deadlineNanos) {
        if (c.isClosed()) {
            c.wake(BlockingConnection.CLOSED);
            return;
        }
        if (c.phase != BlockingConnection.RUNNING) {
            c.wake(BlockingConnection.CLOSED); // taken over meanwhile (an abort's 504)
            return;
        }
        c.phase = BlockingConnection.WAITING;
        if (deadlineNanos != 0) {
            timers.schedule(c, deadlineNanos);
        }
        interest(c, ops);
    }

    /**
     * Ends a connection after a final response without losing it: sends {@code farewell} (an error
     * response, or null if the response went out already), then shuts the output and reads and drops
     * what the client still sends (at most {@link Lingering#MAX_DRAIN} bytes, for at most a second),
     * so that the kernel does not answer it with a reset that destroys the response. Loop thread.
     */
    void linger(BlockingConnection c, byte[] farewell) {
        if (c.isClosed()) {
            return;
        }
        if (c.phase == BlockingConnection.WAITING || c.threadWaits) {
            c.threadWaits = false;
            c.wake(BlockingConnection.CLOSED);
        }
        c.phase = BlockingConnection.LINGER;
        c.parser = null;
        c.farewell = farewell == null ? null : ByteBuffer.wrap(farewell);
        c.lingered = 0;
        timers.schedule(c, System.nanoTime() + LINGER_NANOS);
        sendFarewell(c);
    }

    private void sendFarewell(BlockingConnection c) {
        try {
            if (c.farewell != null && c.farewell.hasRemaining()) {
                c.transport.write(new ByteBuffer[] {c.farewell}, 0, 1);
            }
            if ((c.farewell != null && c.farewell.hasRemaining()) || !c.transport.flush()) {
                int ops = c.transport.interestOps(SelectionKey.OP_WRITE);
                if (ops == 0) {
                    c.close(); // a handshake not over cannot carry an answer
                } else {
                    interest(c, ops);
                }
                return;
            }
            if (c.farewell != null) {
                c.farewell = null;
                c.farewellSent();
            }
            c.transport.shutdownOutput();
        } catch (IOException e) {
            c.close();
            return;
        }
        interest(c, SelectionKey.OP_READ);
        drop(c);
    }

    /** Reads and drops what a lingering client sends; closes at its end of stream or past the cap. */
    private void drop(BlockingConnection c) {
        try {
            int n;
            while ((n = c.channel.read(readBuffer.clear())) > 0) {
                c.lingered += n;
                if (c.lingered > Lingering.MAX_DRAIN) {
                    c.close();
                    return;
                }
            }
            if (n < 0) {
                c.close();
            }
        } catch (IOException e) {
            c.close();
        }
    }

    private static void interest(BlockingConnection c, int ops) {
        SelectionKey key = c.key;
        try {
            if (key.isValid() && key.interestOps() != ops) {
                key.interestOps(ops);
            }
        } catch (CancelledKeyException e) {
            // closed from another thread: its cleanup follows
        }
    }

    /** Tells the model a thread was given up on. Monitor thread. */
    void abandoned(Thread servingThread) {
        model.abandoned(servingThread);
    }
}
