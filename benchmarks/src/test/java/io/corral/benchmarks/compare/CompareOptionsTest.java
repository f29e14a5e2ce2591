package io.corral.benchmarks.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class CompareOptionsTest {

    @Test
    void defaultsRunTheThreeModelsOverTheDocumentedSweep() {
        CompareOptions o = CompareOptions.defaults();
        assertEquals(List.of("sync", "async", "virtual"), o.servers());
        assertEquals(List.of(10, 100, 1000, 5000), o.sweep());
        assertEquals(Duration.ofMillis(100), o.latency());
        assertEquals(Duration.ofSeconds(7), o.duration());
        assertEquals(Duration.ofSeconds(3), o.warmup());
        assertEquals(Runtime.getRuntime().availableProcessors(), o.workers());
        assertEquals(1, o.syncThreads());
        assertEquals(Path.of("target/compare"), o.out());
        assertFalse(o.peers());
        assertFalse(o.help());
    }

    @Test
    void parsesEveryOptionInBothForms() {
        CompareOptions o = CompareOptions.parse(
                "--models=virtual,sync",
                "--sweep",
                "5, 50",
                "--latency-ms",
                "250",
                "--duration",
                "1500ms",
                "--warmup=0",
                "--workers",
                "3",
                "--sync-threads",
                "16",
                "--request-timeout",
                "1m",
                "--out",
                "/tmp/x",
                "--peers");
        assertEquals(List.of("virtual", "sync", "netty", "helidon", "jetty"), o.servers());
        assertEquals(List.of(5, 50), o.sweep());
        assertEquals(Duration.ofMillis(250), o.latency());
        assertEquals(Duration.ofMillis(1500), o.duration());
        assertEquals(Duration.ZERO, o.warmup());
        assertEquals(3, o.workers());
        assertEquals(16, o.syncThreads());
        assertEquals(Duration.ofMinutes(1), o.requestTimeout());
        assertEquals(Path.of("/tmp/x"), o.out());
    }

    @Test
    void peersMayBeNamedAsModelsWithoutRepeating() {
        CompareOptions o = CompareOptions.parse("--models", "netty,virtual", "--peers");
        assertEquals(List.of("netty", "virtual", "helidon", "jetty"), o.servers());
    }

    @Test
    void helpNeedsNoOtherOption() {
        assertTrue(CompareOptions.parse("--help").help());
        assertTrue(CompareOptions.helpText().contains("--sync-threads"));
    }

    @Test
    void parsesDurationsInSecondsOrWithAUnit() {
        assertEquals(Duration.ofSeconds(10), CompareOptions.duration("--d", "10"));
        assertEquals(Duration.ofMillis(500), CompareOptions.duration("--d", "0.5"));
        assertEquals(Duration.ofSeconds(10), CompareOptions.duration("--d", "10s"));
        assertEquals(Duration.ofMillis(250), CompareOptions.duration("--d", "250ms"));
        assertEquals(Duration.ofSeconds(90), CompareOptions.duration("--d", "1.5m"));
    }

    @Test
    void refusesBadInputWithAMessageNamingTheOption() {
        assertMessage("unknown option --bogus", "--bogus", "1");
        assertMessage("--sweep: 'ten' is not a whole number", "--sweep", "ten");
        assertMessage("--sweep: 0 is not a concurrency", "--sweep", "0");
        assertMessage("--models: 'gevent' is not a server", "--models", "gevent");
        assertMessage("--duration: 'soon' is not a duration", "--duration", "soon");
        assertMessage("--duration: must be above zero", "--duration", "0");
        assertMessage("--workers: 0 is not from 1 to 4096", "--workers", "0");
        assertMessage("--out needs a value", "--out");
        assertMessage("expected an option such as --sweep, got 'sync'", "sync");
    }

    private static void assertMessage(String expected, String... args) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CompareOptions.parse(args));
        assertTrue(e.getMessage().contains(expected), () -> "message was: " + e.getMessage());
    }
}
