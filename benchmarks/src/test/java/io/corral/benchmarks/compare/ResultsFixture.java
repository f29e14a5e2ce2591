package io.corral.benchmarks.compare;

import java.time.Duration;
import org.HdrHistogram.Histogram;

/** Builds results with known numbers for the report tests. */
final class ResultsFixture {

    private ResultsFixture() {}

    /** A point of {@code ok} responses in 10 s, each latency {@code millis}, with {@code timeouts} errors. */
    static PointResult point(String server, int concurrency, long ok, long millis, long timeouts) {
        Histogram h = new Histogram(60_000_000L, 3);
        for (long i = 0; i < ok; i++) {
            h.recordValue(millis * 1000);
        }
        LoadResult load = new LoadResult(ok, 0, timeouts, 0, 0, Duration.ofSeconds(10), h);
        return new PointResult(server, concurrency, Duration.ofMillis(100), load, 8L * 1024 * 1024, 21, ok * 250_000L);
    }
}
