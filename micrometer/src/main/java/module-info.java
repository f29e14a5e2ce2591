/**
 * Optional: binds an {@link io.corral.Arbiter}'s metrics to a Micrometer {@code MeterRegistry}
 * ({@link io.corral.micrometer.CorralMetrics}).
 */
module io.corral.micrometer {
    requires transitive io.corral;
    requires transitive micrometer.core;

    exports io.corral.micrometer;
}
