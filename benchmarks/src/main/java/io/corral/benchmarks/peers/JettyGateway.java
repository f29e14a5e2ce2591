package io.corral.benchmarks.peers;

import io.corral.benchmarks.compare.GatewayMain;
import io.corral.benchmarks.compare.UpstreamClient;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The comparison's gateway app on Jetty 12 core (no servlets): a non-blocking handler that calls
 * {@link UpstreamClient#fetchAsync()} ({@code HttpClient.sendAsync}) and completes Jetty's {@link
 * Callback} when the upstream answers, so a waiting request holds no thread.
 *
 * <p>Threading: Jetty's default {@link QueuedThreadPool} (at most 200 platform threads) runs the
 * connector's {@code workers} selectors and the handler; the handler returns at once.
 */
public final class JettyGateway implements GatewayMain.Running {

    private final Server server;
    private final ServerConnector connector;

    private JettyGateway(Server server, ServerConnector connector) {
        this.server = server;
        this.connector = connector;
    }

    /** Starts the gateway on 127.0.0.1 and a free port. */
    public static JettyGateway start(UpstreamClient upstream, int workers, int backlog) throws Exception {
        QueuedThreadPool pool = new QueuedThreadPool();
        pool.setName("jetty");
        Server server = new Server(pool);
        ServerConnector connector = new ServerConnector(server, 1, workers);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        connector.setAcceptQueueSize(backlog);
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract.NonBlocking() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                upstream.fetchAsync().whenComplete((v, failure) -> {
                    byte[] body = failure == null ? UpstreamClient.GATEWAY_BODY : "upstream failed\n".getBytes();
                    response.setStatus(failure == null ? 200 : 502);
                    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain");
                    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
                    response.write(true, ByteBuffer.wrap(body), callback);
                });
                return true;
            }
        });
        server.start();
        return new JettyGateway(server, connector);
    }

    @Override
    public int port() {
        return connector.getLocalPort();
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            // stopping anyway
        }
    }
}
