package io.corral;

import io.corral.http.AsyncHandler;
import io.corral.http.Handler;
import io.corral.internal.metrics.MetricsRegistry;
import io.corral.internal.server.CorralThreads;
import io.corral.internal.server.Lingering;
import io.corral.internal.tls.SuppliedTls;
import io.corral.internal.tls.TlsContext;
import io.corral.internal.tls.TlsReloader;
import io.corral.metrics.Metrics;
import io.corral.metrics.Rejection;
import io.corral.spi.Application;
import io.corral.spi.Worker;
import io.corral.spi.WorkerContext;
import io.corral.spi.WorkerFactory;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.Channel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The master: owns the listening socket and a pool of workers of one model, watches them, and
 * replaces those that die, hang or are recycled. gunicorn's arbiter, in-process.
 *
 * <pre>{@code
 * Arbiter arbiter = Arbiter.builder()
 *         .config(Config.builder().bind("127.0.0.1:8000").workerClass("virtual").build())
 *         .handler(request -> Response.ok("Hello, World!"))
 *         .start();
 * // ...
 * arbiter.shutdown(Duration.ofSeconds(30));   // or arbiter.close()
 * }</pre>
 *
 * <p>{@link #start()} binds {@code bind} with {@code backlog}, starts {@code workers} workers of
 * {@code worker_class} and returns once they accept. A monitor thread then checks, about once a
 * second (more often for a short {@code timeout}): a request busy past {@code timeout} is aborted
 * (504 if nothing was sent; {@link Hooks#requestAborted} hears of it with the stuck thread's
 * stack); a worker that failed, or whose loop went silent for {@code timeout}, is replaced; a
 * worker that reached {@code max_requests} gets a successor first and then drains.
 *
 * <p>With {@code certfile} (or {@code keystore}) set, every connection is TLS. {@link #start()}
 * reads and checks the certificate files before it binds, so a missing, expired or mismatched file
 * fails the start with a {@link ConfigException}, never a client's handshake; {@link #reloadTls()}
 * re-reads them while the server runs. An embedder that has its own {@link SSLContext} gives it
 * to {@link Builder#tls(SSLContext, TlsConfigurator)} instead: every connection is TLS too, with
 * engines made from that context.
 *
 * <p>Threads: the monitor ({@code corral-arbiter}) is a daemon; the threads that serve
 * (pollers, sync serving threads, event loops, offload threads) are platform threads that are
 * never daemons, whichever thread starts them, so a started Arbiter keeps the JVM running until
 * it is shut down, as the JDK's HTTP server does, even after every worker has been replaced.
 * Virtual threads (the virtual worker's connections) are daemons by the JVM's rule. Installing a
 * JVM shutdown hook that calls {@link #close()} is the application's choice.
 *
 * <p>Thread-safe: lifecycle methods are serialized by one lock and may be called from any thread.
 * The monitor does no socket I/O under that lock, and {@link Hooks} never run under it.
 */
public final class Arbiter implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger("io.corral.arbiter");
    /** How long shutdown waits for the workers' selectors to let go of the listener before closing it. */
    private static final long LISTENER_RELEASE_NANOS = TimeUnit.SECONDS.toNanos(1);

    private enum Phase {
        NEW,
        RUNNING,
        STOPPING,
        STOPPED
    }

    private final Config config;
    private final Hooks hooks;
    private final WorkerFactory factory;
    private final ServerSocketChannel prebound; // null: bind() binds config.bind()
    private Application application; // guarded by lifecycle: what new workers serve
    /** The TLS context new connections get; loaded by start(), swapped by reloadTls(). */
    final TlsReloader tls;

    private final ReentrantLock lifecycle = new ReentrantLock();
    private final Condition monitorWake = lifecycle.newCondition();
    private final List<WorkerSlot> slots = new CopyOnWriteArrayList<>();
    private final List<Runnable> deferredHooks = new ArrayList<>(); // guarded by lifecycle
    private final CountDownLatch terminated = new CountDownLatch(1);
    private volatile Phase phase = Phase.NEW;
    private volatile int target;
    private int nextId = 1;
    private ServerSocketChannel listener;
    private InetSocketAddress boundAddress;
    private Thread monitor;

    final AtomicInteger openConnections = new AtomicInteger();
    final MetricsRegistry metrics;
    final LongAdder requestsServed = new LongAdder();
    final LongAdder requestsAborted = new LongAdder();
    private final LongAdder workerRestarts = new LongAdder();
    /** True until shutdown begins: what readiness_path answers. */
    private volatile boolean ready = true;

    private final AtomicBoolean shutdownBegun = new AtomicBoolean();
    private final CountDownLatch delayOver = new CountDownLatch(1);

    private Arbiter(Builder b) {
        this.config = b.config;
        this.application = b.application;
        this.hooks = b.hooks;
        this.factory = b.factory != null ? b.factory : findFactory(config.workerClass());
        this.prebound = b.listener;
        factory.checkConfig(config);
        this.tls = new TlsReloader(config, supplied(b, config));
        if (tls.enabled() && !factory.servesTls()) {
            throw new ConfigException(
                    Setting.WORKER_CLASS,
                    factory.name(),
                    "a worker model that serves TLS while TLS is on ("
                            + (config.tlsEnabled() ? "certfile or keystore set" : "Arbiter.Builder.tls") + "): "
                            + factory.name() + " does not serve TLS");
        }
        this.target = config.workers();
        this.metrics = new MetricsRegistry(new MetricsRegistry.Source() {
            @Override
            public int openConnections() {
                return openConnections.get();
            }

            @Override
            public List<WorkerStats> workers() {
                List<WorkerStats> workers = new ArrayList<>();
                for (WorkerSlot slot : slots) {
                    workers.add(slot.stats());
                }
                return workers;
            }

            @Override
            public boolean ready() {
                return ready;
            }
        });
    }

    /** The embedder's TLS source, refused together with the TLS settings' files. */
    private static SuppliedTls supplied(Builder b, Config config) {
        if (b.tlsContext == null) {
            return null;
        }
        if (config.tlsEnabled()) {
            Setting file = config.certfile().isPresent() ? Setting.CERTFILE : Setting.KEYSTORE;
            throw new ConfigException(
                    file,
                    config.valueOf(file),
                    "unset when Arbiter.Builder.tls(SSLContext) supplies TLS: the certificate comes from the"
                            + " SSLContext or from files, not both");
        }
        return new SuppliedTls(b.tlsContext, b.tlsConfigurator);
    }

    /** Returns a builder; it needs at least a handler. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Binds, starts the workers and returns once they accept.
     *
     * @return this Arbiter
     * @throws IOException if the address cannot be bound or a worker cannot start; nothing is left
     *     running then
     * @throws ConfigException if TLS is on from files and a certificate file is missing, unreadable,
     *     malformed, expired or does not match its key (the message names the setting and the
     *     file); nothing is bound then
     * @throws IllegalStateException if it was started before
     */
    public Arbiter start() throws IOException {
        if (phase != Phase.NEW) {
            throw new IllegalStateException("the Arbiter was already started");
        }
        callHook(() -> hooks.onStarting(config)); // before binding, so not deferred as the lock would
        lifecycle.lock();
        try {
            if (phase != Phase.NEW) {
                throw new IllegalStateException("the Arbiter was already started");
            }
            tls.reload().ifPresent(c -> LOG.info("TLS: serving {}", c.describe()));
            tls.supplied().ifPresent(s -> LOG.info("TLS: serving {}", s.describe()));
            listener = prebound != null ? adopt(prebound) : bind(config);
            boundAddress = (InetSocketAddress) listener.getLocalAddress();
            try {
                for (int i = 0; i < target; i++) {
                    spawn(application);
                }
            } catch (IOException | RuntimeException e) {
                for (WorkerSlot slot : slots) {
                    slot.worker.abort();
                }
                slots.clear();
                closeListener();
                phase = Phase.STOPPED;
                terminated.countDown();
                throw e;
            }
            phase = Phase.RUNNING;
            monitor = CorralThreads.daemon("corral-arbiter", this::monitorLoop);
            monitor.start();
        } finally {
            unlock();
        }
        LOG.info(
                "Listening at {}://{}:{} ({} {} worker{})",
                tls.enabled() ? "https" : "http",
                hostText(boundAddress),
                boundAddress.getPort(),
                target,
                factory.name(),
                target == 1 ? "" : "s");
        callHook(() -> hooks.whenReady(this));
        return this;
    }

    /** Returns the settings. */
    public Config config() {
        return config;
    }

    /** Returns the bound port: the one {@code bind} names, or the one chosen for port 0. */
    public int port() {
        return address().getPort();
    }

    /** Returns the bound address. */
    public InetSocketAddress address() {
        InetSocketAddress a = boundAddress;
        if (a == null) {
            throw new IllegalStateException("the Arbiter is not started");
        }
        return a;
    }

    /** Returns the name of the worker model in use, such as {@code virtual}. */
    public String workerClass() {
        return factory.name();
    }

    /**
     * Returns the server's metrics, the same that {@code metrics_path} serves: OpenTelemetry's HTTP
     * server series and Corral's own, read live. Available before {@link #start()} (all zero).
     */
    public Metrics metrics() {
        return metrics;
    }

    /**
     * Returns true from construction until shutdown begins: what {@code readiness_path} answers
     * (200 or 503). It turns false at the start of {@link #shutdown}, before {@code
     * shutdown_delay}, while the workers still serve.
     */
    public boolean ready() {
        return ready;
    }

    /** Returns a snapshot of the workers and counters. */
    public ArbiterStats stats() {
        List<WorkerStats> workers = new ArrayList<>();
        for (WorkerSlot slot : slots) {
            workers.add(slot.stats());
        }
        return new ArbiterStats(
                factory.name(),
                target,
                List.copyOf(workers),
                openConnections.get(),
                requestsServed.sum(),
                requestsAborted.sum(),
                workerRestarts.sum());
    }

    /**
     * Changes the number of workers (gunicorn's TTIN/TTOU): new workers start before this returns;
     * retired ones, the oldest first, stop accepting at once and drain within {@code
     * graceful_timeout}.
     *
     * @throws ConfigException if {@code workers} is outside 1 to 4096
     * @throws IOException if a new worker could not start
     */
    public void resize(int workers) throws IOException {
        if (workers < 1 || workers > 4096) {
            throw new ConfigException(Setting.WORKERS, Integer.toString(workers), "an integer from 1 to 4096");
        }
        int old;
        lifecycle.lock();
        try {
            if (phase != Phase.RUNNING) {
                throw new IllegalStateException("the Arbiter is not running");
            }
            old = target;
            target = workers;
            adjustWorkerCount();
        } finally {
            unlock();
        }
        if (old != workers) {
            LOG.info("Workers: {} -> {}", old, workers);
            callHook(() -> hooks.workersChanged(workers, old));
        }
    }

    /**
     * Replaces every worker, gunicorn's {@code HUP}: a successor starts for each running worker
     * first, then the old workers stop accepting and drain within {@code graceful_timeout}, so no
     * client is refused and no request in flight is cut. Use it to recycle every worker at once;
     * {@link #reload(Handler)} also swaps the application. The settings stay as they were built.
     * With TLS on from files it first re-reads them, as {@link #reloadTls()} does; if they are
     * refused, nothing is reloaded. TLS from an {@link SSLContext} ({@link Builder#tls}) stays as it is.
     *
     * @throws IOException if a successor could not start; the successors started so far are stopped
     *     and the old workers keep serving
     * @throws ConfigException if TLS is on from files and they are refused (see {@link
     *     #reloadTls()}); the workers and the certificate in force stay
     * @throws IllegalStateException if the Arbiter is not running
     */
    public void reload() throws IOException {
        reload((Application) null);
    }

    /**
     * Swaps the application with no downtime: new workers serve {@code handler}; requests already
     * in flight finish on the old one while its workers drain. Otherwise as {@link #reload()}.
     */
    public void reload(Handler handler) throws IOException {
        reload(Application.of(handler));
    }

    /**
     * As {@link #reload(Handler)}, with an async handler (a separate name, as with the builder's
     * {@code asyncHandler}, so that a lambda is never ambiguous).
     */
    public void reloadAsync(AsyncHandler handler) throws IOException {
        reload(Application.of(handler));
    }

    /**
     * Re-reads the TLS files ({@code certfile}, {@code keyfile}, {@code ca_certs}, or {@code
     * keystore}) and, if they pass every check that {@link #start()} makes, serves the new
     * certificate to every connection accepted from then on; connections already open keep theirs
     * and are not interrupted. Use it to rotate a certificate without a restart (the files are
     * replaced in place, as cert-manager or certbot do). Blocking file I/O, on the caller's thread;
     * safe to call from any thread, concurrent calls are serialized.
     *
     * @throws ConfigException naming the setting, the file and the problem (missing, unreadable,
     *     malformed, expired, key not matching the certificate, wrong keystore password); the
     *     certificate in force stays
     * <p>TLS from an {@link SSLContext} ({@link Builder#tls}) has no files to re-read, and this
     * refuses it: such a context's key managers are asked for the certificate at every handshake,
     * so one whose key manager swaps its certificate rotates it without Corral.
     *
     * @throws IllegalStateException if TLS is off, comes from an SSLContext given to {@link
     *     Builder#tls}, or the Arbiter is not running
     */
    public void reloadTls() {
        if (tls.supplied().isPresent()) {
            throw new IllegalStateException("TLS comes from the SSLContext given to Arbiter.Builder.tls, not from"
                    + " files: there is nothing to re-read (a key manager of its own that swaps the certificate"
                    + " rotates it at the next handshake)");
        }
        if (!config.tlsEnabled()) {
            throw new IllegalStateException("TLS is off: set certfile (or keystore) to serve TLS");
        }
        if (phase != Phase.RUNNING) {
            throw new IllegalStateException("the Arbiter is not running");
        }
        TlsContext next;
        try {
            next = tls.reload().orElseThrow();
        } catch (ConfigException e) {
            LOG.warn("TLS reload refused; the certificate in force stays: {}", e.getMessage());
            throw e;
        }
        LOG.info("TLS reloaded: new connections get {}", next.describe());
    }

    /** Reloads to {@code next}, or to the current application if null. */
    private void reload(Application next) throws IOException {
        if (phase != Phase.RUNNING) {
            throw new IllegalStateException("the Arbiter is not running");
        }
        if (config.tlsEnabled()) {
            reloadTls(); // not under the lock: file I/O; throws, reloading nothing, if refused
        }
        int replaced;
        lifecycle.lock();
        try {
            if (phase != Phase.RUNNING) {
                throw new IllegalStateException("the Arbiter is not running");
            }
            Application app = next != null ? next : application;
            List<WorkerSlot> old = runningSlots();
            List<WorkerSlot> successors = new ArrayList<>();
            try {
                for (int i = 0; i < target; i++) {
                    successors.add(spawn(app));
                }
            } catch (IOException | RuntimeException e) {
                for (WorkerSlot slot : successors) {
                    stop(slot, "reload failed");
                }
                LOG.error("Reload failed: a new worker could not start; the old workers keep serving", e);
                throw e;
            }
            application = app;
            for (WorkerSlot slot : old) {
                stop(slot, "reloaded");
            }
            workerRestarts.add(old.size());
            metrics.workerRestarted("reloaded", old.size());
            replaced = old.size();
        } finally {
            unlock();
        }
        LOG.info("Reloaded: {} new worker(s) started, {} old one(s) draining", target, replaced);
        callHook(() -> hooks.onReload(this));
    }

    /**
     * Stops gracefully and loses no request a client has sent: stops the workers accepting, takes
     * every client still queued in the kernel's backlog and hands it to a worker, and closes the
     * listener, so that a later client is refused at connect (which it can safely retry) rather
     * than reset after sending. Only then do the workers drain: each answers every request that
     * reaches it (in flight, on a kept-alive connection, from the backlog, or from a client that
     * had connected but not yet sent its request, which has {@code header_timeout}) with {@code
     * Connection: close}, closes an idle keep-alive connection when its {@code keepalive} runs out,
     * and after {@code grace} aborts what is left.
     * Returns when every worker has stopped.
     *
     * <p>The one window left: a client whose connection the kernel completes in the moment between
     * the last look at the backlog and the listener's close (microseconds) is reset.
     *
     * @return true if everything finished within {@code grace}, false if requests were aborted
     */
    public boolean shutdown(Duration grace) {
        Objects.requireNonNull(grace, "grace");
        delayShutdown();
        List<WorkerSlot> stopping;
        lifecycle.lock();
        try {
            if (phase == Phase.NEW) {
                phase = Phase.STOPPED;
                terminated.countDown();
                return true;
            }
            if (phase != Phase.RUNNING) {
                stopping = null;
            } else {
                phase = Phase.STOPPING;
                LOG.info("Shutting down: stopping {} worker(s), grace {}", slots.size(), grace);
                long deadline = System.nanoTime() + grace.toNanos();
                // the listener closes before any client is told to reconnect (Connection: close), so
                // that clients reconnecting during the drain are refused, not queued and reset
                List<WorkerSlot> takers = runningSlots();
                for (WorkerSlot slot : slots) {
                    slot.worker.stopAccepting();
                }
                closeListenerTakingTheBacklog(takers);
                for (WorkerSlot slot : slots) {
                    if (slot.state != WorkerState.STOPPING) {
                        stop(slot, "shutdown");
                        slot.stopDeadlineNanos = deadline;
                    } else {
                        slot.stopDeadlineNanos = Math.min(slot.stopDeadlineNanos, deadline);
                    }
                }
                stopping = List.copyOf(slots);
                monitorWake.signalAll();
            }
        } finally {
            unlock();
        }
        if (stopping == null) {
            awaitTermination();
            return true;
        }
        boolean graceful = true;
        for (WorkerSlot slot : stopping) {
            graceful &= awaitStop(slot);
        }
        phase = Phase.STOPPED;
        if (monitor != null) {
            monitor.interrupt();
        }
        LOG.info("Shut down {}", graceful ? "gracefully" : "after aborting requests that outlived the grace");
        callHook(() -> hooks.onExit(this));
        terminated.countDown();
        return graceful;
    }

    /**
     * The first step of a shutdown: readiness turns false at once; with {@code shutdown_delay}, the
     * first caller then waits that long while the workers serve as before (so that load balancers
     * that poll readiness stop sending), and a concurrent caller waits with it. Not under the lock:
     * the monitor keeps replacing workers meanwhile. An interrupt cuts the delay short.
     */
    private void delayShutdown() {
        if (shutdownBegun.compareAndSet(false, true)) {
            ready = false;
            Duration delay = config.shutdownDelay();
            try {
                if (phase == Phase.RUNNING && !delay.isZero()) {
                    LOG.info("Shutting down: reporting not ready, serving for {} more (shutdown_delay)", delay);
                    Thread.sleep(delay);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // the drain goes on; the caller sees the flag
            } finally {
                delayOver.countDown();
            }
            return;
        }
        try {
            delayOver.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Closes the listener without resetting a client the kernel has queued. The workers have
     * stopped accepting but not yet begun to drain; while their selectors let go of the listener
     * (a close waits for that, at most {@link #LISTENER_RELEASE_NANOS}), and once more after, this
     * takes every client queued and hands it to one of {@code takers}, which answers its request
     * with {@code Connection: close}; then it closes the listener. Lifecycle lock held; accepting
     * never blocks (the listener is non-blocking).
     */
    private void closeListenerTakingTheBacklog(List<WorkerSlot> takers) {
        long until = System.nanoTime() + LISTENER_RELEASE_NANOS;
        int taken = takeBacklog(takers, 0);
        while (listener.isRegistered() && System.nanoTime() - until < 0) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            taken = takeBacklog(takers, taken);
        }
        taken = takeBacklog(takers, taken);
        closeListener(); // at once now that no selector holds it: later clients are refused at connect
        if (taken > 0) {
            LOG.info("Shutting down: {} client(s) queued in the backlog will be answered", taken);
        }
    }

    /** Accepts what is queued, handing it out round-robin; returns the running count taken. */
    private int takeBacklog(List<WorkerSlot> takers, int taken) {
        while (true) {
            SocketChannel channel;
            try {
                channel = listener.accept();
            } catch (IOException e) {
                LOG.warn("Shutting down: could not take a queued client from the backlog: {}", e.toString());
                return taken;
            }
            if (channel == null) {
                return taken;
            }
            boolean adopted = false;
            for (int i = 0; i < takers.size() && !adopted; i++) {
                adopted = takers.get((taken + i) % takers.size()).worker.adopt(channel);
            }
            if (!adopted) {
                // no worker left that can serve it: a 503 it may retry, rather than a reset; a TLS
                // client could not read a plain 503 before its handshake, so it gets a clean close
                metrics.rejected(Rejection.OVERLOAD);
                if (tls.enabled()) {
                    Lingering.closeUnanswered(channel);
                } else {
                    CorralThreads.virtual("corral-arbiter-reject", () -> Lingering.reject(channel))
                            .start();
                }
            }
            taken++;
        }
    }

    /** Shuts down with {@code graceful_timeout} as the grace. */
    @Override
    public void close() {
        shutdown(config.gracefulTimeout());
    }

    /** Waits until the Arbiter has shut down. */
    public void awaitTermination() {
        boolean interrupted = false;
        while (true) {
            try {
                terminated.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- workers ------------------------------------------------------------------------

    /** Returns the workers that are starting or running, not stopping, oldest first; lifecycle lock held. */
    private List<WorkerSlot> runningSlots() {
        List<WorkerSlot> running = new ArrayList<>();
        for (WorkerSlot slot : slots) {
            if (slot.state == WorkerState.RUNNING || slot.state == WorkerState.STARTING) {
                running.add(slot);
            }
        }
        return running;
    }

    /** Starts one more worker serving {@code app}; lifecycle lock held. */
    private WorkerSlot spawn(Application app) throws IOException {
        Application served = Endpoints.wrap(app, config, () -> ready, metrics);
        WorkerSlot slot = new WorkerSlot(nextId++, this, config, listener, served, hooks);
        Worker worker = factory.create(slot);
        slot.worker = worker;
        slots.add(slot);
        try {
            worker.start();
        } catch (IOException | RuntimeException e) {
            slots.remove(slot);
            worker.abort();
            throw e;
        }
        slot.state = WorkerState.RUNNING;
        LOG.debug("Started worker {} ({})", slot.id, factory.name());
        callHook(() -> hooks.workerStarted(slot.id));
        return slot;
    }

    /** Starts a graceful stop of {@code slot}; lifecycle lock held. */
    private void stop(WorkerSlot slot, String reason) {
        slot.markStopping(reason);
        slot.stopDeadlineNanos = System.nanoTime() + config.gracefulTimeout().toNanos();
        slot.worker.shutdown();
    }

    /** Spawns or retires workers to match the target; lifecycle lock held. */
    private void adjustWorkerCount() throws IOException {
        List<WorkerSlot> running = runningSlots();
        for (int n = running.size(); n < target; n++) {
            spawn(application);
        }
        for (int i = 0; i < running.size() - target; i++) {
            stop(running.get(i), "resized"); // the oldest first, as gunicorn's TTOU does
        }
    }

    /** Replaces a worker: the successor starts first, then the old one stops. Lifecycle lock held. */
    private void replace(WorkerSlot slot, String reason, boolean graceful) {
        workerRestarts.increment();
        metrics.workerRestarted(restartLabel(reason), 1);
        try {
            spawn(application);
        } catch (IOException | RuntimeException e) {
            LOG.error("Could not start a successor for worker {}; will retry", slot.id, e);
        }
        stop(slot, reason);
        if (!graceful) {
            slot.stopDeadlineNanos = System.nanoTime();
            slot.worker.abort();
        }
    }

    /** Waits for a stopping worker until its deadline, then aborts it. */
    private boolean awaitStop(WorkerSlot slot) {
        boolean graceful = true;
        try {
            long left = slot.stopDeadlineNanos - System.nanoTime();
            if (!slot.worker.awaitTermination(Duration.ofNanos(Math.max(0, left)))) {
                graceful = false;
                LOG.warn("Worker {} did not finish within the grace; aborting it", slot.id);
                slot.worker.abort();
                slot.worker.awaitTermination(Duration.ofSeconds(5));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            slot.worker.abort();
            graceful = false;
        }
        finish(slot);
        return graceful;
    }

    private void finish(WorkerSlot slot) {
        slot.state = WorkerState.STOPPED;
        slots.remove(slot);
        LOG.debug("Worker {} exited: {}", slot.id, slot.exitReason);
        callHook(() -> hooks.workerExited(slot.id, slot.exitReason));
    }

    // ---- the monitor --------------------------------------------------------------------

    private void monitorLoop() {
        long tickNanos = tickNanos();
        while (phase == Phase.RUNNING || phase == Phase.STOPPING) {
            lifecycle.lock();
            try {
                monitorWake.awaitNanos(tickNanos);
                if (phase == Phase.STOPPED) {
                    break;
                }
                tick(System.nanoTime());
            } catch (InterruptedException e) {
                break;
            } catch (RuntimeException | Error e) {
                LOG.error("The Arbiter's monitor failed a check; it carries on", e);
            } finally {
                unlock();
            }
        }
    }

    /** One pass of the monitor; lifecycle lock held. */
    private void tick(long now) {
        long timeoutNanos = config.timeout().toNanos();
        for (WorkerSlot slot : slots) {
            if (config.hasTimeout()) {
                slot.abortExpired(now, timeoutNanos);
            }
            if (phase != Phase.RUNNING) {
                continue; // shutdown() waits for the stopping workers itself
            }
            if (slot.state == WorkerState.RUNNING) {
                Throwable failure = slot.failure();
                if (failure != null) {
                    LOG.error("Worker {} failed; replacing it", slot.id, failure);
                    replace(slot, "died: " + failure, false);
                } else if (config.hasTimeout() && slot.silentFor(now, timeoutNanos) && !slot.busy()) {
                    logHung(slot);
                    replace(slot, "hung", false);
                } else if (slot.abandonedThreads() > WorkerContext.MAX_ABANDONED_THREADS) {
                    LOG.error(
                            "Worker {} has {} handler threads that ignored their interrupt after timeout and"
                                    + " still run (more than {}); replacing it. The JVM cannot stop such a thread:"
                                    + " make the handler honour interrupts or bound its own waits",
                            slot.id,
                            slot.abandonedThreads(),
                            WorkerContext.MAX_ABANDONED_THREADS);
                    replace(slot, "abandoned threads", true);
                } else if (slot.retireRequested()) {
                    replace(slot, "max_requests", true);
                }
            } else if (slot.state == WorkerState.STOPPING) {
                try {
                    if (slot.worker.awaitTermination(Duration.ZERO)) {
                        finish(slot);
                    } else if (now - slot.stopDeadlineNanos > 0) {
                        LOG.warn("Worker {} did not drain within graceful_timeout; aborting it", slot.id);
                        slot.worker.abort();
                        slot.stopDeadlineNanos = now + TimeUnit.SECONDS.toNanos(5);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
        if (phase == Phase.RUNNING) {
            try {
                adjustWorkerCount();
            } catch (IOException | RuntimeException e) {
                LOG.error("Could not start a worker; will retry", e);
            }
        }
    }

    private void logHung(WorkerSlot slot) {
        StringBuilder dump = new StringBuilder();
        for (Thread t : slot.worker.threads()) {
            dump.append('\n').append('"').append(t.getName()).append("\" ").append(t.getState());
            for (StackTraceElement e : t.getStackTrace()) {
                dump.append("\n\tat ").append(e);
            }
        }
        LOG.error(
                "WORKER TIMEOUT: worker {} has been silent for longer than timeout ({}); replacing it{}",
                slot.id,
                config.timeout(),
                dump);
    }

    void reportAbort(Hooks.AbortedRequest aborted) {
        LOG.error(
                "Request timeout: {} on worker {} ran {} ms, past timeout ({}); {}\n{}",
                aborted.requestLine(),
                aborted.workerId(),
                aborted.elapsed().toMillis(),
                config.timeout(),
                aborted.status() == 504 ? "answered 504" : "closed the connection",
                aborted.stackText());
        callHook(() -> hooks.requestAborted(aborted));
    }

    void wakeMonitor() {
        if (lifecycle.tryLock()) {
            try {
                monitorWake.signalAll();
            } finally {
                unlock();
            }
        }
    }

    private long tickNanos() {
        if (!config.hasTimeout()) {
            return TimeUnit.SECONDS.toNanos(1);
        }
        long tenth = config.timeout().toNanos() / 10;
        return Math.max(TimeUnit.MILLISECONDS.toNanos(10), Math.min(TimeUnit.SECONDS.toNanos(1), tenth));
    }

    // ---- plumbing -----------------------------------------------------------------------

    /** The label of {@code corral_worker_restarts_total} for a reason {@link #replace} was given. */
    private static String restartLabel(String reason) {
        if (reason.startsWith("died")) {
            return "died";
        }
        return reason.replace(' ', '_');
    }

    private static ServerSocketChannel bind(Config config) throws IOException {
        if (config.inheritsListener()) {
            return inheritedListener();
        }
        InetSocketAddress unresolved = config.bindAddress();
        InetSocketAddress address =
                new InetSocketAddress(InetAddress.getByName(unresolved.getHostString()), unresolved.getPort());
        ServerSocketChannel channel = ServerSocketChannel.open();
        try {
            channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            if (config.reusePort()) {
                if (!channel.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT)) {
                    throw new IOException("reuse_port: SO_REUSEPORT is not supported on this platform");
                }
                channel.setOption(StandardSocketOptions.SO_REUSEPORT, true); // before bind, as it must be
            }
            channel.bind(address, config.backlog());
            channel.configureBlocking(false);
            return channel;
        } catch (IOException e) {
            channel.close();
            throw new IOException("bind: could not listen at " + config.bind() + ": " + e.getMessage(), e);
        }
    }

    /**
     * The listening socket the JVM inherited on its standard input ({@code bind = fd://0}), as
     * systemd passes it with {@code StandardInput=socket}; its backlog is the one its owner set.
     */
    private static ServerSocketChannel inheritedListener() throws IOException {
        Channel inherited = System.inheritedChannel();
        if (inherited instanceof ServerSocketChannel listener) {
            listener.configureBlocking(false);
            return listener;
        }
        String what = inherited == null
                ? "not a socket"
                : inherited instanceof SocketChannel
                        ? "a connected socket (inetd style, systemd Accept=yes), not a listening one"
                        : "a " + inherited.getClass().getSimpleName() + ", not a listening TCP socket";
        throw new IOException("bind fd://0: standard input is " + what + "; with systemd, pair a .socket unit"
                + " (ListenStream=, Accept=no) with StandardInput=socket in the service");
    }

    /** Takes over a listener the embedder bound; see {@link Builder#listener}. */
    private static ServerSocketChannel adopt(ServerSocketChannel channel) throws IOException {
        if (!channel.isOpen() || channel.getLocalAddress() == null) {
            throw new IOException("the listener given to Arbiter.Builder.listener is closed or not bound");
        }
        channel.configureBlocking(false);
        return channel;
    }

    private void closeListener() {
        try {
            if (listener != null) {
                listener.close();
            }
        } catch (IOException e) {
            LOG.debug("Closing the listener failed", e);
        }
    }

    private static String hostText(InetSocketAddress a) {
        String host = a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString();
        return host.contains(":") ? "[" + host + "]" : host;
    }

    private static WorkerFactory findFactory(String name) {
        TreeSet<String> available = new TreeSet<>();
        for (ClassLoader loader : loaders()) {
            for (WorkerFactory f : ServiceLoader.load(WorkerFactory.class, loader)) {
                if (f.name().equals(name)) {
                    return f;
                }
                available.add(f.name());
            }
        }
        throw new ConfigException(
                Setting.WORKER_CLASS,
                name,
                available.isEmpty()
                        ? "the name of a worker model, but none is on the class path or module path: add"
                                + " io.corral:corral-worker-sync, -async or -virtual"
                        : "one of the worker models available: " + String.join(", ", available));
    }

    private static List<ClassLoader> loaders() {
        List<ClassLoader> loaders = new ArrayList<>(2);
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        if (context != null) {
            loaders.add(context);
        }
        ClassLoader own = Arbiter.class.getClassLoader();
        if (own != null && own != context) {
            loaders.add(own);
        }
        return loaders;
    }

    /**
     * Runs a user hook, never under the lifecycle lock: a hook may be slow, or call back into the
     * Arbiter. Called with the lock held, it runs once the lock is released ({@link #unlock()}).
     */
    private void callHook(Runnable hook) {
        if (lifecycle.isHeldByCurrentThread()) {
            deferredHooks.add(hook);
        } else {
            runHook(hook);
        }
    }

    /** Releases the lifecycle lock, then runs the hooks called while it was held, in order. */
    private void unlock() {
        List<Runnable> due = List.of();
        if (lifecycle.getHoldCount() == 1 && !deferredHooks.isEmpty()) {
            due = List.copyOf(deferredHooks);
            deferredHooks.clear();
        }
        lifecycle.unlock();
        for (Runnable hook : due) {
            runHook(hook);
        }
    }

    private static void runHook(Runnable hook) {
        try {
            hook.run();
        } catch (RuntimeException e) {
            LOG.warn("A hook failed", e);
        }
    }

    /** Builds an {@link Arbiter}. Not thread-safe. */
    public static final class Builder {
        private Config config = Config.defaults();
        private Application application;
        private Hooks hooks = Hooks.NONE;
        private WorkerFactory factory;
        private ServerSocketChannel listener;
        private SSLContext tlsContext;
        private TlsConfigurator tlsConfigurator;

        private Builder() {}

        /** Sets the settings; default {@link Config#defaults()}. */
        public Builder config(Config config) {
            this.config = Objects.requireNonNull(config, "config");
            return this;
        }

        /** Sets a blocking handler as the application. */
        public Builder handler(Handler handler) {
            this.application = Application.of(handler);
            return this;
        }

        /** Sets an async handler as the application. */
        public Builder asyncHandler(AsyncHandler handler) {
            this.application = Application.of(handler);
            return this;
        }

        /** Sets the hooks; default none. */
        public Builder hooks(Hooks hooks) {
            this.hooks = Objects.requireNonNull(hooks, "hooks");
            return this;
        }

        /**
         * Serves this already bound listener instead of binding {@code bind}: for an embedder that
         * must know its address before {@link Arbiter#start()} (the JDK's {@code HttpServer} API
         * binds when the server is created). The Arbiter owns the channel from {@code start()} on
         * (it switches it to non-blocking mode and closes it at shutdown); its {@code backlog} is
         * the one it was bound with, and {@code bind} and {@code backlog} are then unused.
         */
        public Builder listener(ServerSocketChannel listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * Serves TLS with the embedder's own {@code context} instead of certificate files: every
         * connection is TLS, each with an engine {@code context} makes, configured with Corral's
         * floor (TLS 1.3 and 1.2, ALPN {@code http/1.1}, the server's cipher order, any SNI host
         * name accepted, no client certificate asked for). The context must be initialized with
         * its key managers (and, for client certificates, its trust managers); Corral does not
         * check its certificate. Same as {@code tls(context, null)}; see {@link #tls(SSLContext,
         * TlsConfigurator)}.
         */
        public Builder tls(SSLContext context) {
            return tls(context, null);
        }

        /**
         * Serves TLS with the embedder's own {@code context} instead of certificate files, and lets
         * {@code configurator} (if not null) choose each connection's parameters: client
         * certificates, cipher suites, protocols. It is called once per connection, before its
         * handshake; see {@link TlsConfigurator} for Corral's floor, what it keeps and what the
         * configurator is responsible for. This is how the JDK-API drop-in serves {@code
         * HttpsServer}.
         *
         * <p>Checked by {@link #build()}: it is refused together with {@code certfile} or {@code
         * keystore} (TLS comes from one or the other), with a context that is not initialized, and
         * with a worker model that does not serve TLS. The TLS settings that go with the files
         * ({@code ca_certs}, {@code cert_reqs}, {@code ciphers}) are refused by {@link Config}
         * without them; their equivalents are the context's trust managers and the configurator.
         * {@link Arbiter#reloadTls()} refuses this kind of TLS (there are no files to re-read);
         * {@link Arbiter#reload()} keeps it.
         */
        public Builder tls(SSLContext context, TlsConfigurator configurator) {
            this.tlsContext = Objects.requireNonNull(context, "context");
            this.tlsConfigurator = configurator;
            return this;
        }

        /**
         * Uses this worker factory instead of the one {@code worker_class} names through {@link
         * ServiceLoader}; for tests (a third-party worker model is not supported: see {@link WorkerFactory}).
         */
        public Builder workerFactory(WorkerFactory factory) {
            this.factory = Objects.requireNonNull(factory, "factory");
            return this;
        }

        /**
         * Returns the Arbiter, not yet started.
         *
         * @throws IllegalStateException if no handler was set
         * @throws ConfigException if {@code worker_class} names no available worker model, or the
         *     model refuses the settings (or TLS, which it does not serve); if {@link #tls} was given
         *     together with {@code certfile} or {@code keystore}, or with an uninitialized context
         */
        public Arbiter build() {
            if (application == null) {
                throw new IllegalStateException("set a handler (handler(...) or asyncHandler(...)) before build()");
            }
            return new Arbiter(this);
        }

        /** Builds and starts the Arbiter; see {@link Arbiter#start()}. */
        public Arbiter start() throws IOException {
            return build().start();
        }
    }
}
