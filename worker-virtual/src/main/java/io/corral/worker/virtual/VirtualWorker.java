package io.corral.worker.virtual;

import io.corral.internal.server.BlockingConnection;
import io.corral.internal.server.CorralThreads;
import io.corral.internal.server.Poller;
import io.corral.internal.server.Termination;
import io.corral.spi.Worker;
import io.corral.spi.WorkerContext;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * One virtual worker: a {@link Poller} that accepts and reads request heads, and a virtual thread
 * for each request whose head has arrived, at most {@code worker_connections} connections at a
 * time. See the package documentation.
 *
 * <p>A virtual thread runs the request (and any pipelined behind it), hands the connection back to
 * the poller and ends; an idle keep-alive connection holds no thread at all.
 *
 * <p>Threading: the poller owns the sockets while no thread runs them, and calls the model's methods
 * on its thread (but {@link #abandoned}, the monitor's). The Arbiter's calls go to the poller, which
 * is thread-safe; exits are signalled through {@code termination}.
 */
final class VirtualWorker implements Worker, Poller.Model {

    /**
     * How long a virtual thread waits on its connection for the next request before it ends: a
     * busy keep-alive connection reuses its thread, an idle one holds none after a second.
     */
    private static final long THREAD_LINGER_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final int maxConnections;
    private final ThreadFactory virtualThreads;
    private final Poller poller;
    private final Termination termination = new Termination(this::stopped);

    VirtualWorker(WorkerContext context) {
        this.maxConnections = context.config().workerConnections();
        this.virtualThreads = CorralThreads.virtualFactory("corral-virtual-" + context.workerId());
        this.poller = new Poller(context, "corral-virtual-" + context.workerId() + "-poller", this);
    }

    @Override
    public void start() throws IOException {
        try {
            poller.start();
        } catch (IOException e) {
            abort();
            throw e;
        }
    }

    @Override
    public boolean adopt(SocketChannel channel) {
        return poller.adopt(channel);
    }

    @Override
    public void stopAccepting() {
        poller.stopAccepting();
    }

    @Override
    public void shutdown() {
        poller.shutdownGracefully();
    }

    @Override
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        return termination.await(timeout);
    }

    /** True once the poller has ended: every connection is closed. */
    private boolean stopped() {
        return poller.done();
    }

    @Override
    public void abort() {
        poller.abort();
    }

    @Override
    public List<Thread> threads() {
        return List.of(poller.thread());
    }

    // ---- the poller's model -------------------------------------------------------------------

    @Override
    public boolean hasRoom(int open) {
        return open < maxConnections;
    }

    @Override
    public long threadLingerNanos() {
        return THREAD_LINGER_NANOS;
    }

    @Override
    public boolean dispatch(BlockingConnection connection) {
        virtualThreads.newThread(connection::run).start();
        return true;
    }

    @Override
    public void abandoned(Thread servingThread) {
        // the parked thread is not waited for; the connection's place came back when it closed
    }

    @Override
    public void ended() {
        termination.signal();
    }
}
