package io.corral.benchmarks.compare;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * What a load generator saw during one measurement window: the responses, the errors by kind, and
 * the latency histogram (in microseconds, corrected for coordinated omission).
 *
 * @param ok 200 responses completed in the window
 * @param connectErrors connections that failed or timed out while connecting
 * @param timeouts requests with no full response within the request timeout
 * @param statusErrors complete responses whose status was not 200
 * @param resets connections the server closed or reset in the middle of an exchange
 * @param elapsed the length of the window
 * @param latencyMicros latencies of the 200 responses, in microseconds; owned by this result
 */
public record LoadResult(
        long ok,
        long connectErrors,
        long timeouts,
        long statusErrors,
        long resets,
        Duration elapsed,
        Histogram latencyMicros) {

    /** Returns the 200 responses per second over the window. */
    public double requestsPerSecond() {
        double seconds = elapsed.toNanos() / 1e9;
        return seconds <= 0 ? 0 : ok / seconds;
    }

    /** Returns every error of every kind. */
    public long errors() {
        return connectErrors + timeouts + statusErrors + resets;
    }

    /**
     * Returns the latency at {@code percentile} (0 to 100) in milliseconds, or NaN if no response
     * was recorded.
     */
    public double percentileMillis(double percentile) {
        if (latencyMicros.getTotalCount() == 0) {
            return Double.NaN;
        }
        return latencyMicros.getValueAtPercentile(percentile) / (double) TimeUnit.MILLISECONDS.toMicros(1);
    }

    /** Returns the errors as a short text such as {@code 12 (timeout 10, reset 2)}, or {@code 0}. */
    public String errorSummary() {
        if (errors() == 0) {
            return "0";
        }
        StringBuilder sb = new StringBuilder().append(errors()).append(" (");
        String sep = "";
        if (connectErrors > 0) {
            sb.append(sep).append("connect ").append(connectErrors);
            sep = ", ";
        }
        if (timeouts > 0) {
            sb.append(sep).append("timeout ").append(timeouts);
            sep = ", ";
        }
        if (statusErrors > 0) {
            sb.append(sep).append("status ").append(statusErrors);
            sep = ", ";
        }
        if (resets > 0) {
            sb.append(sep).append("reset ").append(resets);
        }
        return sb.append(')').toString();
    }
}
