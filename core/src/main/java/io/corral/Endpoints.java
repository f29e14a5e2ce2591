package io.corral;

import io.corral.http.AsyncHandler;
import io.corral.http.Handler;
import io.corral.http.Request;
import io.corral.http.Response;
import io.corral.metrics.Metrics;
import io.corral.spi.Application;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

/**
 * The endpoints the workers answer before the application: {@code health_path} (liveness: 200
 * while the Arbiter runs), {@code readiness_path} (200 until shutdown begins, then 503, through
 * {@code shutdown_delay} and the drain) and {@code metrics_path} (the Prometheus text). They wrap
 * the application, so every worker model answers them the same way, and they are requests like any
 * other: counted, logged and seen by the request hooks. {@code GET} and {@code HEAD} only; another
 * method gets 405. Stateless apart from what it reads; thread-safe.
 */
final class Endpoints {

    private final Optional<String> health;
    private final Optional<String> readiness;
    private final Optional<String> metricsPath;
    private final BooleanSupplier ready;
    private final Metrics metrics;

    private Endpoints(Config config, BooleanSupplier ready, Metrics metrics) {
        this.health = config.healthPath();
        this.readiness = config.readinessPath();
        this.metricsPath = config.metricsPath();
        this.ready = ready;
        this.metrics = metrics;
    }

    /** Returns {@code app} with the configured endpoints in front, or {@code app} itself if there are none. */
    static Application wrap(Application app, Config config, BooleanSupplier ready, Metrics metrics) {
        if (config.healthPath().isEmpty()
                && config.readinessPath().isEmpty()
                && config.metricsPath().isEmpty()) {
            return app;
        }
        Endpoints e = new Endpoints(config, ready, metrics);
        return switch (app) {
            case Application.Blocking b -> {
                Handler inner = b.handler();
                yield Application.of((Handler) request -> {
                    Response r = e.answer(request);
                    return r != null ? r : inner.handle(request);
                });
            }
            case Application.Async a -> {
                AsyncHandler inner = a.handler();
                yield Application.of((AsyncHandler) request -> {
                    Response r = e.answer(request);
                    return r != null ? CompletableFuture.completedFuture(r) : inner.handle(request);
                });
            }
        };
    }

    /** Returns the endpoint's response, or null if the request is the application's. */
    Response answer(Request request) {
        String path = request.path();
        boolean isHealth = health.isPresent() && health.get().equals(path);
        boolean isReady = readiness.isPresent() && readiness.get().equals(path);
        boolean isMetrics = metricsPath.isPresent() && metricsPath.get().equals(path);
        if (!isHealth && !isReady && !isMetrics) {
            return null;
        }
        String method = request.method();
        if (!method.equals("GET") && !method.equals("HEAD")) {
            return Response.text(405, "Method Not Allowed\n").header("Allow", "GET, HEAD");
        }
        if (isMetrics) {
            return Response.of(200)
                    .contentType(Metrics.CONTENT_TYPE)
                    .header("Cache-Control", "no-store")
                    .body(metrics.prometheusText());
        }
        if (isHealth) {
            return Response.text(200, "ok\n").header("Cache-Control", "no-store");
        }
        return ready.getAsBoolean()
                ? Response.text(200, "ready\n").header("Cache-Control", "no-store")
                : Response.text(503, "shutting down\n").header("Cache-Control", "no-store");
    }
}
