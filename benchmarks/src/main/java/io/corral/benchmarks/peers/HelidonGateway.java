package io.corral.benchmarks.peers;

import io.corral.benchmarks.compare.GatewayMain;
import io.corral.benchmarks.compare.UpstreamClient;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;

/**
 * The comparison's gateway app on Helidon 4 SE: Helidon runs every connection on a virtual
 * thread, so the handler is plain blocking code that calls {@link UpstreamClient#fetch()} ({@code
 * HttpClient.send}), as on Corral's virtual worker.
 *
 * <p>Defaults but the address and the backlog: no connection or concurrency limit.
 */
public final class HelidonGateway implements GatewayMain.Running {

    private final WebServer server;

    private HelidonGateway(WebServer server) {
        this.server = server;
    }

    /** Starts the gateway on 127.0.0.1 and a free port. */
    public static HelidonGateway start(UpstreamClient upstream, int backlog) {
        WebServer server = WebServer.builder()
                .host("127.0.0.1")
                .port(0)
                .backlog(backlog)
                .routing(routing -> routing.any((req, res) -> {
                    try {
                        upstream.fetch();
                        res.status(Status.OK_200);
                        res.header(HeaderNames.CONTENT_TYPE, "text/plain");
                        res.send(UpstreamClient.GATEWAY_BODY);
                    } catch (java.io.IOException e) {
                        res.status(Status.BAD_GATEWAY_502).send("upstream failed\n");
                    }
                }))
                .build()
                .start();
        return new HelidonGateway(server);
    }

    @Override
    public int port() {
        return server.port();
    }

    @Override
    public void close() {
        server.stop();
    }
}
