package io.corral.worker.sync;

import io.corral.OverloadPolicy;
import io.corral.http.Handler;
import io.corral.internal.server.Acceptor;
import io.corral.internal.server.BlockingConnection;
import io.corral.internal.server.CorralThreads;
import io.corral.internal.server.Termination;
import io.corral.spi.Worker;
import io.corral.spi.WorkerContext;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
 * <p>Threading: the acceptor owns its selector; each {@link ServingThread} owns its current
 * connection. The Arbiter's calls flip {@code accepting}, close the acceptor and call the
 * connections' thread-safe methods. Handing off and stopping are serialized by {@code lock}; exits
 * are signalled through {@code termination}.
 */
final class SyncWorker implements Worker {

    private static final Logger LOG = LoggerFactory.getLogger("io.corral.worker.sync");
    private static final long SLICE_MILLIS = 250;
    private static final long IDLE_CHECK_MILLIS = 100;
    /** With overload_policy=reject: how long a full worker lets idle keep-alive connections yield first. */
    private static final long REJECT_AFTER_MILLIS = 2 * IDLE_CHECK_MILLIS;

    private static final Object STOP = new Object();

    private final WorkerContext context;
    private final Handler handler;
    private final int threads;
    private final boolean reject;
    private final Semaphore idle = new Semaphore(0);
    private final BlockingQueue<Object> handoff = new LinkedBlockingQueue<>();
    /** Clients the Arbiter took from the backlog at shutdown, for the drain threads; guarded by lock. */
    private final ArrayDeque<SocketChannel> adopted = new ArrayDeque<>();

    private int drainers; // drain threads alive; guarded by lock
    private final AtomicInteger threadNumber = new AtomicInteger();
    private final Set<ServingThread> live = ConcurrentHashMap.newKeySet();
    private final Set<BlockingConnection> connections = ConcurrentHashMap.newKeySet();
    private final ReentrantLock lock = new ReentrantLock();
    private final Termination termination = new Termination(this::stopped);
    private final Acceptor acceptor;
    private volatile boolean accepting = true;
    private volatile boolean clientWaiting;

    SyncWorker(WorkerContext context) {
        this.context = context;
        this.handler = context.application().asBlocking();
        this.threads = context.config().threads();
        this.reject = context.config().overloadPolicy() == OverloadPolicy.REJECT;
        this.acceptor = new Acceptor(context, "corral-sync-" + context.workerId() + "-acceptor", termination::signal) {
            @Override
            protected void loop(Selector selector) throws IOException, InterruptedException {
                acceptLoop(selector);
            }
        };
    }

    @Override
    public void start() throws IOException {
        for (int i = 0; i < threads; i++) {
            startThread(false);
        }
        try {
            acceptor.start();
        } catch (IOException e) {
            abort();
            throw e;
        }
    }

    /**
     * Serves a client the Arbiter took from the backlog at shutdown, on a drain thread: up to
     * {@code threads} of them take such clients in turn, so that a stopping worker answers its
     * share of the backlog as fast as it served, without waiting for its busy threads.
     */
    @Override
    public boolean adopt(SocketChannel channel) {
        lock.lock();
        try {
            adopted.add(channel);
            if (drainers < threads) {
                drainers++;
                startThread(true);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Takes the next adopted client, or, if none is left, counts this drain thread out; lock held inside. */
    private SocketChannel nextAdopted() {
        lock.lock();
        try {
            SocketChannel next = adopted.poll();
            if (next == null) {
                drainers--;
            }
            return next;
        } finally {
            lock.unlock();
        }
    }

    /** A drain thread was given up on (its request ran past timeout): another takes its place. */
    private void drainerGivenUp() {
        lock.lock();
        try {
            drainers--;
            if (!adopted.isEmpty()) {
                drainers++;
                startThread(true);
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void stopAccepting() {
        stopAcceptingClients();
        acceptor.close();
    }

    @Override
    public void shutdown() {
        stopAccepting();
        for (BlockingConnection c : connections) {
            c.shutdownGracefully();
        }
    }

    @Override
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        return termination.await(timeout);
    }

    /** True once the acceptor has ended and every thread (or connection) with it. */
    private boolean stopped() {
        return acceptor.done() && live.isEmpty();
    }

    @Override
    public void abort() {
        stopAccepting();
        acceptor.thread().interrupt();
        for (BlockingConnection c : connections) {
            c.abort();
        }
        // clients queued for a thread are closed too, and the stop marker put back for the threads
        List<Object> queued = new ArrayList<>();
        handoff.drainTo(queued);
        lock.lock();
        try {
            queued.addAll(adopted);
            adopted.clear();
        } finally {
            lock.unlock();
        }
        for (Object o : queued) {
            if (o instanceof SocketChannel channel) {
                try {
                    channel.close();
                } catch (IOException e) {
                    // closing anyway
                }
            }
        }
        handoff.add(STOP);
    }

    /** True while the acceptor sees a client waiting for a thread; for this package's tests. */
    boolean clientWaiting() {
        return clientWaiting;
    }

    @Override
    public List<Thread> threads() {
        List<Thread> all = new ArrayList<>();
        all.add(acceptor.thread());
        for (ServingThread t : live) {
            all.add(t.thread);
        }
        return all;
    }

    // ---- the acceptor -----------------------------------------------------------------------

    /** The acceptor's loop: accept only when a thread is free; say when a client waits for one. */
    private void acceptLoop(Selector sel) throws IOException, InterruptedException {
        try {
            while (accepting) {
                context.heartbeat();
                if (clientWaiting && sel.selectNow() == 0) {
                    clientWaiting = false; // the clients it was raised for have been taken
                }
                if (!clientWaiting && sel.select(SLICE_MILLIS) == 0) {
                    continue;
                }
                sel.selectedKeys().clear();
                // a client waits: it needs a free thread
                if (!idle.tryAcquire()) {
                    clientWaiting = true; // busy threads close after their response, idle keep-alives yield
                    if (!idle.tryAcquire(reject ? REJECT_AFTER_MILLIS : IDLE_CHECK_MILLIS, TimeUnit.MILLISECONDS)) {
                        if (reject) {
                            // still full once idle connections had their chance to yield: every
                            // client waiting now is answered 503, not one per wait
                            SocketChannel refused;
                            while ((refused = acceptor.accept(sel)) != null) {
                                acceptor.reject(refused);
                            }
                        }
                        continue;
                    }
                }
                if (!acceptAndHandOff(sel)) {
                    idle.release(); // another worker took it, or we are stopping
                    continue;
                }
                clientWaiting = false; // until the next select says otherwise
            }
        } finally {
            clientWaiting = false;
        }
    }

    /**
     * Accepts a waiting client and queues it for a free thread; false if there was none or the worker
     * is stopping. Under {@code lock}, with {@link #stopAcceptingClients}, so that a client, once accepted,
     * is always queued ahead of the stop marker and served, never dropped.
     */
    private boolean acceptAndHandOff(Selector sel) throws IOException {
        IOException failed;
        lock.lock();
        try {
            if (!accepting) {
                return false;
            }
            SocketChannel channel = context.listener().accept();
            if (channel == null) {
                return false;
            }
            handoff.add(channel);
            return true;
        } catch (ClosedChannelException e) {
            throw e;
        } catch (IOException e) {
            failed = e;
        } finally {
            lock.unlock();
        }
        acceptor.pauseAfterFailedAccept(sel, failed); // not under the lock: stopping need not wait for it
        return false;
    }

    /**
     * Stops accepting and queues the stop marker, which each waiting thread passes on as it exits;
     * a busy thread exits after its connection. Under {@code lock}, with {@link #acceptAndHandOff},
     * so that no connection is queued behind the marker.
     */
    private void stopAcceptingClients() {
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

    /**
     * Starts a serving thread, counted as free from the start so that the acceptor can hand it a
     * client; or a drain thread, which serves the adopted clients.
     */
    private void startThread(boolean drainer) {
        ServingThread t = new ServingThread(drainer);
        live.add(t);
        if (!drainer) {
            idle.release();
        }
        t.thread.start();
    }

    /**
     * A thread that serves the connections the acceptor hands it, one at a time, and the keep-alive
     * policy of the connection it serves. Everything but {@link #abandoned} runs on {@link #thread}.
     */
    private final class ServingThread implements Runnable, BlockingConnection.Policy {
        final Thread thread;
        private final boolean drainer;
        private volatile boolean abandoned;

        ServingThread(boolean drainer) {
            this.drainer = drainer;
            this.thread = CorralThreads.worker(
                    "corral-sync-" + context.workerId() + (drainer ? "-drain-" : "-") + threadNumber.incrementAndGet(),
                    this);
        }

        /** A drain thread's loop: the adopted clients, one at a time, until none is left. */
        private void drain() {
            SocketChannel next;
            while ((next = nextAdopted()) != null) {
                if (!serve(next, true)) {
                    drainerGivenUp();
                    return;
                }
            }
        }

        @Override
        public void run() {
            try {
                if (drainer) {
                    drain();
                    return;
                }
                while (true) {
                    Object handed = handoff.take(); // a permit in `idle` counts this thread as free
                    if (handed == STOP) {
                        handoff.add(STOP); // pass it on: one marker stops every waiting thread
                        return;
                    }
                    // gunicorn's sync loop: while clients wait, take the next one directly, which
                    // saves the hand-off from the acceptor under load
                    SocketChannel next = (SocketChannel) handed;
                    boolean given;
                    do {
                        given = !serve(next, false);
                    } while (!given && (next = acceptWaiting()) != null);
                    if (given || abandoned) {
                        return; // a request past timeout: this thread was given up on and replaced
                    }
                    if (accepting) {
                        idle.release();
                    }
                    // stopping: go on taking what was queued ahead of the stop marker
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
                    termination.signal();
                }
            }
        }

        /**
         * Accepts a client the acceptor saw waiting, without blocking; null if none (or stopping).
         *
         * <p>Only while {@code clientWaiting}: a thread that took clients on its own would race the
         * acceptor for a client the acceptor had already seen, and the acceptor, finding no free
         * thread, would then raise {@code clientWaiting} for a client that is being served.
         */
        private SocketChannel acceptWaiting() {
            if (!accepting || abandoned || !clientWaiting) {
                return null;
            }
            try {
                return context.listener().accept();
            } catch (IOException e) {
                return null; // the acceptor reports and paces accept failures
            }
        }

        /** Serves one connection to its end; false if its request was aborted and this thread given up. */
        private boolean serve(SocketChannel channel, boolean closeAfterItsRequest) {
            BlockingConnection connection = BlockingConnection.open(channel, context, handler, this);
            if (connection == null) {
                return true;
            }
            connections.add(connection);
            if (!accepting || closeAfterItsRequest) {
                connection.shutdownGracefully();
            }
            connection.serve();
            return !connection.aborted();
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
            // a draining worker keeps its idle connections until keepalive runs out: its clients
            // may be sending on them, and get their answer with Connection: close
            return clientWaiting;
        }

        @Override
        public void closed(BlockingConnection connection) {
            connections.remove(connection);
        }

        @Override
        public void abandoned(BlockingConnection connection, Thread servingThread) {
            abandoned = true;
            live.remove(this);
            termination.signal();
            if (accepting && !drainer) {
                startThread(false); // the worker keeps its capacity; the stuck thread is not waited for
            }
        }
    }
}
