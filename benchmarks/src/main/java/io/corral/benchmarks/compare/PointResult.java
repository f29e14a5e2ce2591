package io.corral.benchmarks.compare;

import java.time.Duration;

/**
 * One measured point of the comparison: a server at a concurrency, what the load generator saw
 * and what the gateway's JVM held at the end of the window.
 *
 * @param server the worker model or peer, such as {@code virtual} or {@code netty}
 * @param concurrency the connections kept busy (after any clipping)
 * @param latency the upstream latency, the L of Little's law
 * @param load what the load generator measured
 * @param heapBytes the gateway's heap used after a full GC at the end of the window, or -1 if unknown
 * @param threads the gateway JVM's peak live platform threads during the point, or -1 if unknown
 * @param cpuNanos the CPU time the gateway JVM used during the window (all threads), or -1 if unknown
 */
public record PointResult(
        String server, int concurrency, Duration latency, LoadResult load, long heapBytes, int threads, long cpuNanos) {

    /** Returns the Little's-law limit: {@code concurrency / latency} requests per second. */
    public double littleLimit() {
        return littleLimit(concurrency, latency);
    }

    /** Returns {@code concurrency / latency} in requests per second. */
    public static double littleLimit(int concurrency, Duration latency) {
        return concurrency / (latency.toNanos() / 1e9);
    }

    /**
     * Returns the gateway's CPU time per 200 response in microseconds, or NaN if unknown or nothing
     * was answered: what one request costs the server, whatever else shares the machine.
     */
    public double cpuMicrosPerRequest() {
        if (cpuNanos < 0 || load.ok() == 0) {
            return Double.NaN;
        }
        return cpuNanos / 1000.0 / load.ok();
    }

    /** Returns the measured throughput as a fraction of {@link #littleLimit()} (1.0 is the limit). */
    public double efficiency() {
        return load.requestsPerSecond() / littleLimit();
    }
}
