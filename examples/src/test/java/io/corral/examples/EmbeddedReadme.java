package io.corral.examples;

import io.corral.Arbiter;
import io.corral.Config;
import io.corral.http.Response;

/**
 * The README's embedding example, verbatim but for three settings that come from system
 * properties ({@code corral.bind}, {@code corral.worker_class}, {@code corral.max_requests}), so
 * that {@link EmbeddedLifetimeTest} can run it on a free port, with each model, recycling workers.
 * As in the README, {@code main} returns right after {@code start()}: from then on only Corral's
 * own threads keep the JVM running. {@link EmbeddedLifetimeTest#embeddedReadmeIsTheReadmeExample}
 * keeps the two in step.
 */
public final class EmbeddedReadme {
    public static void main(String[] args) throws Exception {
        Arbiter arbiter = Arbiter.builder()
                .config(Config.builder()
                        .bind(System.getProperty("corral.bind"))
                        .workerClass(System.getProperty("corral.worker_class"))
                        .maxRequests(Integer.getInteger("corral.max_requests", 0))
                        .build())
                .handler(request ->
                        Response.ok("Hello, " + request.queryParam("name").orElse("World")))
                .start(); // returns once workers accept
        Runtime.getRuntime().addShutdownHook(new Thread(arbiter::close)); // graceful on SIGTERM
    }
}
