package io.corral.worker.async;

import io.corral.Config;
import io.corral.Hooks;
import io.corral.http.AsyncHandler;
import io.corral.http.Handler;
import io.corral.internal.http.Limits;
import io.corral.internal.http.ResponseEncoder;
import io.corral.internal.server.Adoptions;
import io.corral.internal.server.CorralThreads;
import io.corral.internal.server.TimerWheel;
import io.corral.spi.Application;
import io.corral.spi.WorkerContext;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jctools.queues.MessagePassingQueue;
import org.jctools.queues.atomic.MpscUnboundedAtomicArrayQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One event loop: a platform thread that selects on the shared listener and on up to {@code
 * worker_connections} connections, runs the tasks other threads hand it, and fires the
 * connections' deadlines. It never blocks except in {@code select}, which waits at most until the
 * next deadline and never longer than a heartbeat interval.
 *
 * <p>Other threads reach the loop only through {@link #execute}: a JCTools MPSC queue plus a
 * selector wake-up that is only paid for when the loop may be asleep (Netty's scheme: the loop
 * raises {@code sleeping} before it selects, and a producer that finds it raised wakes the
 * selector).
 *
 * <p>Threading: {@link #run()} is the loop thread, which owns the selector's keys, the
 * connections' state, the timers, the offload admission, the read buffer and the encoder. {@link
 * #execute}, {@link #shutdownGracefully()}, {@link #abort()} and {@link #release} are called from
 * any thread; {@link #connections} is concurrent so that an abort can close sockets while the loop
 * thread is stuck.
 */
final class EventLoop implements Runnable {

    static final Logger LOG = LoggerFactory.getLogger("io.corral.worker.async");

    private static final int READ_BUFFER = 64 * 1024;
    private static final int TASKS_PER_WAKEUP = 4096;
    private static final long MAX_WAIT_NANOS = TimeUnit.SECONDS.toNanos(1);

    final WorkerContext context;
    final Config config;
    final Limits limits;
    /** True if connections speak TLS once their PROXY stage is over ({@code certfile} or {@code keystore} set). */
    final boolean tls;

    final Hooks hooks;
    /** The application as non-blocking code, run on this loop; null if it is blocking. */
    final AsyncHandler asyncHandler;
    /** The application as blocking code, run on {@link #offload}; null if it is async. */
    final Handler blockingHandler;

    final OffloadPool offload;
    final TimerWheel timers = new TimerWheel(System.nanoTime());
    final ResponseEncoder encoder = new ResponseEncoder();
    final ByteBuffer readBuffer = ByteBuffer.allocate(READ_BUFFER); // heap: the parser reads lines in place
    final ByteBuffer[] gather = new ByteBuffer[2];
    final FixedBody capture = new FixedBody();
    final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    final Thread thread;

    // the flavour built on atomic field updaters: no sun.misc.Unsafe, which JDK 24 and later warn about
    private final MessagePassingQueue<Runnable> tasks = new MpscUnboundedAtomicArrayQueue<>(1024);
    private final AtomicBoolean sleeping = new AtomicBoolean();
    private final Selector selector;
    private final Acceptor acceptor;
    private final long maxWaitNanos;
    private final Runnable onExit;
    private boolean stopping;
    volatile boolean aborted;
    private final Adoptions adoptions = new Adoptions();

    /**
     * Opens the loop's selector and registers the listener; {@link #run()} then serves.
     *
     * @param onExit called on the loop thread when it ends
     */
    EventLoop(WorkerContext context, Runnable onExit) throws IOException {
        this.context = context;
        this.config = context.config();
        this.limits = Limits.of(config);
        this.tls = context.tlsEnabled(); // the settings' files, or an SSLContext the embedder supplied
        this.hooks = context.hooks();
        Application app = context.application();
        this.asyncHandler = app instanceof Application.Async async ? async.handler() : null;
        this.blockingHandler = asyncHandler == null ? app.asBlocking() : null;
        // beat at least four times per timeout, so that a busy but healthy loop is never taken for hung
        this.maxWaitNanos = config.hasTimeout()
                ? Math.max(
                        TimeUnit.MILLISECONDS.toNanos(10),
                        Math.min(MAX_WAIT_NANOS, config.timeout().toNanos() / 4))
                : MAX_WAIT_NANOS;
        this.onExit = onExit;
        String name = "corral-async-" + context.workerId();
        this.offload = new OffloadPool(config.offloadThreads(), name + "-offload-");
        this.thread = CorralThreads.worker(name, this);
        this.selector = Selector.open();
        try {
            this.acceptor = new Acceptor(this, selector);
        } catch (IOException | RuntimeException e) {
            selector.close();
            throw e;
        }
    }

    // ---- any thread ---------------------------------------------------------------------------

    /** Runs {@code task} on the loop soon; any thread, never blocks. */
    void execute(Runnable task) {
        tasks.offer(task);
        if (sleeping.get() && sleeping.compareAndSet(true, false)) {
            selector.wakeup();
        }
    }

    /**
     * Serves a client the Arbiter took from the backlog at shutdown; any thread. The loop does not
     * end while an adoption is on its way to it ({@link #mayExit()}).
     *
     * @return false if the loop has ended and cannot take it
     */
    boolean adopt(SocketChannel channel) {
        if (!adoptions.begin()) {
            return false;
        }
        execute(() -> {
            adoptions.arrived();
            acceptor.adopt(channel);
        });
        return true;
    }

    /** A stopping loop that holds no socket ends, unless an adoption is on its way; loop thread. */
    private boolean mayExit() {
        if (!stopping || acceptor.sockets() != 0) {
            return false;
        }
        return adoptions.exitIfNone();
    }

    /** Stops accepting now, from any thread; the connections are served as before. */
    void stopAccepting() {
        acceptor.cancel(); // the selector lets go of the listener at its next select, which this wakes
        execute(acceptor::stop);
    }

    /** Stops accepting now; connections close after their next response, or when idle expires. */
    void shutdownGracefully() {
        acceptor.cancel();
        execute(this::stop);
    }

    /** Closes everything now, from the calling thread, even if the loop thread is stuck in a handler. */
    void abort() {
        aborted = true;
        // sockets first: once interrupted, a loop that was stuck runs on, and must find them closed
        for (Connection c : connections) {
            c.abortFromAnyThread();
        }
        try {
            selector.close(); // deregisters the listener from this loop even if it never selects again
        } catch (IOException e) {
            LOG.debug("Closing the selector failed: {}", e.toString());
        }
        thread.interrupt();
        offload.shutdownNow();
    }

    /** Forgets a closed connection and counts it closed, exactly once; any thread. */
    void release(Connection c) {
        if (connections.remove(c) && c.counted) {
            context.connectionClosed(c.origin.closeReason()); // hook: how it ended
        }
    }

    // ---- the loop -----------------------------------------------------------------------------

    @Override
    public void run() {
        try {
            while (!aborted) {
                context.heartbeat();
                select();
                processSelectedKeys();
                if (aborted) {
                    break;
                }
                runTasks();
                if (aborted) {
                    break;
                }
                timers.expire(System.nanoTime());
                if (mayExit()) {
                    break;
                }
                Thread.interrupted(); // a handler's stray interrupt must not close the loop's channels
            }
        } catch (ClosedSelectorException e) {
            // aborted
        } catch (Throwable t) {
            if (!aborted) {
                LOG.error("The event loop of worker {} failed", context.workerId(), t);
                context.failed(t);
            }
        } finally {
            adoptions.exit(); // no adoption is taken from now on
            for (Connection c : List.copyOf(connections)) {
                c.abortFromAnyThread();
            }
            try {
                selector.close();
            } catch (IOException e) {
                LOG.debug("Closing the selector failed: {}", e.toString());
            }
            offload.shutdown(); // abandoned handlers are not waited for
            onExit.run();
        }
    }

    private void select() throws IOException {
        long waitNanos = timers.nanosUntilNext(System.nanoTime(), maxWaitNanos);
        sleeping.set(true);
        if (waitNanos <= 0 || !tasks.isEmpty()) {
            sleeping.set(false);
            selector.selectNow();
            return;
        }
        selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(waitNanos + 999_999)));
        sleeping.set(false);
    }

    private void processSelectedKeys() {
        Set<SelectionKey> selected = selector.selectedKeys();
        if (selected.isEmpty()) {
            return;
        }
        Iterator<SelectionKey> it = selected.iterator();
        while (it.hasNext() && !aborted) {
            SelectionKey key = it.next();
            it.remove();
            if (key.attachment() instanceof Connection c) {
                try {
                    c.ready(key);
                } catch (CancelledKeyException e) {
                    c.close();
                } catch (RuntimeException e) {
                    if (aborted) {
                        return;
                    }
                    LOG.error("Unexpected failure serving a connection; closing it", e);
                    c.close();
                }
            } else if (key.isValid()) {
                acceptor.acceptReady();
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
                if (aborted) {
                    return;
                }
                LOG.error("A task on the event loop failed", e);
            }
        }
    }

    /** A connection closed on the loop: it is forgotten, and its place may be taken. */
    void connectionClosed(Connection c) {
        release(c);
        acceptor.closed(c);
    }

    // ---- stopping -----------------------------------------------------------------------------

    /** Returns true once the worker stops: responses then close their connections. */
    boolean stopping() {
        return stopping;
    }

    private void stop() {
        if (stopping) {
            return;
        }
        stopping = true;
        acceptor.stop();
        for (Connection c : List.copyOf(connections)) {
            c.shutdownGracefully();
        }
    }
}
