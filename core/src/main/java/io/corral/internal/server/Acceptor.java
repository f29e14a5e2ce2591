package io.corral.internal.server;

import io.corral.metrics.Rejection;
import io.corral.spi.WorkerContext;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The accepting thread of a worker model whose connections run on threads of their own (sync,
 * virtual): a platform thread with its own selector on the shared listener. The worker supplies
 * the loop, which decides when there is room to accept; this class owns the selector's life, the
 * pause after a failed accept, and answering 503 to clients there is no room for.
 *
 * <p>A platform thread, because a selector on a virtual thread pins its carrier before JDK 24.
 *
 * <p>Threading: {@link #loop} runs on the acceptor thread, which owns the selector. {@link
 * #close()}, {@link #done()} and {@link #thread()} may be called from any thread; {@link
 * #reject} hands its work to the acceptor's {@link Rejecter}.
 */
public abstract class Acceptor {

    private static final Logger LOG = LoggerFactory.getLogger("io.corral.server");
    private static final long PAUSE_AFTER_FAILED_ACCEPT_MILLIS = 100;

    /** The worker's context: the listener, heartbeats, failure reports. */
    protected final WorkerContext context;

    private final Thread thread;
    private final Runnable onExit;
    private final Rejecter rejecter;
    private final CountDownLatch ready = new CountDownLatch(1);
    private volatile Selector selector;
    private volatile IOException startFailure;
    private volatile boolean closing;
    private volatile boolean done;

    /**
     * Creates the acceptor; {@link #start()} starts it.
     *
     * @param name the thread's name
     * @param onExit called on the acceptor thread when it ends, after {@link #done()} turned true
     */
    protected Acceptor(WorkerContext context, String name, Runnable onExit) {
        this.context = context;
        this.onExit = onExit;
        this.rejecter = new Rejecter(name + "-reject");
        this.thread = CorralThreads.worker(name, this::run);
    }

    /**
     * Accepts until {@link #close()} (or until it returns), deciding when there is room. Called once,
     * on the acceptor thread, with the listener registered for {@code OP_ACCEPT}.
     */
    protected abstract void loop(Selector selector) throws IOException, InterruptedException;

    /** Starts the thread; returns once the listener is registered with its selector. */
    public final void start() throws IOException {
        thread.start();
        try {
            if (!ready.await(30, TimeUnit.SECONDS)) {
                throw new IOException(thread.getName() + " did not start");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting " + thread.getName(), e);
        }
        if (startFailure != null) {
            throw startFailure;
        }
    }

    /**
     * Stops accepting from any thread: closing (not just waking) the selector deregisters the
     * listener at once, since a registered listener's socket stays open, queueing clients nobody
     * will serve, until every selector has let go of it.
     */
    public final void close() {
        closing = true;
        Selector sel = selector;
        if (sel != null) {
            try {
                sel.close();
            } catch (IOException e) {
                LOG.debug("Closing the selector failed: {}", e.toString());
            }
        }
    }

    /** Returns true once the acceptor thread has ended. */
    public final boolean done() {
        return done;
    }

    /** Returns the acceptor thread, for thread dumps and interrupts. */
    public final Thread thread() {
        return thread;
    }

    /**
     * Accepts a waiting client without blocking; null if none is waiting, or if accepting failed
     * (EMFILE and the like), in which case it has paused briefly so that connections can close.
     */
    public final SocketChannel accept(Selector sel) throws IOException {
        try {
            return context.listener().accept();
        } catch (ClosedChannelException e) {
            throw e;
        } catch (IOException e) {
            pauseAfterFailedAccept(sel, e);
            return null;
        }
    }

    /**
     * Reports a failed accept (EMFILE and the like) and pauses briefly on {@code sel}, so that
     * connections can close before the next try; for a loop that accepts by itself, such as one
     * that must not hold a lock through the pause.
     */
    public final void pauseAfterFailedAccept(Selector sel, IOException failure) throws IOException {
        LOG.warn("accept failed on worker {}: {}", context.workerId(), failure.toString());
        sel.select(PAUSE_AFTER_FAILED_ACCEPT_MILLIS);
        sel.selectedKeys().clear();
    }

    /**
     * Answers a client the worker has no room for with 503 and closes it, without a thread of its
     * own and without waiting: see {@link Rejecter}.
     */
    public final void reject(SocketChannel channel) {
        context.metrics().rejected(Rejection.OVERLOAD);
        rejecter.reject(channel);
    }

    private void run() {
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
            loop(sel);
        } catch (InterruptedException | ClosedSelectorException | ClosedChannelException e) {
            // stopping: the selector or the listener was closed, or the thread interrupted
        } catch (IOException | RuntimeException | Error e) {
            if (selector == null && e instanceof IOException openFailed) {
                startFailure = openFailed; // Selector.open() failed: start() reports it
            } else if (!closing) {
                LOG.error("The acceptor of worker {} failed", context.workerId(), e);
                context.failed(e);
            }
        } finally {
            ready.countDown();
            rejecter.close();
            done = true;
            onExit.run();
        }
    }
}
