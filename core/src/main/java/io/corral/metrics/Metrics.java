package io.corral.metrics;

import java.util.List;
import java.util.function.Consumer;

/**
 * The meters of one {@link io.corral.Arbiter}, kept by the server itself with no dependency:
 * {@link io.corral.Arbiter#metrics()} returns them, {@code metrics_path} serves them, and the
 * optional {@code corral-micrometer} module binds them to a Micrometer registry.
 *
 * <pre>{@code
 * String scrape = arbiter.metrics().prometheusText();
 * // http_server_request_duration_seconds_count{http_request_method="GET",url_scheme="http",http_response_status_code="200"} 42
 * }</pre>
 *
 * <p>The HTTP series follow the OpenTelemetry HTTP server conventions: {@code
 * http.server.request.duration} (a histogram in seconds, with the advised buckets, labelled by
 * {@code http.request.method} (unknown methods as {@code _OTHER}), {@code url.scheme} and {@code
 * http.response.status_code}, or {@code error.type} for a request lost before it was answered) and
 * {@code http.server.active_requests}. No label carries a path, so the number of series is bounded
 * whatever clients send. The {@code corral.*} series count connections (open, accepted, closed by
 * {@link CloseReason}), {@link Rejection}s, requests aborted past {@code timeout}, worker restarts
 * by reason, workers by state and readiness; the Prometheus text adds one series per live worker.
 *
 * <p>Recording never takes a lock (striped adders); reading is lock-free and may see a request
 * half-recorded. Thread-safe.
 */
public interface Metrics {

    /** The content type of {@link #prometheusText()}: the Prometheus text format 0.0.4. */
    String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    /** Returns every series in the Prometheus text exposition format. */
    String prometheusText();

    /** Returns the meters that exist now (a series appears the first time it is recorded). */
    List<Meter> meters();

    /**
     * Calls {@code listener} with every meter that exists now and, from then on, with each new one
     * as it appears, on the thread that records it (keep it short). For binders, such as
     * {@code corral-micrometer}'s, that must see series created later.
     */
    void onMeter(Consumer<Meter> listener);
}
