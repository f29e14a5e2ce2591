package io.corral.spi;

import io.corral.metrics.Rejection;

/**
 * What a worker records for the Arbiter's {@link io.corral.metrics.Metrics}, beyond the
 * accounting of {@link WorkerContext}. Core's shared exchange rules call most of it; a worker calls
 * {@link #rejected} where it refuses a connection of its own accord (a full worker's 503).
 *
 * <p>Thread-safe, lock-free and cheap: called on the request path of every model.
 */
public interface WorkerMetrics {

    /** Records that the server refused a request or a connection itself, for {@code reason}. */
    void rejected(Rejection reason);

    /** Records that a request entered the application: {@code http.server.active_requests} rises. */
    void requestStarted(String method, String scheme);

    /**
     * Records a finished request in {@code http.server.request.duration}.
     *
     * @param status the status sent, or 0 if the connection was lost before one was
     * @param durationNanos from its head's arrival to its end
     * @param started whether {@link #requestStarted} was called for it (it then leaves the active ones)
     */
    void requestEnded(String method, String scheme, int status, long durationNanos, boolean started);
}
