package io.corral.spi;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

/**
 * One worker: it accepts connections from the shared listener and serves them, and answers the
 * Arbiter's lifecycle calls. gunicorn's worker, in-process.
 *
 * <p>All methods are called by the Arbiter, from its own threads, and may be called concurrently
 * with the worker's serving threads; implementations say how they hand these calls to their
 * threads. None of them may block except {@link #awaitTermination}.
 */
public interface Worker {

    /**
     * Starts the worker's threads; returns once it accepts connections.
     *
     * @throws IOException if it could not start; the Arbiter then gives up on it
     */
    void start() throws IOException;

    /**
     * Starts a graceful stop and returns at once: stop accepting, close idle keep-alive
     * connections, let each request in flight finish and then close its connection.
     */
    void shutdown();

    /**
     * Waits until every connection of this worker is closed and its threads have ended.
     *
     * @return true if it terminated within {@code timeout}
     */
    boolean awaitTermination(Duration timeout) throws InterruptedException;

    /**
     * Stops now: closes every connection, interrupts every thread, loses requests in flight.
     * Called when a graceful stop ran out of time, or when the worker hung.
     */
    void abort();

    /** Returns the threads that run this worker's own loops, for the thread dump of a hung worker. */
    List<Thread> threads();
}
