package io.corral.jdkhttp;

import com.sun.net.httpserver.HttpExchange;
import io.corral.http.AsyncHandler;
import io.corral.http.Request;
import io.corral.http.Response;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Corral application of a started {@link CorralHttpServer}: finds each request's context (404
 * if none), makes its {@link CorralExchange} and hands it to the executor that runs handlers; the
 * stage it returns completes when the exchange's response is known.
 *
 * <p>On an HTTPS server each exchange is shown to the application as a {@link
 * CorralHttpsExchange}, whose {@code getSSLSession()} is the connection's session.
 *
 * <p>It never blocks, so it runs on the async worker's event loop as well as on the blocking
 * models' serving threads. A request whose target is not a URI gets 400 (from the exchange, which
 * parses it off the loop); one whose context has no handler gets 500; one the application's executor refuses gets 503 with {@code Retry-After} and
 * the connection closes (the JDK resets it).
 *
 * <p>Stateless and thread-safe.
 */
final class ExchangeDispatcher implements AsyncHandler {

    private static final Logger LOG = LoggerFactory.getLogger("io.corral.jdkhttp");

    private final CorralHttpServer server;
    private final Executor executor;
    private final InetSocketAddress localAddress;
    private final long sendWaitNanos;
    private final boolean https;

    ExchangeDispatcher(
            CorralHttpServer server,
            Executor executor,
            InetSocketAddress localAddress,
            long sendWaitNanos,
            boolean https) {
        this.server = server;
        this.executor = executor;
        this.localAddress = localAddress;
        this.sendWaitNanos = sendWaitNanos;
        this.https = https;
    }

    @Override
    public CompletionStage<Response> handle(Request request) {
        // little work here: on async this runs on the event loop; the URI is parsed by the exchange
        String path = request.path();
        CorralHttpContext context = path.startsWith("/") ? server.findContext(path) : null;
        if (context == null) {
            return done(Response.text(404, "Not Found: no context found for request\n"));
        }
        if (context.getHandler() == null) {
            return done(Response.text(500, "Internal Server Error: no handler for context\n"));
        }
        CorralExchange exchange = new CorralExchange(request, context, localAddress, sendWaitNanos);
        HttpExchange shown = https
                ? new CorralHttpsExchange(
                        exchange,
                        request.tlsSession()
                                .orElseThrow(() -> new IllegalStateException(
                                        "an HTTPS request without its TLS session: the worker model did not"
                                                + " record it (ConnectionOrigin.tlsEstablished)")))
                : exchange;
        try {
            executor.execute(() -> exchange.run(shown));
        } catch (RejectedExecutionException e) {
            LOG.debug("The executor refused {}: {}", request, e.toString());
            return done(Response.text(503, "Service Unavailable: the executor refused the request\n")
                    .header("Retry-After", "1")
                    .header("Connection", "close"));
        }
        return exchange.result();
    }

    private static CompletionStage<Response> done(Response response) {
        return CompletableFuture.completedFuture(response);
    }
}
