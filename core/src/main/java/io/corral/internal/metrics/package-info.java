/**
 * The metrics registry behind {@link io.corral.metrics.Metrics} and {@link
 * io.corral.spi.WorkerMetrics}, and its Prometheus text writer. Internal.
 */
package io.corral.internal.metrics;
