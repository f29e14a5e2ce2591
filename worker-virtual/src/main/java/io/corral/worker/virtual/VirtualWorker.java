package io.corral.worker.virtual;

import io.corral.OverloadPolicy;
import io.corral.http.Handler;
import io.corral.internal.server.Acceptor;
import io.corral.internal.server.BlockingConnection;
import io.corral.internal.server.CorralThreads;
import io.corral.internal.server.Termination;
import io.corral.spi.Worker;
import io.corral.spi.WorkerContext;
import java.io.IOException;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * One virtual worker: a platform acceptor thread and a virtual thread per connection, at most
 * {@code worker_connections} of them. See the package documentation.
 *
 * <p>Threading: the acceptor owns its selector. Connections run on their virtual threads and
 * return their permit when they close, from whichever thread closes them. The Arbiter's calls flip
 * {@code accepting}, close the acceptor and call the connections' thread-safe methods. Exits are
 * signalled through {@code termination}.
 */
final class VirtualWorker implements Worker, BlockingConnection.Policy {

    private static final long SLICE_MILLIS = 250;

    private final WorkerContext context;
    private final Handler handler;
    private final boolean reject;
    private final Semaphore permits;
    private final ThreadFactory virtualThreads;
    private final Set<BlockingConnection> connections = ConcurrentHashMap.newKeySet();
    private final Termination termination = new Termination(this::stopped);
    private final Acceptor acceptor;
    private volatile boolean accepting = true;

    VirtualWorker(WorkerContext context) {
        this.context = context;
        this.handler = context.application().asBlocking();
        this.reject = context.config().overloadPolicy() == OverloadPolicy.REJECT;
        this.permits = new Semaphore(context.config().workerConnections());
        this.virtualThreads = CorralThreads.virtualFactory("corral-virtual-" + context.workerId() + "-");
        this.acceptor =
                new Acceptor(context, "corral-virtual-" + context.workerId() + "-acceptor", termination::signal) {
                    @Override
                    protected void loop(Selector selector) throws IOException, InterruptedException {
                        acceptLoop(selector);
                    }
                };
    }

    @Override
    public void start() throws IOException {
        try {
            acceptor.start();
        } catch (IOException e) {
            abort();
            throw e;
        }
    }

    /**
     * Serves a client the Arbiter took from the backlog at shutdown, on a thread of its own even if
     * the worker is full: the backlog bounds how many come, and the worker is draining.
     */
    @Override
    public boolean adopt(SocketChannel channel) {
        permits.tryAcquire(); // if none is left, the extra release at close is harmless: the worker stops
        serve(channel, true);
        return true;
    }

    @Override
    public void stopAccepting() {
        accepting = false;
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
        return acceptor.done() && connections.isEmpty();
    }

    @Override
    public void abort() {
        accepting = false;
        acceptor.close();
        acceptor.thread().interrupt();
        for (BlockingConnection c : connections) {
            c.abort();
        }
    }

    @Override
    public List<Thread> threads() {
        return List.of(acceptor.thread());
    }

    // ---- the acceptor ---------------------------------------------------------------------

    /**
     * The acceptor's loop. With the backlog policy it takes a permit before it accepts, so a full
     * worker leaves new clients in the kernel's backlog; with reject it accepts and answers 503
     * when no permit is left.
     */
    private void acceptLoop(Selector sel) throws IOException, InterruptedException {
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
                    SocketChannel channel = acceptor.accept(sel);
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
    }

    /** Hands an accepted channel to a virtual thread; for the backlog policy the permit is already held. */
    private void dispatch(SocketChannel channel) {
        if (reject && !permits.tryAcquire()) {
            acceptor.reject(channel);
            return;
        }
        serve(channel, false);
    }

    /** Serves an accepted channel on a virtual thread; its permit is held. */
    private void serve(SocketChannel channel, boolean closeAfterItsRequest) {
        BlockingConnection connection = BlockingConnection.open(channel, context, handler, this);
        if (connection == null) {
            permits.release();
            return;
        }
        connections.add(connection);
        if (!accepting || closeAfterItsRequest) {
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
        termination.signal();
    }

    @Override
    public void abandoned(BlockingConnection connection, Thread servingThread) {
        // the permit came back when the connection closed; the parked thread is not waited for
    }
}
