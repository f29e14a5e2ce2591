package io.corral;

/**
 * What a worker that already holds {@code worker_connections} connections does with one more.
 */
public enum OverloadPolicy {
    /**
     * Stop accepting until a connection closes; new clients wait in the kernel's listen backlog,
     * where another worker may pick them up (gunicorn's behaviour). Nothing is refused until the
     * backlog itself is full.
     */
    BACKLOG,
    /**
     * Accept, answer {@code 503 Service Unavailable} with {@code Retry-After: 1} and close at once,
     * so that a load balancer can retry elsewhere instead of waiting (uvicorn's {@code
     * limit_concurrency}).
     */
    REJECT
}
