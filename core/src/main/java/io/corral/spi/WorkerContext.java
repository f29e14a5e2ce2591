package io.corral.spi;

import io.corral.Config;
import io.corral.Hooks;
import io.corral.metrics.CloseReason;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.util.Optional;
import javax.net.ssl.SSLEngine;

/**
 * What the Arbiter hands a worker: its identity, the settings, the shared listener, the
 * application, and the Arbiter's services for heartbeats, accounting and request watching.
 *
 * <p>Every method is thread-safe and cheap; none blocks. A worker calls them from any of its
 * threads.
 */
public interface WorkerContext {

    /**
     * How many abandoned handler threads a worker may have: threads that ran a request past {@code
     * timeout}, were interrupted, and still run because the handler ignores interrupts. The JVM
     * cannot stop such a thread; a worker past this count is retired and replaced (gunicorn kills
     * the process instead), and each new worker starts with a clean count.
     */
    int MAX_ABANDONED_THREADS = 16;

    /** Returns this worker's id: unique within the Arbiter, growing as workers are replaced. */
    int workerId();

    /** Returns the settings. */
    Config config();

    /**
     * Returns the shared listening channel, bound and in non-blocking mode. Workers accept from it
     * (directly or through their own selector); they never close it or change its blocking mode.
     */
    ServerSocketChannel listener();

    /** Returns the application to serve. */
    Application application();

    /** Returns the hooks to call around each request. */
    Hooks hooks();

    /**
     * Returns true if every connection this worker accepts speaks TLS (there is no plain port
     * beside it): the settings turn it on ({@code certfile} or {@code keystore}: {@link
     * Config#tlsEnabled()}), or the embedder supplied an {@code SSLContext} ({@code
     * Arbiter.Builder.tls}), which the settings know nothing of. A worker asks this, never {@link
     * Config#tlsEnabled()} alone, and then gets each connection's engine from {@link #newTlsEngine}.
     * Fixed for the Arbiter's life.
     */
    boolean tlsEnabled();

    /**
     * Returns a new server-mode {@link SSLEngine} for a connection just accepted from {@code peer},
     * or empty when TLS is off ({@link #tlsEnabled()} false: then every connection is plain). From
     * files, the engine is configured from the settings (TLS 1.3 and 1.2 only, ALPN {@code http/1.1}
     * only, client certificates per {@code cert_reqs}, {@code ciphers}) and holds the certificate in
     * force now: after {@code Arbiter.reloadTls()} new connections get the new one while engines
     * already made keep theirs. From an embedder's {@code SSLContext}, it is made by that context
     * with Corral's floor and what the embedder's {@link io.corral.TlsConfigurator} chose for {@code
     * peer}; if the configurator fails, the engine refuses its handshake (it never throws for that).
     * Its handshake has not begun; driving it (and running its delegated tasks off an event loop) is
     * the caller's.
     *
     * <p>Thread-safe and lock-free, no I/O: call it on any thread, an event loop included (an
     * embedder's configurator runs on that thread, and is documented to be quick).
     *
     * @param peer the TCP peer: the configurator's client address, and a hint for the engine's
     *     session cache; may be null
     */
    Optional<SSLEngine> newTlsEngine(InetSocketAddress peer);

    /**
     * Records that the worker's loop is alive. Call it at least every {@code timeout / 2}; a worker
     * silent for {@code timeout} is considered hung, dumped and replaced.
     */
    void heartbeat();

    /** Records that a connection was accepted. */
    void connectionOpened();

    /**
     * Records that a connection was closed, and how ({@code corral.connections.closed}); each
     * opened connection is closed exactly once.
     */
    void connectionClosed(CloseReason reason);

    /**
     * Returns what the worker records for the metrics beyond this interface's accounting: requests
     * (through core's exchange rules) and the refusals the worker makes itself.
     */
    WorkerMetrics metrics();

    /**
     * Records one finished request (its response sent or the connection lost) for the stats and
     * {@code max_requests}.
     *
     * @return true once this worker has served {@code max_requests}: the Arbiter then starts its
     *     successor and stops it gracefully, so it should stop keeping connections alive
     */
    boolean requestFinished();

    /** Returns true once this worker has been asked to stop (shutdown, resize or recycling). */
    boolean stopping();

    /**
     * Records a request the worker aborted itself for running past {@code timeout}; the Arbiter
     * counts it and calls {@link Hooks#requestAborted}. Workers that use {@link #watch} do not
     * call this: the Arbiter aborts their requests and reports them.
     */
    void requestAborted(Hooks.AbortedRequest aborted);

    /**
     * Records a thread the worker gave up on: interrupted after a request ran past {@code
     * timeout}, and not waited for. While it still runs it counts against {@link
     * #MAX_ABANDONED_THREADS}. Workers that use {@link #watch} do not call this: the Arbiter records
     * the threads of the requests it aborts.
     */
    void threadAbandoned(Thread thread);

    /**
     * Puts a connection under the Arbiter's watch: about once a second (more often for short
     * timeouts) the Arbiter aborts its request if it has run past {@code timeout}. For workers
     * whose requests run on threads of their own (sync, virtual).
     *
     * @return the registration; close it when the connection closes
     */
    Registration watch(WatchedConnection connection);

    /**
     * Reports that the worker failed and can no longer serve; the Arbiter logs the cause, aborts it
     * and starts a replacement.
     */
    void failed(Throwable cause);

    /** A connection's registration with the Arbiter's watch. */
    interface Registration {
        /** Ends the watch; idempotent. */
        void close();
    }

    /**
     * A connection as the Arbiter's watch sees it. Called from the Arbiter's monitor thread,
     * concurrently with the connection's own thread.
     */
    interface WatchedConnection {
        /** Returns the {@link System#nanoTime()} at which the current request started, or 0 when idle. */
        long requestStartNanos();

        /** Returns the current request line, for logs and hooks. */
        String requestLine();

        /** Returns the thread running the current request. */
        Thread thread();

        /**
         * Aborts the request that started at {@code startNanos}, if it is still the current one:
         * answers 504 if nothing was sent yet, closes the connection and interrupts the thread.
         *
         * @return 504 if the client got it, 0 if the connection was closed without a status, or -1
         *     if that request had already finished and nothing was done
         */
        int abortRequest(long startNanos);
    }
}
