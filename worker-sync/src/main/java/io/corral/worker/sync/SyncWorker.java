package io.corral.worker.sync;

import io.corral.OverloadPolicy;
import io.corral.http.Handler;
import io.corral.internal.server.BlockingConnection;
import io.corral.spi.Worker;
import io.corral.spi.WorkerContext;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One sync worker: an acceptor thread and {@code threads} serving threads, each serving one
 * connection at a time. See the package documentation for the keep-alive rule.
 *
 * <p>The acceptor alone watches the listener. It accepts only when a serving thread is free (it
 * holds one of the {@code idle} permits, which free threads return), and hands the connection over
 * through {@code handoff}; when a client waits and no thread is free it raises {@code
 * clientWaiting}, which is what makes busy threads close after their response and idle keep-alive
 * connections give way. One selector per worker means a new client wakes one thread, not all of
 * them, and costs two file descriptors per worker, not per thread.
 *
 * <p>Threading: the acceptor owns the selector; each {@link ServingThread} owns its current
 * connection. The Arbiter's calls flip {@code accepting}, close the selector and call the
 * connections' thread-safe methods. The set of live threads is guarded by {@code lock}.
 */
final class SyncWorker implements Worker {

    private static final Logger LOG = LoggerFactory.getLogger("io.corral.worker.sync");
    private static final long SLICE_MILLIS = 250;
    private static final long IDLE_CHECK_MILLIS = 100;
    private static final Object STOP = new Object();
    /** With overload_policy=reject: how long a full worker lets idle keep-alive connections yield first. */
    private static final long REJECT_AFTER_MILLIS = 2 * IDLE_CHECK_MILLIS;

    private final WorkerContext context;
    private final Handler handler;
    private final int threads;
    private final boolean reject;
    private final Semaphore rejecters;
    private final Semaphore idle = new Semaphore(0);
    private final BlockingQueue<Object> handoff = new LinkedBlockingQueue<>();
    private final AtomicInteger threadNumber = new AtomicInteger();
    private final Set<ServingThread> live = ConcurrentHashMap.newKeySet();
    private final Set<BlockingConnection> connections = ConcurrentHashMap.newKeySet();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition exited = lock.newCondition();
    private final CountDownLatch ready = new CountDownLatch(1);
    private final Thread acceptor;
    private volatile Selector selector;
    private volatile boolean accepting = true;
    private volatile boolean clientWaiting;
    private volatile boolean acceptorDone;
    private volatile IOException startFailure;

    SyncWorker(WorkerContext context) {
        this.context = context;
        this.handler = context.application().asBlocking();
        this.threads = context.config().threads();
        this.reject = context.config().overloadPolicy() == OverloadPolicy.REJECT;
        this.rejecters = new Semaphore(Math.max(16, threads));
        this.acceptor = new Thread(this::acceptLoop, "corral-sync-" + context.workerId() + "-acceptor");
    }

    @Override
    public void start() throws IOException {
        for (int i = 0; i < threads; i++) {
            startThread();
        }
        acceptor.start();
        try {
            if (!ready.await(30, TimeUnit.SECONDS)) {
                throw new IOException("sync worker " + context.workerId() + " did not start");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting", e);
        }
        if (startFailure != null) {
            abort();
            throw startFailure;
        }
    }

    @Override
    public void shutdown() {
        stopAccepting();
        // closing (not just waking) the selector deregisters the listener at once: a registered
        // listener's socket stays open, queueing clients nobody will serve, until every selector
        // has let go of it
        closeSelector();
        for (BlockingConnection c : connections) {
            c.shutdownGracefully();
        }
    }

    @Override
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        long left = timeout.toNanos();
        lock.lock();
        try {
            while (!(acceptorDone && live.isEmpty())) {
                if (left <= 0) {
                    return false;
                }
                left = exited.awaitNanos(left);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void abort() {
        stopAccepting();
        closeSelector();
        acceptor.interrupt();
        for (BlockingConnection c : connections) {
            c.abort();
        }
    }

    @Override
    public List<Thread> threads() {
        List<Thread> all = new ArrayList<>();
        all.add(acceptor);
        for (ServingThread t : live) {
            all.add(t.thread);
        }
        return all;
    }

    // ---- the acceptor -----------------------------------------------------------------------

    private void acceptLoop() {
        try (Selector sel = Selector.open()) {
            selector = sel;
            try {
                context.listener().register(sel, SelectionKey.OP_ACCEPT);
            } catch (IOException e) {
                startFailure = e;
                return;
            } finally {
                ready.countDown();
            }
            while (accepting) {
                context.heartbeat();
                if (sel.select(SLICE_MILLIS) == 0) {
                    clientWaiting = false;
                    continue;
                }
                sel.selectedKeys().clear();
                // a client waits: it needs a free thread
                if (!idle.tryAcquire()) {
                    clientWaiting = true; // busy threads close after their response, idle keep-alives yield
                    if (!idle.tryAcquire(reject ? REJECT_AFTER_MILLIS : SLICE_MILLIS, TimeUnit.MILLISECONDS)) {
                        if (reject) {
                            rejectOne(sel); // still full once idle connections had their chance to yield
                        }
                        continue;
                    }
                }
                SocketChannel channel = accepting ? accept(sel) : null;
                if (channel == null) {
                    idle.release(); // another worker took it, or we are stopping
                    continue;
                }
                clientWaiting = false; // until the next select says otherwise
                handOff(channel);
            }
        } catch (InterruptedException | ClosedSelectorException | ClosedChannelException e) {
            // aborted or stopping
        } catch (IOException | RuntimeException | Error e) {
            if (accepting) {
                context.failed(e);
            }
        } finally {
            ready.countDown();
            acceptorDone = true;
            clientWaiting = false;
            signalExit();
        }
    }

    /** Answers one waiting client 503 on a virtual thread of its own, so the acceptor never waits on it. */
    private void rejectOne(Selector sel) throws IOException {
        SocketChannel channel = accept(sel);
        if (channel == null) {
            return;
        }
        if (rejecters.tryAcquire()) {
            Thread.ofVirtual()
                    .name("corral-sync-" + context.workerId() + "-reject")
                    .start(() -> {
                        try {
                            BlockingConnection.reject(channel);
                        } finally {
                            rejecters.release();
                        }
                    });
        } else {
            try {
                channel.close(); // a flood: closing at once is all that is affordable
            } catch (IOException e) {
                // nothing to do
            }
        }
    }

    private SocketChannel accept(Selector sel) throws IOException {
        try {
            return context.listener().accept();
        } catch (ClosedChannelException e) {
            throw e;
        } catch (IOException e) {
            // EMFILE and the like: pause so that connections can close before the next try
            LOG.warn("accept failed on worker {}: {}", context.workerId(), e.toString());
            sel.select(100);
            return null;
        }
    }

    private void closeSelector() {
        Selector sel = selector;
        if (sel != null) {
            try {
                sel.close();
            } catch (IOException e) {
                LOG.debug("Closing the selector failed: {}", e.toString());
            }
        }
    }

    /**
     * Hands an accepted connection to a free thread; under {@code lock}, so that a connection is
     * never queued behind the stop markers (where nobody would serve or close it).
     */
    private void handOff(SocketChannel channel) {
        lock.lock();
        try {
            if (accepting) {
                handoff.add(channel);
                return;
            }
        } finally {
            lock.unlock();
        }
        idle.release();
        try {
            channel.close();
        } catch (IOException e) {
            // stopping anyway
        }
    }

    /**
     * Stops accepting and queues the stop marker, which each waiting thread passes on as it exits;
     * a busy thread exits after its connection. Under {@code lock}, with {@link #handOff}, so that
     * no connection is queued behind the marker.
     */
    private void stopAccepting() {
        lock.lock();
        try {
            if (!accepting) {
                return;
            }
            accepting = false;
            handoff.add(STOP);
        } finally {
            lock.unlock();
        }
    }

    // ---- the serving threads ------------------------------------------------------------------

    private void startThread() {
        ServingThread t = new ServingThread();
        live.add(t);
        t.thread.start();
    }

    private void signalExit() {
        lock.lock();
        try {
            exited.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * A thread that serves the connections the acceptor hands it, one at a time, and the keep-alive
     * policy of the connection it serves. Everything but {@link #abandoned} runs on {@link #thread}.
     */
    private final class ServingThread implements Runnable, BlockingConnection.Policy {
        final Thread thread;
        private volatile boolean abandoned;

        ServingThread() {
            this.thread = new Thread(this, "corral-sync-" + context.workerId() + "-" + threadNumber.incrementAndGet());
        }

        @Override
        public void run() {
            try {
                while (accepting && !abandoned) {
                    // gunicorn's sync loop: while clients wait, take the next one directly, which
                    // saves the hand-off from the acceptor under load
                    SocketChannel next = acceptWaiting();
                    if (next == null) {
                        idle.release();
                        Object handed = handoff.take();
                        if (handed == STOP) {
                            handoff.add(STOP); // pass it on: one marker stops every waiting thread
                            return;
                        }
                        next = (SocketChannel) handed;
                    }
                    serve(next);
                }
            } catch (InterruptedException e) {
                // aborted
            } catch (RuntimeException | Error e) {
                if (accepting && !abandoned) {
                    context.failed(e);
                }
            } finally {
                if (!abandoned) {
                    live.remove(this);
                    signalExit();
                }
            }
        }

        /** Accepts a client that is already waiting, without blocking; null if none (or stopping). */
        private SocketChannel acceptWaiting() {
            try {
                return accepting ? context.listener().accept() : null;
            } catch (IOException e) {
                return null; // the acceptor reports and paces accept failures
            }
        }

        private void serve(SocketChannel channel) {
            BlockingConnection connection;
            try {
                channel.configureBlocking(true);
                connection = new BlockingConnection(channel, context, handler, this);
            } catch (IOException e) {
                LOG.debug("Could not set up a connection: {}", e.toString());
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // already failing
                }
                return;
            }
            connections.add(connection);
            if (!accepting) {
                connection.shutdownGracefully();
            }
            connection.serve();
        }

        @Override
        public boolean mayKeepAlive() {
            return !clientWaiting;
        }

        @Override
        public long idleCheckMillis() {
            return IDLE_CHECK_MILLIS;
        }

        @Override
        public boolean yieldIdle() {
            return !accepting || clientWaiting;
        }

        @Override
        public void closed(BlockingConnection connection) {
            connections.remove(connection);
        }

        @Override
        public void abandoned(BlockingConnection connection, Thread servingThread) {
            abandoned = true;
            live.remove(this);
            signalExit();
            if (accepting) {
                startThread(); // the worker keeps its capacity; the stuck thread is not waited for
            }
        }
    }
}
