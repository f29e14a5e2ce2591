package io.corral.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.Arbiter;
import io.corral.Config;
import io.corral.testing.Await;
import io.corral.testing.HttpSuite;
import io.corral.testing.RawClient;
import io.corral.testing.TestApp;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class CorralMetricsTest {

    @Test
    void bindsTheSameMetersBeforeStartAndSeesSeriesThatAppearLater() throws Exception {
        Config config =
                HttpSuite.loopbackSettings("virtual").limitRequestLine(100).build();
        Arbiter a = Arbiter.builder().config(config).handler(new TestApp()).build();
        SimpleMeterRegistry early = new SimpleMeterRegistry();
        new CorralMetrics(a).bindTo(early); // before start: the trap of binders that read once
        a.start();
        try {
            int k = 25;
            try (RawClient c = RawClient.connect(a.port())) {
                for (int i = 0; i < k; i++) {
                    assertEquals(200, c.get("/hello").read().status());
                }
                // on the same kept-alive connection: the error of a later request is answered too
                c.send("GET /" + "x".repeat(200) + " HTTP/1.1\r\nHost: t\r\n\r\n");
                assertEquals(414, c.read().status());
            }
            SimpleMeterRegistry late = new SimpleMeterRegistry();
            new CorralMetrics(a).bindTo(late); // after: the series that exist already are there too
            for (SimpleMeterRegistry registry : new SimpleMeterRegistry[] {early, late}) {
                Await.until(
                        "the requests are recorded",
                        () -> timer(registry) != null && timer(registry).count() == k);
                FunctionTimer t = timer(registry);
                assertTrue(t.totalTime(TimeUnit.SECONDS) > 0);
                FunctionCounter rejected = registry.find("corral.rejections")
                        .tag("reason", "limit_request_line")
                        .functionCounter();
                assertNotNull(rejected);
                assertEquals(1.0, rejected.count());
                assertEquals(
                        1.0,
                        registry.find("corral.connections.accepted")
                                .functionCounter()
                                .count());
                assertEquals(1.0, registry.find("corral.ready").gauge().value());
            }
        } finally {
            a.shutdown(Duration.ofSeconds(5));
        }
        assertEquals(0.0, early.find("corral.ready").gauge().value(), "gauges read the live value");
    }

    private static FunctionTimer timer(SimpleMeterRegistry registry) {
        return registry.find("http.server.request.duration")
                .tag("http.request.method", "GET")
                .tag("http.response.status_code", "200")
                .functionTimer();
    }
}
