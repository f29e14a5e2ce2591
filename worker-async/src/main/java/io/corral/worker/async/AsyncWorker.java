package io.corral.worker.async;

import io.corral.internal.server.Termination;
import io.corral.spi.Worker;
import io.corral.spi.WorkerContext;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;

/**
 * One async worker: one {@link EventLoop} on its own platform thread, with its offload pool. See
 * the package documentation.
 *
 * <p>Threading: the Arbiter calls every method, from its own threads. {@link #shutdown()} hands
 * the stop to the loop; {@link #abort()} closes sockets from the calling thread, because the loop
 * may be stuck in a handler; termination is signalled through {@code termination}.
 */
final class AsyncWorker implements Worker {

    private final WorkerContext context;
    private final Termination termination = new Termination(this::terminated);
    private volatile EventLoop loop; // set by start()
    private volatile boolean loopExited;

    AsyncWorker(WorkerContext context) {
        this.context = context;
    }

    @Override
    public void start() throws IOException {
        loop = new EventLoop(context, this::loopExited);
        loop.thread.start();
    }

    @Override
    public boolean adopt(SocketChannel channel) {
        EventLoop l = loop;
        return l != null && l.adopt(channel);
    }

    @Override
    public void stopAccepting() {
        EventLoop l = loop;
        if (l != null) {
            l.stopAccepting();
        }
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
     * a loop stuck in a handler may never come back, and is not waited for (its sockets close
     * unsignalled, which {@link Termination}'s periodic re-check sees).
     */
    @Override
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        return termination.await(timeout);
    }

    @Override
    public void abort() {
        EventLoop l = loop;
        if (l != null) {
            l.abort();
        }
        termination.signal();
    }

    @Override
    public List<Thread> threads() {
        EventLoop l = loop;
        return l == null ? List.of() : List.of(l.thread);
    }

    /** Returns the loop once started, else null; a seam for tests, which inspect it on its own thread. */
    EventLoop loop() {
        return loop;
    }

    private boolean terminated() {
        EventLoop l = loop;
        return l == null || loopExited || (l.aborted && l.connections.isEmpty());
    }

    private void loopExited() {
        loopExited = true;
        termination.signal();
    }
}
