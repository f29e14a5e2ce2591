package io.corral.benchmarks.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class ReportsTest {

    private final List<PointResult> results = List.of(
            ResultsFixture.point("sync", 100, 200, 5000, 7), ResultsFixture.point("virtual", 100, 9_500, 104, 0));

    @Test
    void efficiencyIsThroughputOverConcurrencyDividedByLatency() {
        PointResult virtual = results.get(1);
        assertEquals(950.0, virtual.load().requestsPerSecond(), 1e-9);
        assertEquals(1000.0, virtual.littleLimit(), 1e-9);
        assertEquals(0.95, virtual.efficiency(), 1e-9);
        assertEquals(20.0 / 1000.0, results.get(0).efficiency(), 1e-9);
    }

    @Test
    void cpuPerRequestIsTheGatewaysCpuTimeOverTheResponses() {
        assertEquals(250.0, results.get(1).cpuMicrosPerRequest(), 1e-9);
        PointResult unknown =
                new PointResult("x", 1, Duration.ofMillis(100), results.get(1).load(), -1, -1, -1);
        assertTrue(Double.isNaN(unknown.cpuMicrosPerRequest()));
        assertTrue(Reports.table(List.of(unknown)).split("\n")[2].endsWith("-"));
    }

    @Test
    void percentilesAreInMillisecondsAndNaNWhenNothingWasRecorded() {
        assertEquals(104.0, results.get(1).load().percentileMillis(99), 0.1);
        LoadResult empty = new LoadResult(0, 3, 0, 0, 0, Duration.ofSeconds(1), new Histogram(3));
        assertTrue(Double.isNaN(empty.percentileMillis(50)));
        assertEquals("3 (connect 3)", empty.errorSummary());
    }

    @Test
    void correctsCoordinatedOmissionWithTheExpectedInterval() {
        Histogram h = new Histogram(60_000_000L, 3);
        // one closed-loop connection: 9 answers in 100 ms, then one that took 1 s
        for (int i = 0; i < 9; i++) {
            h.recordValueWithExpectedInterval(100_000, 100_000);
        }
        h.recordValueWithExpectedInterval(1_000_000, 100_000);
        // the 1 s stall hid 9 requests that would have waited 900, 800, ..., 100 ms
        assertEquals(19, h.getTotalCount());
        LoadResult r = new LoadResult(10, 0, 0, 0, 0, Duration.ofSeconds(2), h);
        assertEquals(5.0, r.requestsPerSecond(), 1e-9); // throughput counts real responses only
        assertTrue(r.percentileMillis(90) >= 799, "p90 " + r.percentileMillis(90));
    }

    @Test
    void tableAlignsColumnsAndSummarizesErrors() {
        String table = Reports.table(results);
        String[] lines = table.split("\n");
        assertEquals(4, lines.length);
        assertTrue(lines[0].startsWith("server   conc  req/s  eff"), lines[0]);
        assertTrue(lines[2].contains("7 (timeout 7)"), lines[2]);
        assertTrue(lines[3].contains("95%"), lines[3]);
        assertTrue(lines[3].contains("104.1"), lines[3]); // HdrHistogram reports the bucket's top at 3 digits
        assertTrue(lines[3].contains("8.0"), lines[3]); // heap MiB
        assertEquals(lines[2].indexOf("100"), lines[3].indexOf("100"));
    }

    @Test
    void markdownHasAHeaderAlignmentRowAndOneRowPerPoint() {
        String md = Reports.markdown("# Title\n\n", results);
        String[] lines = md.split("\n");
        assertEquals("# Title", lines[0]);
        assertEquals(
                "| server | conc | req/s | eff | p50 ms | p99 ms | p99.9 ms | errors | heap MiB | threads | cpu µs |",
                lines[2]);
        assertEquals("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|", lines[3]);
        assertTrue(lines[5].startsWith("| virtual | 100 | 950 | 95% | 104.1 |"), lines[5]);
        assertEquals(6, lines.length);
    }

    @Test
    void csvHasPlainNumbersAndOneLinePerPoint() {
        String[] lines = Reports.csv(results).split("\n");
        assertEquals(3, lines.length);
        assertTrue(
                lines[0].startsWith("server,concurrency,latency_ms,requests_per_sec,little_limit_per_sec,efficiency"));
        String[] v = lines[2].split(",");
        assertEquals(lines[0].split(",").length, v.length);
        assertEquals("virtual", v[0]);
        assertEquals("100", v[1]);
        assertEquals("100", v[2]);
        assertEquals("950.0", v[3]);
        assertEquals("1000.0", v[4]);
        assertEquals("0.9500", v[5]);
        assertEquals("9500", v[9]);
        assertEquals(Long.toString(8L * 1024 * 1024), v[15]);
        assertEquals("21", v[16]);
        assertEquals("250.0", v[17]);
    }
}
