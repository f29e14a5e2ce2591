package io.corral.micrometer;

import io.corral.Arbiter;
import io.corral.metrics.Meter;
import io.corral.metrics.Metrics;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Binds the meters Corral keeps itself ({@link Arbiter#metrics()}) to a Micrometer {@link
 * MeterRegistry}, under the same names and labels: each counter as a {@link FunctionCounter}, each
 * gauge as a {@link Gauge}, {@code http.server.request.duration} as a {@link FunctionTimer} (its
 * count and total time; the buckets stay in Corral's own Prometheus text). The meters read Corral's
 * live values, so it does not matter whether the binder runs before or after the Arbiter starts,
 * and a series that appears later (a new status code) is registered when it appears.
 *
 * <pre>{@code
 * new CorralMetrics(arbiter).bindTo(registry);
 * // registry.find("http.server.request.duration").tag("http.response.status_code", "200").functionTimer()
 * }</pre>
 *
 * <p>Per-worker series are not bound (workers come and go; use {@code corral.workers} by state).
 * Thread-safe: Corral may register a new series from a serving thread.
 */
public final class CorralMetrics implements MeterBinder {

    private final Metrics metrics;

    /** Binds the metrics of {@code arbiter}. */
    public CorralMetrics(Arbiter arbiter) {
        this(Objects.requireNonNull(arbiter, "arbiter").metrics());
    }

    /** Binds {@code metrics}. */
    public CorralMetrics(Metrics metrics) {
        this.metrics = Objects.requireNonNull(metrics, "metrics");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        metrics.onMeter(m -> register(registry, m));
    }

    private static void register(MeterRegistry registry, Meter meter) {
        List<Tag> tags = tags(meter);
        switch (meter) {
            case Meter.Counter c ->
                FunctionCounter.builder(c.name(), c, Meter.Counter::count)
                        .description(c.help())
                        .tags(tags)
                        .register(registry);
            case Meter.Gauge g ->
                Gauge.builder(g.name(), g, Meter.Gauge::value)
                        .description(g.help())
                        .tags(tags)
                        .register(registry);
            case Meter.Histogram h ->
                FunctionTimer.builder(h.name(), h, Meter.Histogram::count, Meter.Histogram::sum, TimeUnit.SECONDS)
                        .description(h.help())
                        .tags(tags)
                        .register(registry);
        }
    }

    /**
     * The meter's labels as tags. A request lost before its answer has {@code error.type} and no
     * status; both keys are always present here (empty when absent), since some registries, such as
     * Prometheus's, want one set of keys per name.
     */
    private static List<Tag> tags(Meter meter) {
        List<Tag> tags = new ArrayList<>();
        boolean status = false;
        boolean error = false;
        for (Meter.Label l : meter.labels()) {
            tags.add(Tag.of(l.name(), l.value()));
            status |= l.name().equals("http.response.status_code");
            error |= l.name().equals("error.type");
        }
        if (meter instanceof Meter.Histogram) {
            if (!status) {
                tags.add(Tag.of("http.response.status_code", ""));
            }
            if (!error) {
                tags.add(Tag.of("error.type", ""));
            }
        }
        return tags;
    }
}
