package io.corral.worker.sync;

import io.corral.OverloadPolicy;
import io.corral.internal.server.BlockingConnection;
import io.corral.internal.server.CorralThreads;
import io.corral.internal.server.Poller;
import io.corral.internal.server.Termination;
import io.corral.spi.Worker;
import io.corral.spi.WorkerContext;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One sync worker: a {@link Poller} that accepts and reads request heads, and {@code threads}
 * platform threads that each run one request at a time. See the package documentation.
 *
 * <p>The poller hands every request whose head has arrived to {@code ready}; a free thread takes it,
 * runs the exchange (and any request pipelined behind it), and hands the connection back to the
 * poller. With {@code overload_policy=backlog} the poller stops accepting while a request waits for a
 * thread (or {@code worker_connections} are open), so new clients stay in the kernel's backlog where
 * another worker may take them; with {@code reject} a request that finds every thread busy and as
 * many requests already waiting as there are threads is answered 503.
 *
 * <p>Threading: the poller owns the sockets while no thread runs them; each {@link ServingThread}
 * owns the connection it runs. {@code ready}, {@code idle} and {@code live} are concurrent. The
 * Arbiter's calls go to the poller, which is thread-safe; exits are signalled through {@code
 * termination}.
 */
final class SyncWorker implements Worker, Poller.Model {

    private static final Object STOP = new Object();

    private final WorkerContext context;
    private final int threads;
    private final boolean reject;
    private final int maxConnections;
    private final Poller poller;
    private final LinkedBlockingQueue<Object> ready = new LinkedBlockingQueue<>();
    private final AtomicInteger idle = new AtomicInteger(); // threads waiting for a request
    private final AtomicInteger threadNumber = new AtomicInteger();
    private final Set<ServingThread> live = ConcurrentHashMap.newKeySet();
    private final Termination termination = new Termination(this::stopped);

    SyncWorker(WorkerContext context) {
        this.context = context;
        this.threads = context.config().threads();
        this.reject = context.config().overloadPolicy() == OverloadPolicy.REJECT;
        this.maxConnections = context.config().workerConnections();
        this.poller = new Poller(context, "corral-sync-" + context.workerId() + "-poller", this);
    }

    @Override
    public void start() throws IOException {
        for (int i = 0; i < threads; i++) {
            startThread();
        }
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

    /** True once the poller has ended (every connection closed) and every thread with it. */
    private boolean stopped() {
        return poller.done() && live.isEmpty();
    }

    @Override
    public void abort() {
        poller.abort(); // closes every connection, interrupting the threads that run one
        ready.clear();
        ready.add(STOP);
    }

    @Override
    public List<Thread> threads() {
        List<Thread> all = new ArrayList<>();
        all.add(poller.thread());
        for (ServingThread t : live) {
            all.add(t.thread);
        }
        return all;
    }

    // ---- the poller's model -------------------------------------------------------------------

    @Override
    public boolean hasRoom(int open) {
        return open < maxConnections && (reject || ready.isEmpty());
    }

    @Override
    public long threadLingerNanos() {
        return 0; // a thread serves whichever connection has a request next
    }

    @Override
    public boolean dispatch(BlockingConnection connection) {
        if (reject && idle.get() == 0 && ready.size() >= threads) {
            return false;
        }
        ready.add(connection);
        return true;
    }

    @Override
    public void abandoned(Thread servingThread) {
        for (ServingThread t : live) {
            if (t.thread == servingThread) {
                t.abandoned = true;
                live.remove(t);
                termination.signal();
                if (!poller.done()) {
                    startThread(); // the worker keeps its capacity; the stuck thread is not waited for
                }
                return;
            }
        }
    }

    @Override
    public void ended() {
        ready.add(STOP);
        termination.signal();
    }

    // ---- the serving threads ------------------------------------------------------------------

    private void startThread() {
        ServingThread t = new ServingThread();
        live.add(t);
        t.thread.start();
    }

    /** A thread that runs the requests the poller dispatches, one at a time. */
    private final class ServingThread implements Runnable {
        final Thread thread;
        volatile boolean abandoned;

        ServingThread() {
            this.thread = CorralThreads.worker(
                    "corral-sync-" + context.workerId() + "-" + threadNumber.incrementAndGet(), this);
        }

        @Override
        public void run() {
            try {
                while (true) {
                    Thread.interrupted(); // a stray interrupt from the last handler must not end the thread
                    Object next;
                    idle.incrementAndGet();
                    try {
                        next = ready.take();
                    } finally {
                        idle.decrementAndGet();
                    }
                    if (next == STOP) {
                        ready.add(STOP); // pass it on: one marker stops every waiting thread
                        return;
                    }
                    if (ready.isEmpty()) {
                        poller.roomChanged(); // the backlog policy may accept again
                    }
                    ((BlockingConnection) next).run();
                    if (abandoned) {
                        return; // a request past timeout: this thread was given up on and replaced
                    }
                }
            } catch (InterruptedException e) {
                // aborted
            } catch (RuntimeException | Error e) {
                if (!abandoned) {
                    context.failed(e);
                }
            } finally {
                if (!abandoned) {
                    live.remove(this);
                    termination.signal();
                }
            }
        }
    }
}
