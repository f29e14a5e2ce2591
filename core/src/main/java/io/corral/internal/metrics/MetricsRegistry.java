package io.corral.internal.metrics;

import io.corral.WorkerState;
import io.corral.WorkerStats;
import io.corral.metrics.CloseReason;
import io.corral.metrics.Meter;
import io.corral.metrics.Metrics;
import io.corral.metrics.Rejection;
import io.corral.spi.WorkerMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.DoubleSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The meters of one Arbiter: what {@link Metrics} reads and {@link WorkerMetrics} records. Every
 * count is a {@link LongAdder}, so recording never takes a lock and contended threads write to
 * different cells; the HTTP series live in arrays indexed by method, scheme and status, so a request
 * looks its series up with no hashing and no allocation once that series exists. Series appear on
 * first use; the label sets are closed (nine methods and {@code _OTHER}, two schemes, statuses 100
 * to 999 and "lost"), so no client input can grow their number.
 *
 * <p>Thread-safe: recorded from every serving thread, read from any.
 */
public final class MetricsRegistry implements Metrics, WorkerMetrics {

    /** What the registry reads from the Arbiter at each scrape. Called on the scraping thread. */
    public interface Source {
        /** Returns the connections open across all workers. */
        int openConnections();

        /** Returns a snapshot of the workers. */
        List<WorkerStats> workers();

        /** Returns true until shutdown begins. */
        boolean ready();
    }

    /** The reasons a worker is replaced, as {@code corral_worker_restarts_total} labels them. */
    public static final List<String> RESTART_REASONS =
            List.of("died", "hung", "abandoned_threads", "max_requests", "reloaded");

    /** OpenTelemetry's advised buckets for {@code http.server.request.duration}, in seconds. */
    static final double[] BOUNDS = {0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10};

    private static final long[] BOUND_NANOS = new long[BOUNDS.length];

    static {
        for (int i = 0; i < BOUNDS.length; i++) {
            BOUND_NANOS[i] = Math.round(BOUNDS[i] * 1e9);
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger("io.corral.metrics");
    private static final String[] METHODS = {
        "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "_OTHER"
    };
    private static final String[] SCHEMES = {"http", "https"};
    private static final int MIN_STATUS = 100;
    private static final int MAX_STATUS = 999;
    private static final int STATUS_SLOTS = MAX_STATUS - MIN_STATUS + 2; // and "lost" (0)
    private static final int LOST = STATUS_SLOTS - 1;

    private final Source source;
    private final LongAdder accepted = new LongAdder();
    private final LongAdder[] closed = adders(CloseReason.values().length);
    private final LongAdder[] rejected = adders(Rejection.values().length);
    private final LongAdder timedOut = new LongAdder();
    private final LongAdder[] restarts = adders(RESTART_REASONS.size());
    private final AtomicReferenceArray<DurationSeries> durations =
            new AtomicReferenceArray<>(METHODS.length * SCHEMES.length * STATUS_SLOTS);
    private final AtomicReferenceArray<ActiveSeries> active =
            new AtomicReferenceArray<>(METHODS.length * SCHEMES.length);
    private final List<Meter> meters = new CopyOnWriteArrayList<>();
    private final List<Consumer<Meter>> listeners = new CopyOnWriteArrayList<>();

    /** Creates the registry; {@code source} is read at each scrape. */
    public MetricsRegistry(Source source) {
        this.source = source;
        meters.add(new FixedCounter(
                "corral.connections.accepted", "Connections accepted and served by a worker.", List.of(), accepted));
        meters.add(new FixedGauge(
                "corral.connections.open", "Connections open now.", List.of(), () -> source.openConnections()));
        for (CloseReason r : CloseReason.values()) {
            meters.add(new FixedCounter(
                    "corral.connections.closed",
                    "Connections closed, by how they ended.",
                    List.of(new Meter.Label("reason", r.label())),
                    closed[r.ordinal()]));
        }
        for (Rejection r : Rejection.values()) {
            meters.add(new FixedCounter(
                    "corral.rejections",
                    "Requests and connections the server refused itself, by the limit or rule that refused them.",
                    List.of(new Meter.Label("reason", r.label())),
                    rejected[r.ordinal()]));
        }
        meters.add(new FixedCounter(
                "corral.requests.timed_out", "Requests aborted for running past timeout.", List.of(), timedOut));
        for (int i = 0; i < RESTART_REASONS.size(); i++) {
            meters.add(new FixedCounter(
                    "corral.worker.restarts",
                    "Workers replaced, by reason.",
                    List.of(new Meter.Label("reason", RESTART_REASONS.get(i))),
                    restarts[i]));
        }
        for (WorkerState s : List.of(WorkerState.STARTING, WorkerState.RUNNING, WorkerState.STOPPING)) {
            meters.add(new FixedGauge(
                    "corral.workers",
                    "Workers, by state.",
                    List.of(new Meter.Label("state", s.name().toLowerCase(Locale.ROOT))),
                    () -> countWorkers(s)));
        }
        meters.add(new FixedGauge(
                "corral.ready",
                "1 while the server reports ready, 0 once shutdown has begun.",
                List.of(),
                () -> source.ready() ? 1 : 0));
    }

    private double countWorkers(WorkerState state) {
        int n = 0;
        for (WorkerStats w : source.workers()) {
            if (w.state() == state) {
                n++;
            }
        }
        return n;
    }

    // ---- recording ----------------------------------------------------------------------------

    /** Records a connection accepted for serving. */
    public void connectionAccepted() {
        accepted.increment();
    }

    /** Records a connection closed, and how. */
    public void connectionClosed(CloseReason reason) {
        closed[reason.ordinal()].increment();
    }

    /** Records a request aborted past {@code timeout}. */
    public void requestTimedOut() {
        timedOut.increment();
    }

    /** Records a worker replaced for {@code reason}, one of {@link #RESTART_REASONS}. */
    public void workerRestarted(String reason, int count) {
        int i = RESTART_REASONS.indexOf(reason);
        if (i >= 0) {
            restarts[i].add(count);
        }
    }

    @Override
    public void rejected(Rejection reason) {
        rejected[reason.ordinal()].increment();
    }

    @Override
    public void requestStarted(String method, String scheme) {
        activeSeries(methodIndex(method), schemeIndex(scheme)).count.increment();
    }

    @Override
    public void requestEnded(String method, String scheme, int status, long durationNanos, boolean started) {
        int m = methodIndex(method);
        int s = schemeIndex(scheme);
        if (started) {
            activeSeries(m, s).count.decrement();
        }
        int slot = status == 0 ? LOST : status < MIN_STATUS || status > MAX_STATUS ? LOST : status - MIN_STATUS;
        int i = (m * SCHEMES.length + s) * STATUS_SLOTS + slot;
        DurationSeries series = durations.get(i);
        if (series == null) {
            series = created(durations, i, new DurationSeries(m, s, slot));
        }
        series.record(durationNanos);
    }

    private ActiveSeries activeSeries(int m, int s) {
        int i = m * SCHEMES.length + s;
        ActiveSeries series = active.get(i);
        return series != null ? series : created(active, i, new ActiveSeries(m, s));
    }

    private <T extends Meter> T created(AtomicReferenceArray<T> slots, int i, T fresh) {
        if (slots.compareAndSet(i, null, fresh)) {
            meters.add(fresh);
            for (Consumer<Meter> l : listeners) {
                try {
                    l.accept(fresh);
                } catch (RuntimeException e) {
                    LOG.warn("A metrics listener failed", e);
                }
            }
            return fresh;
        }
        return slots.get(i);
    }

    static int methodIndex(String method) {
        return switch (method) {
            case "GET" -> 0;
            case "HEAD" -> 1;
            case "POST" -> 2;
            case "PUT" -> 3;
            case "DELETE" -> 4;
            case "CONNECT" -> 5;
            case "OPTIONS" -> 6;
            case "TRACE" -> 7;
            case "PATCH" -> 8;
            default -> 9;
        };
    }

    private static int schemeIndex(String scheme) {
        return "https".equals(scheme) ? 1 : 0;
    }

    // ---- reading ------------------------------------------------------------------------------

    @Override
    public List<Meter> meters() {
        return List.copyOf(meters);
    }

    @Override
    public void onMeter(Consumer<Meter> listener) {
        listeners.add(listener);
        for (Meter m : meters) {
            listener.accept(m);
        }
    }

    @Override
    public String prometheusText() {
        return PrometheusText.write(meters(), source.workers());
    }

    private static LongAdder[] adders(int n) {
        LongAdder[] a = new LongAdder[n];
        for (int i = 0; i < n; i++) {
            a[i] = new LongAdder();
        }
        return a;
    }

    // ---- series -------------------------------------------------------------------------------

    private record FixedCounter(String name, String help, List<Label> labels, LongAdder adder)
            implements Meter.Counter {
        @Override
        public String unit() {
            return "1";
        }

        @Override
        public long count() {
            return adder.sum();
        }
    }

    private record FixedGauge(String name, String help, List<Label> labels, DoubleSupplier supplier)
            implements Meter.Gauge {
        @Override
        public String unit() {
            return "1";
        }

        @Override
        public double value() {
            return supplier.getAsDouble();
        }
    }

    private static final class ActiveSeries implements Meter.Gauge {
        final LongAdder count = new LongAdder();
        private final List<Label> labels;

        ActiveSeries(int method, int scheme) {
            labels = List.of(
                    new Label("http.request.method", METHODS[method]), new Label("url.scheme", SCHEMES[scheme]));
        }

        @Override
        public String name() {
            return "http.server.active_requests";
        }

        @Override
        public String unit() {
            return "1";
        }

        @Override
        public String help() {
            return "Requests the server is handling now.";
        }

        @Override
        public List<Label> labels() {
            return labels;
        }

        @Override
        public double value() {
            return count.sum();
        }
    }

    private static final class DurationSeries implements Meter.Histogram {
        private final LongAdder[] buckets = adders(BOUNDS.length + 1); // the last: above every bound
        private final LongAdder sumNanos = new LongAdder();
        private final List<Label> labels;

        DurationSeries(int method, int scheme, int slot) {
            List<Label> l = new ArrayList<>(3);
            l.add(new Label("http.request.method", METHODS[method]));
            l.add(new Label("url.scheme", SCHEMES[scheme]));
            l.add(
                    slot == LOST
                            ? new Label("error.type", "connection_lost")
                            : new Label("http.response.status_code", Integer.toString(slot + MIN_STATUS)));
            labels = List.copyOf(l);
        }

        void record(long nanos) {
            int i = 0;
            while (i < BOUND_NANOS.length && nanos > BOUND_NANOS[i]) {
                i++;
            }
            buckets[i].increment();
            sumNanos.add(Math.max(0, nanos));
        }

        @Override
        public String name() {
            return "http.server.request.duration";
        }

        @Override
        public String unit() {
            return "s";
        }

        @Override
        public String help() {
            return "Duration of HTTP server requests.";
        }

        @Override
        public List<Label> labels() {
            return labels;
        }

        @Override
        public double[] bounds() {
            return BOUNDS.clone();
        }

        @Override
        public long[] cumulativeCounts() {
            long[] out = new long[buckets.length];
            long running = 0;
            for (int i = 0; i < buckets.length; i++) {
                running += buckets[i].sum();
                out[i] = running;
            }
            return out;
        }

        @Override
        public long count() {
            long n = 0;
            for (LongAdder b : buckets) {
                n += b.sum();
            }
            return n;
        }

        @Override
        public double sum() {
            return sumNanos.sum() / 1e9;
        }
    }
}
