package io.corral.worker.async;

import io.corral.spi.Worker;
import io.corral.spi.WorkerContext;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One async worker: one {@link EventLoop} on its own platform thread, with its offload pool. See
 * the package documentation.
 *
 * <p>Threading: the Arbiter calls every method, from its own threads. {@link #shutdown()} hands
 * the stop to the loop; {@link #abort()} closes sockets from the calling thread, because the loop
 * may be stuck in a handler; termination is signalled under {@code lock}.
 */
final class AsyncWorker implements Worker {

    private final WorkerContext context;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private volatile EventLoop loop; // set by start()
    private boolean loopExited; // guarded by lock

    AsyncWorker(WorkerContext context) {
        this.context = context;
    }

    @Override
    public void start() throws IOException {
        loop = new EventLoop(context, this::loopExited);
        loop.thread.start();
    }

    @Override
    public void shutdown() {
        EventLoop l = loop;
        if (l != null) {
            l.shutdownGracefully();
        }
    }

    /**
     * Returns once the loop has ended, or, after {@link #abort()}, once every connection is closed:
     * a loop stuck in a handler may never come back, and is not waited for.
     */
    @Override
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            while (!terminated()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                changed.awaitNanos(Math.min(left, 50_000_000L)); // after an abort, sockets close unsignalled
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void abort() {
        EventLoop l = loop;
        if (l != null) {
            l.abort();
        }
        signal();
    }

    @Override
    public List<Thread> threads() {
        EventLoop l = loop;
        return l == null ? List.of() : List.of(l.thread);
    }

    private boolean terminated() {
        EventLoop l = loop;
        return l == null || loopExited || (l.aborted && l.connections.isEmpty());
    }

    private void loopExited() {
        lock.lock();
        try {
            loopExited = true;
            changed.signalAll();
        } finally {
            lock.unlock();
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
}
