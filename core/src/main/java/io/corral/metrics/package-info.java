/**
 * The server's own metrics, kept with no dependency: {@link io.corral.metrics.Metrics} (from
 * {@link io.corral.Arbiter#metrics()}, served by {@code metrics_path}), its {@link
 * io.corral.metrics.Meter}s, and the label values that are part of the contract ({@link
 * io.corral.metrics.Rejection}, {@link io.corral.metrics.CloseReason}).
 *
 * <pre>
 *   serving threads ──record──► MetricsRegistry (LongAdders, no lock) ◄──read── scrape, Micrometer
 *      (Account: requests; ConnectionOrigin: rejections, closes; WorkerSlot: connections, timeouts)
 * </pre>
 */
package io.corral.metrics;
