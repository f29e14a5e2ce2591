package io.corral.worker.sync;

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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One sync worker: {@code threads} platform threads, each accepting from the shared listener and
 * serving one connection at a time. See the package documentation for the keep-alive rule.
 *
 * <p>Threading: each {@link ServingThread} owns its selector and its current connection. The
 * Arbiter's calls ({@link #shutdown()}, {@link #abort()}) only flip {@code accepting}, wake the
 * selectors and call the thread-safe methods of the connections. The count of live threads is
 * guarded by {@code lock}.
 */
final class SyncWorker implements Worker {

    private static final Logger LOG = LoggerFactory.getLogger("io.corral.worker.sync");
    private static final long SELECT_MILLIS = 500;
    private static final long IDLE_CHECK_MILLIS = 100;

    private final WorkerContext context;
    private final Handler handler;
    private final AtomicInteger idleThreads = new AtomicInteger();
    private final AtomicInteger threadNumber = new AtomicInteger();
    private final Set<ServingThread> live = ConcurrentHashMap.newKeySet();
    private final Set<BlockingConnection> connections = ConcurrentHashMap.newKeySet();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition allExited = lock.newCondition();
    private volatile boolean accepting = true;

    SyncWorker(WorkerContext context) {
        this.context = context;
        this.handler = context.application().asBlocking();
    }

    @Override
    public void start() throws IOException {
        int n = context.config().threads();
        CountDownLatch ready = new CountDownLatch(n);
        List<ServingThread> started = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            started.add(startThread(ready));
        }
        try {
            if (!ready.await(30, TimeUnit.SECONDS)) {
                throw new IOException("sync worker " + context.workerId() + " threads did not start");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting", e);
        }
        for (ServingThread t : started) {
            if (t.startFailure != null) {
                abort();
                throw t.startFailure;
            }
        }
    }

    @Override
    public void shutdown() {
        accepting = false;
        for (ServingThread t : live) {
            // closing (not just waking) the selectors deregisters the listener at once, even from a
            // thread busy with a long request: a registered listener's socket stays open, and keeps
            // queueing clients nobody will serve, until every selector has let go of it
            t.closeSelector();
        }
        for (BlockingConnection c : connections) {
            c.shutdownGracefully();
        }
    }

    @Override
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        long left = timeout.toNanos();
        lock.lock();
        try {
            while (!live.isEmpty()) {
                if (left <= 0) {
                    return false;
                }
                left = allExited.awaitNanos(left);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void abort() {
        accepting = false;
        for (BlockingConnection c : connections) {
            c.abort();
        }
        for (ServingThread t : live) {
            t.closeSelector();
            t.thread.interrupt();
        }
    }

    @Override
    public List<Thread> threads() {
        List<Thread> threads = new ArrayList<>();
        for (ServingThread t : live) {
            threads.add(t.thread);
        }
        return threads;
    }

    private ServingThread startThread(CountDownLatch ready) {
        ServingThread t = new ServingThread(ready);
        live.add(t);
        t.thread.start();
        return t;
    }

    private void exited(ServingThread t) {
        lock.lock();
        try {
            live.remove(t);
            if (live.isEmpty()) {
                allExited.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * One accepting and serving thread, and the keep-alive policy of the connection it serves.
     * Everything but {@link #closeSelector()} and {@link #abandoned} runs on {@link #thread}.
     */
    private final class ServingThread implements Runnable, BlockingConnection.Policy {
        final Thread thread;
        private final CountDownLatch ready;
        private volatile Selector selector;
        private volatile boolean abandoned;
        volatile IOException startFailure;

        ServingThread(CountDownLatch ready) {
            this.ready = ready;
            this.thread = new Thread(this, "corral-sync-" + context.workerId() + "-" + threadNumber.incrementAndGet());
        }

        @Override
        public void run() {
            try (Selector sel = Selector.open()) {
                selector = sel;
                try {
                    context.listener().register(sel, SelectionKey.OP_ACCEPT);
                } finally {
                    ready.countDown();
                }
                loop(sel);
            } catch (ClosedChannelException | ClosedSelectorException e) {
                // the listener closed: the Arbiter is shutting down
            } catch (IOException e) {
                if (ready.getCount() > 0) {
                    startFailure = e;
                    ready.countDown();
                } else if (accepting && !abandoned) {
                    context.failed(e);
                }
            } catch (RuntimeException | Error e) {
                if (accepting && !abandoned) {
                    context.failed(e);
                }
            } finally {
                if (ready.getCount() > 0) {
                    ready.countDown();
                }
                if (!abandoned) {
                    exited(this);
                }
            }
        }

        private void loop(Selector sel) throws IOException {
            while (accepting && !abandoned) {
                idleThreads.incrementAndGet();
                try {
                    sel.select(SELECT_MILLIS);
                } finally {
                    idleThreads.decrementAndGet();
                }
                sel.selectedKeys().clear();
                if (!accepting || abandoned) {
                    return;
                }
                SocketChannel channel;
                try {
                    channel = context.listener().accept();
                } catch (ClosedChannelException e) {
                    return;
                } catch (IOException e) {
                    // EMFILE and the like: a pause lets connections close before the next try
                    LOG.warn("accept failed on worker {}: {}", context.workerId(), e.toString());
                    sel.select(100);
                    continue;
                }
                if (channel == null) {
                    continue; // another thread took it
                }
                serve(channel);
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

        void closeSelector() {
            Selector sel = selector;
            if (sel != null) {
                try {
                    sel.close();
                } catch (IOException e) {
                    LOG.debug("Closing a selector failed: {}", e.toString());
                }
            }
        }

        /** True if a client waits in the backlog: the listener is ready to accept. */
        private boolean clientWaiting() {
            Selector sel = selector;
            if (sel == null || !sel.isOpen()) {
                return false;
            }
            try {
                int ready = sel.selectNow();
                sel.selectedKeys().clear();
                return ready > 0;
            } catch (IOException | ClosedSelectorException e) {
                return false;
            }
        }

        @Override
        public boolean mayKeepAlive() {
            return idleThreads.get() > 0 || !clientWaiting();
        }

        @Override
        public long idleCheckMillis() {
            return IDLE_CHECK_MILLIS;
        }

        @Override
        public boolean yieldIdle() {
            return !accepting || (idleThreads.get() == 0 && clientWaiting());
        }

        @Override
        public void closed(BlockingConnection connection) {
            connections.remove(connection);
        }

        @Override
        public void abandoned(BlockingConnection connection, Thread servingThread) {
            abandoned = true;
            exited(this);
            if (accepting) {
                startThread(new CountDownLatch(1));
            }
        }
    }
}
