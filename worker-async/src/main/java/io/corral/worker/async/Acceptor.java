package io.corral.worker.async;

import io.corral.OverloadPolicy;
import io.corral.internal.server.Lingering;
import io.corral.internal.server.TimerWheel;
import io.corral.metrics.Rejection;
import io.corral.spi.WorkerContext;
import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;

/**
 * Accepting for one event loop: takes clients from the shared listener while the loop has room
 * for them ({@code worker_connections}). A full loop stops selecting for {@code OP_ACCEPT}, so the
 * kernel's backlog holds the next clients; with {@code overload_policy=reject} it accepts them
 * and answers 503 instead, each with a lingering close on the loop (at most {@link
 * Lingering#MAX_REFUSING} at a time; beyond that the 503 is written at once and the socket closed
 * without lingering). On a TLS port a refused client could not read a 503 without a handshake, so
 * it is only closed, cleanly: output shut, what it sent read and dropped.
 *
 * <p>Threading: confined to the event loop, except {@link #cancel()}.
 */
final class Acceptor {

    private static final int ACCEPTS_PER_WAKEUP = 64;
    private static final long RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final EventLoop loop;
    private final WorkerContext context;
    private final Selector selector;
    private final SelectionKey key;
    private final boolean reject;
    private final int maxConnections;
    private final TimerWheel.Timer retry = new TimerWheel.Timer() {
        @Override
        protected void expired(long nowNanos) {
            paused = false;
            updateInterest();
        }
    };

    private int open; // counted connections
    private int rejecting; // connections being answered 503
    private boolean accepting = true;
    private boolean paused; // accept failed (out of file descriptors): retry shortly

    /** Registers the listener with the loop's selector. */
    Acceptor(EventLoop loop, Selector selector) throws IOException {
        this.loop = loop;
        this.context = loop.context;
        this.selector = selector;
        this.reject = loop.config.overloadPolicy() == OverloadPolicy.REJECT;
        this.maxConnections = loop.config.workerConnections();
        this.key = context.listener().register(selector, SelectionKey.OP_ACCEPT);
    }

    /** Returns how many sockets the loop holds: connections and refusals in progress. */
    int sockets() {
        return open + rejecting;
    }

    /** The listener has clients waiting: accept some. */
    void acceptReady() {
        for (int i = 0; i < ACCEPTS_PER_WAKEUP && accepting && !paused; i++) {
            if (!reject && open >= maxConnections) {
                break;
            }
            SocketChannel channel;
            try {
                channel = context.listener().accept();
            } catch (ClosedChannelException e) {
                stop(); // the Arbiter closed the listener
                return;
            } catch (IOException e) {
                // EMFILE and the like: pause so that connections can close before the next try
                EventLoop.LOG.warn("accept failed on worker {}: {}", context.workerId(), e.toString());
                paused = true;
                loop.timers.schedule(retry, System.nanoTime() + RETRY_NANOS);
                break;
            }
            if (channel == null) {
                break;
            }
            if (open >= maxConnections) {
                refuse(channel);
            } else {
                admit(channel);
            }
        }
        updateInterest();
    }

    /** Serves a client the Arbiter took from the backlog at shutdown, even beyond {@code worker_connections}. */
    void adopt(SocketChannel channel) {
        Connection c = admit(channel);
        if (c != null) {
            c.shutdownGracefully(); // the server is stopping: its answer closes the connection
        }
    }

    private Connection admit(SocketChannel channel) {
        try {
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        } catch (IOException e) {
            closeQuietly(channel);
            return null;
        }
        Connection c = new Connection(loop, channel, true);
        loop.connections.add(c);
        open++;
        context.connectionOpened();
        try {
            c.open(selector);
        } catch (ClosedChannelException e) {
            c.close();
            return null;
        }
        return c;
    }

    private void refuse(SocketChannel channel) {
        context.metrics().rejected(Rejection.OVERLOAD); // hook: a full worker's 503
        if (rejecting >= Lingering.MAX_REFUSING) {
            if (loop.tls) {
                Lingering.closeUnanswered(channel); // a TLS client could not read a 503 without a handshake
            } else {
                Lingering.answerAndClose(channel); // the 503 at once, without lingering
            }
            return;
        }
        try {
            channel.configureBlocking(false);
        } catch (IOException e) {
            closeQuietly(channel);
            return;
        }
        Connection c = new Connection(loop, channel, false);
        loop.connections.add(c);
        rejecting++;
        try {
            c.reject(selector);
        } catch (ClosedChannelException e) {
            c.close();
        }
    }

    /** A connection of this loop closed: its place is free. */
    void closed(Connection c) {
        if (c.counted) {
            open--;
        } else {
            rejecting--;
        }
        updateInterest();
    }

    /** Stops accepting for good. */
    void stop() {
        accepting = false;
        key.cancel();
        loop.timers.cancel(retry);
    }

    /**
     * Cancels the listener's registration from any thread: the selector drops it at its next
     * select, so that the Arbiter's close of the listener takes effect at once.
     */
    void cancel() {
        key.cancel();
    }

    private void updateInterest() {
        int want = accepting && !paused && (reject || open < maxConnections) ? SelectionKey.OP_ACCEPT : 0;
        try {
            if (key.isValid() && key.interestOps() != want) {
                key.interestOps(want);
            }
        } catch (CancelledKeyException e) {
            // cancel() from another thread: the loop's stop follows
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
