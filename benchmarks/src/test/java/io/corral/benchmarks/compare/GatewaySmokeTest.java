package io.corral.benchmarks.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.testing.Await;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Runs each gateway in this JVM against the slow upstream: the app answers 200
 * after the upstream's latency, through the same load generator the comparison uses.
 */
class GatewaySmokeTest {

    @ParameterizedTest
    @ValueSource(strings = {"sync", "async", "virtual", "netty", "helidon", "jetty"})
    void answersAfterTheUpstream(String server) throws Exception {
        try (SlowUpstream upstream = SlowUpstream.start(Duration.ofMillis(20))) {
            try (GatewayMain.Running gateway =
                            GatewayMain.start(server, new UpstreamClient(upstream.port()), 1, 4, 128);
                    LoadGenerator load = new LoadGenerator(
                            new InetSocketAddress("127.0.0.1", gateway.port()),
                            "/",
                            4,
                            new LoadGenerator.Settings(
                                    Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofMillis(20)))) {
                load.start();
                Await.until("the four connections open", () -> load.connectedCount() == 4);
                load.startMeasuring();
                Await.until(
                        "responses through the gateway",
                        () -> load.measuredSoFar().ok() > 5);
                LoadResult r = load.stopMeasuring();
                assertEquals(0, r.errors(), r.errorSummary());
                assertTrue(r.percentileMillis(50) >= 19.9, "p50 " + r.percentileMillis(50));
            }
        }
    }
}
