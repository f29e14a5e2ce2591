/** Corral's metrics on a Micrometer {@code MeterRegistry}: {@link io.corral.micrometer.CorralMetrics}. */
package io.corral.micrometer;
