package io.corral.spi;

import java.io.IOException;
import java.nio.channels.SocketChannel;
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
     * Starts a graceful stop and returns at once: stop accepting; answer every request that
     * arrives on a connection already open (in flight, on a kept-alive connection, or the first
     * one of a new connection) with {@code Connection: close}; close a connection that stays idle
     * when its {@code keepalive} (or, for a new one, {@code header_timeout}) runs out. Idle
     * keep-alive connections are not closed at once: a client may be sending on one at that
     * moment, and its request would be lost.
     */
    void shutdown();

    /**
     * Stops accepting at once, and lets go of the listener (closes or cancels its registration with
     * any selector), while the connections already open are served as before; {@link #shutdown()}
     * follows. The Arbiter calls it on every worker when the server shuts down, so that it can
     * close the listener before the workers' clients are told to reconnect. Returns at once.
     */
    void stopAccepting();

    /**
     * Serves a connection the Arbiter accepted from the listener's backlog as the server shuts
     * down, so that closing the listener resets no client that may have sent its request already.
     * Called after {@link #stopAccepting()} (and possibly after {@link #shutdown()}), from the
     * Arbiter's thread; the worker serves it as one it
     * had accepted itself (beyond its connection limit if need be: the backlog bounds how many
     * come), answers its request with {@code Connection: close}, and counts it in its termination.
     * Must not block.
     *
     * @return false if the worker has already ended and cannot take it (the Arbiter offers it to
     *     another worker)
     */
    boolean adopt(SocketChannel channel);

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
