package io.corral.benchmarks.peers;

import io.corral.benchmarks.compare.GatewayMain;
import io.corral.benchmarks.compare.UpstreamClient;

/**
 * The comparison's gateway app on Netty: each request calls the upstream with {@link
 * UpstreamClient#fetchAsync()} ({@code HttpClient.sendAsync}) and is answered from the stage, so
 * a waiting request holds a future, as on Corral's async worker.
 *
 * <p>Threading: one accepting loop and {@code workers} serving loops; HttpClient completions are
 * written back through the channel, which hops onto its loop.
 */
public final class NettyGateway implements GatewayMain.Running {

    private final NettyHttpServer server;

    private NettyGateway(NettyHttpServer server) {
        this.server = server;
    }

    /** Starts the gateway on 127.0.0.1 and a free port. */
    public static NettyGateway start(UpstreamClient upstream, int workers, int backlog) throws InterruptedException {
        NettyHttpServer.Reply ok = new NettyHttpServer.Reply(200, "text/plain", UpstreamClient.GATEWAY_BODY);
        return new NettyGateway(NettyHttpServer.start(
                "127.0.0.1",
                0,
                workers,
                backlog,
                (request, loop) -> upstream.fetchAsync().thenApply(v -> ok)));
    }

    @Override
    public int port() {
        return server.port();
    }

    @Override
    public void close() {
        server.close();
    }
}
