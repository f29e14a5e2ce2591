package io.corral;

import io.corral.metrics.CloseReason;
import io.corral.spi.Application;
import io.corral.spi.Worker;
import io.corral.spi.WorkerContext;
import io.corral.spi.WorkerMetrics;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Arbiter's record of one worker, and the {@link WorkerContext} that worker sees: its
 * counters, heartbeat, watched connections and lifecycle state.
 *
 * <p>Shared: the worker's threads call the context methods (all lock-free); the Arbiter's monitor
 * and lifecycle calls read them and change {@link #state} under the Arbiter's lifecycle lock.
 */
final class WorkerSlot implements WorkerContext {
    private static final Logger LOG = LoggerFactory.getLogger("io.corral.arbiter");

    final int id;
    private final Arbiter arbiter;
    private final Config config;
    private final ServerSocketChannel listener;
    private final Application application;
    private final Hooks hooks;
    private final long maxRequests;
    final long startedNanos = System.nanoTime();

    Worker worker;
    volatile WorkerState state = WorkerState.STARTING;
    volatile String exitReason = "";
    /** Monitor: when a stopping worker is aborted if it has not finished. */
    long stopDeadlineNanos;

    private volatile long heartbeatNanos; // 0 until the worker first beats: only beating workers are checked
    private volatile boolean stopping;
    private volatile boolean retireRequested;
    private volatile Throwable failure;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong served = new AtomicLong();
    private final AtomicLong aborted = new AtomicLong();
    private final Set<WatchedConnection> watched = ConcurrentHashMap.newKeySet();
    private final Set<Thread> abandoned = ConcurrentHashMap.newKeySet();

    WorkerSlot(int id, Arbiter arbiter, Config config, ServerSocketChannel listener, Application app, Hooks hooks) {
        this.id = id;
        this.arbiter = arbiter;
        this.config = config;
        this.listener = listener;
        this.application = app;
        this.hooks = hooks;
        // gunicorn: each worker draws its own limit, so that workers do not all recycle at once
        this.maxRequests = config.maxRequests() == Config.UNLIMITED
                ? Long.MAX_VALUE
                : config.maxRequests() + ThreadLocalRandom.current().nextLong(config.maxRequestsJitter() + 1L);
    }

    @Override
    public int workerId() {
        return id;
    }

    @Override
    public Config config() {
        return config;
    }

    @Override
    public ServerSocketChannel listener() {
        return listener;
    }

    @Override
    public Application application() {
        return application;
    }

    @Override
    public Hooks hooks() {
        return hooks;
    }

    @Override
    public boolean tlsEnabled() {
        return arbiter.tls.enabled();
    }

    @Override
    public Optional<SSLEngine> newTlsEngine(InetSocketAddress peer) {
        return arbiter.tls.newEngine(peer);
    }

    @Override
    public void heartbeat() {
        heartbeatNanos = System.nanoTime();
    }

    @Override
    public void connectionOpened() {
        open.incrementAndGet();
        arbiter.openConnections.incrementAndGet();
        arbiter.metrics.connectionAccepted();
    }

    @Override
    public void connectionClosed(CloseReason reason) {
        open.decrementAndGet();
        arbiter.openConnections.decrementAndGet();
        arbiter.metrics.connectionClosed(reason);
    }

    @Override
    public WorkerMetrics metrics() {
        return arbiter.metrics;
    }

    @Override
    public boolean requestFinished() {
        long n = served.incrementAndGet();
        arbiter.requestsServed.increment();
        if (n >= maxRequests && !retireRequested) {
            retireRequested = true;
            LOG.info("Worker {} served {} requests (max_requests): it will be replaced", id, n);
            arbiter.wakeMonitor(); // the successor starts now, not at the next tick: until then, every
            // response of this worker closes its connection
        }
        return retireRequested;
    }

    @Override
    public boolean stopping() {
        return stopping || retireRequested;
    }

    @Override
    public void requestAborted(Hooks.AbortedRequest abortedRequest) {
        aborted.incrementAndGet();
        arbiter.requestsAborted.increment();
        arbiter.metrics.requestTimedOut();
        arbiter.reportAbort(abortedRequest);
    }

    @Override
    public void threadAbandoned(Thread thread) {
        if (thread != null && thread.isAlive()) {
            abandoned.add(thread);
        }
    }

    /** Returns how many abandoned threads still run, forgetting those that have ended. */
    int abandonedThreads() {
        abandoned.removeIf(t -> !t.isAlive());
        return abandoned.size();
    }

    @Override
    public Registration watch(WatchedConnection connection) {
        watched.add(connection);
        return () -> watched.remove(connection);
    }

    @Override
    public void failed(Throwable cause) {
        if (failure == null) {
            failure = cause;
        }
        arbiter.wakeMonitor();
    }

    // ---- the Arbiter's side ----------------------------------------------------------------

    void markStopping(String reason) {
        stopping = true;
        exitReason = reason;
        state = WorkerState.STOPPING;
    }

    boolean retireRequested() {
        return retireRequested;
    }

    Throwable failure() {
        return failure;
    }

    /** True if the worker has beaten at least once and not for longer than {@code silence}. */
    boolean silentFor(long nowNanos, long silenceNanos) {
        long beat = heartbeatNanos;
        return beat != 0 && nowNanos - beat > silenceNanos;
    }

    /** True if any watched connection is in the middle of a request. */
    boolean busy() {
        for (WatchedConnection c : watched) {
            if (c.requestStartNanos() != 0) {
                return true;
            }
        }
        return false;
    }

    /** Aborts every watched request older than {@code timeoutNanos}; monitor thread. */
    void abortExpired(long nowNanos, long timeoutNanos) {
        for (WatchedConnection c : watched) {
            long start = c.requestStartNanos();
            if (start == 0 || nowNanos - start <= timeoutNanos) {
                continue;
            }
            Thread t = c.thread();
            StackTraceElement[] stack = t == null ? new StackTraceElement[0] : t.getStackTrace();
            String line = c.requestLine();
            int status = c.abortRequest(start);
            if (status < 0) {
                continue; // it finished meanwhile
            }
            threadAbandoned(t);
            requestAborted(new Hooks.AbortedRequest(
                    id, line, Duration.ofNanos(nowNanos - start), status, t == null ? "" : t.getName(), stack));
        }
    }

    WorkerStats stats() {
        return new WorkerStats(
                id,
                state,
                open.get(),
                served.get(),
                aborted.get(),
                abandonedThreads(),
                Duration.ofNanos(System.nanoTime() - startedNanos));
    }
}
