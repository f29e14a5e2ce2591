package io.corral.metrics;

import java.util.List;

/**
 * One series of {@link Metrics}: a name, labels and a value read live at each call. Names and label
 * names are OpenTelemetry's dotted forms ({@code http.server.request.duration}, {@code
 * http.request.method}); {@link Metrics#prometheusText()} writes them as Prometheus does ({@code
 * http_server_request_duration_seconds}, {@code http_request_method}).
 *
 * <p>Thread-safe: values are read without locking, so two reads of one histogram may straddle a
 * request that finished between them.
 */
public sealed interface Meter permits Meter.Counter, Meter.Gauge, Meter.Histogram {

    /** Returns the dotted name, such as {@code corral.rejections}. */
    String name();

    /** Returns the unit: {@code s} for durations, {@code 1} for counts. */
    String unit();

    /** Returns what the series counts, in a sentence. */
    String help();

    /** Returns the labels, in a fixed order. */
    List<Label> labels();

    /**
     * A label of a series.
     *
     * @param name the dotted name, such as {@code http.request.method}
     * @param value the value
     */
    record Label(String name, String value) {}

    /** A count that only grows. */
    non-sealed interface Counter extends Meter {
        /** Returns the count so far. */
        long count();
    }

    /** A value that goes up and down. */
    non-sealed interface Gauge extends Meter {
        /** Returns the value now. */
        double value();
    }

    /** A distribution of durations in seconds, with cumulative buckets. */
    non-sealed interface Histogram extends Meter {
        /** Returns the upper bounds of the buckets in seconds, ascending, without the final +Inf. */
        double[] bounds();

        /** Returns the cumulative counts: element i counts values up to bounds()[i]; the last, every value (+Inf). */
        long[] cumulativeCounts();

        /** Returns how many values were recorded. */
        long count();

        /** Returns the sum of the values, in seconds. */
        double sum();
    }
}
