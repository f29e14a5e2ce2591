package io.corral.worker.virtual;

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
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One virtual worker: a platform acceptor thread and a virtual thread per connection, at most
 * {@code worker_connections} of them. See the package documentation.
 *
 * <p>Threading: the acceptor owns the selector. Connections run on their virtual threads and
 * return their permit when they close, from whichever thread closes them. The Arbiter's calls flip
 * {@code accepting}, wake the selector and call the connections' thread-safe methods. Termination
 * is signalled under {@code lock}.
 */
final class VirtualWorker implements Worker, BlockingConnection.Policy {

    private static final Logger LOG = LoggerFactory.getLogger("io.corral.worker.virtual");
    private static final long SLICE_MILLIS = 250;

    private final WorkerContext context;
    private final Handler handler;
    private final boolean reject;
    private final Semaphore permits;
    private final Semaphore rejecters;
    private final ThreadFactory virtualThreads;
    private final Set<BlockingConnection> connections = ConcurrentHashMap.newKeySet();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final CountDownLatch ready = new CountDownLatch(1);
    private final Thread acceptor;
    private volatile Selector selector;
    private volatile boolean accepting = true;
    private volatile boolean acceptorDone;
    private volatile IOException startFailure;

    VirtualWorker(WorkerContext context) {
        this.context = context;
        this.handler = context.application().asBlocking();
        this.reject = context.config().overloadPolicy() == OverloadPolicy.REJECT;
        this.permits = new Semaphore(context.config().workerConnections());
        this.rejecters = new Semaphore(Math.max(16, context.config().workerConnections() / 10));
        this.virtualThreads = Thread.ofVirtual()
                .name("corral-virtual-" + context.workerId() + "-", 1)
                .factory();
        this.acceptor = new Thread(this::acceptLoop, "corral-virtual-" + context.workerId() + "-acceptor");
    }

    @Override
    public void start() throws IOException {
        acceptor.start();
        try {
            if (!ready.await(30, TimeUnit.SECONDS)) {
                throw new IOException("virtual worker " + context.workerId() + " did not start");
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
        accepting = false;
        wakeup();
        for (BlockingConnection c : connections) {
            c.shutdownGracefully();
        }
    }

    @Override
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        long left = timeout.toNanos();
        lock.lock();
        try {
            while (!(acceptorDone && connections.isEmpty())) {
                if (left <= 0) {
                    return false;
                }
                left = changed.awaitNanos(left);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void abort() {
        accepting = false;
        wakeup();
        acceptor.interrupt();
        for (BlockingConnection c : connections) {
            c.abort();
        }
    }

    @Override
    public List<Thread> threads() {
        return List.of(acceptor);
    }

    // ---- the acceptor ---------------------------------------------------------------------

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
                if (!reject && !permits.tryAcquire(SLICE_MILLIS, TimeUnit.MILLISECONDS)) {
                    continue; // full: leave new clients in the backlog
                }
                boolean permitHeld = !reject;
                try {
                    sel.select(SLICE_MILLIS);
                    sel.selectedKeys().clear();
                    // drain the backlog while there is room: a burst of clients costs one select
                    while (accepting) {
                        SocketChannel channel = accept();
                        if (channel == null) {
                            break;
                        }
                        permitHeld = false;
                        dispatch(channel);
                        if (!reject) {
                            if (!permits.tryAcquire()) {
                                break; // full: wait for a permit before accepting again
                            }
                            permitHeld = true;
                        }
                    }
                } finally {
                    if (permitHeld) {
                        permits.release();
                    }
                }
            }
        } catch (InterruptedException | ClosedSelectorException | ClosedChannelException e) {
            // aborted or the listener closed
        } catch (IOException | RuntimeException | Error e) {
            if (accepting) {
                context.failed(e);
            }
        } finally {
            ready.countDown();
            acceptorDone = true;
            signal();
        }
    }

    private SocketChannel accept() throws IOException {
        try {
            return context.listener().accept();
        } catch (ClosedChannelException e) {
            throw e;
        } catch (IOException e) {
            // EMFILE and the like: pause so that connections can close before the next try
            LOG.warn("accept failed on worker {}: {}", context.workerId(), e.toString());
            selector.select(100);
            return null;
        }
    }

    /** Hands an accepted channel to a virtual thread; for the backlog policy the permit is already held. */
    private void dispatch(SocketChannel channel) {
        if (reject && !permits.tryAcquire()) {
            if (rejecters.tryAcquire()) {
                virtualThreads
                        .newThread(() -> {
                            try {
                                BlockingConnection.reject(channel);
                            } finally {
                                rejecters.release();
                            }
                        })
                        .start();
            } else {
                closeQuietly(channel);
            }
            return;
        }
        BlockingConnection connection;
        try {
            channel.configureBlocking(true);
            connection = new BlockingConnection(channel, context, handler, this);
        } catch (IOException e) {
            permits.release();
            closeQuietly(channel);
            return;
        }
        connections.add(connection);
        if (!accepting) {
            connection.shutdownGracefully();
        }
        virtualThreads.newThread(connection::serve).start();
    }

    // ---- the policy of each connection ---------------------------------------------------

    @Override
    public boolean mayKeepAlive() {
        return true;
    }

    @Override
    public long idleCheckMillis() {
        return 0;
    }

    @Override
    public boolean yieldIdle() {
        return false;
    }

    @Override
    public void closed(BlockingConnection connection) {
        connections.remove(connection);
        permits.release();
        signal();
    }

    @Override
    public void abandoned(BlockingConnection connection, Thread servingThread) {
        // the permit came back when the connection closed; the parked thread is not waited for
    }

    /**
     * Closes the acceptor's selector, which also wakes it: the listener is deregistered at once, so
     * that the Arbiter's close of it takes effect now rather than when the acceptor next selects.
     */
    private void wakeup() {
        Selector sel = selector;
        if (sel != null) {
            try {
                sel.close();
            } catch (IOException e) {
                LOG.debug("Closing the selector failed: {}", e.toString());
            }
        }
    }

    private void signal() {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // nothing to do
        }
    }
}
