package io.corral.jdkhttp;

import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.corral.Arbiter;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.Executor;

/**
 * A JDK {@link HttpsServer} run by a Corral {@link Arbiter}: a {@link CorralHttpServer} (which
 * does the work, as the JDK's own {@code HttpsServerImpl} wraps its server) that serves TLS with
 * the {@link HttpsConfigurator} the application sets. {@link #start()} refuses to start without
 * one, as the javadoc requires ("must have"); then its {@code SSLContext} makes the engine of
 * every connection, its {@code configure} is called for each with the client's address, and every
 * exchange is an {@link com.sun.net.httpserver.HttpsExchange} whose {@code getSSLSession()} is the
 * connection's. Corral keeps TLS 1.3 and 1.2 and ALPN {@code http/1.1} where {@code configure}
 * leaves the context's defaults (see {@link ConfiguratorBridge}).
 *
 * <p>Thread-safe, as {@link CorralHttpServer}.
 */
final class CorralHttpsServer extends HttpsServer {

    private final CorralHttpServer server;

    CorralHttpsServer(DropInSettings settings) {
        this.server = new CorralHttpServer(settings, this);
    }

    /**
     * Sets the configurator whose {@code SSLContext} serves every connection.
     *
     * @throws NullPointerException if {@code config} is null
     * @throws IllegalStateException if the server has been started
     */
    @Override
    public void setHttpsConfigurator(HttpsConfigurator config) {
        server.setHttpsConfigurator(config);
    }

    @Override
    public HttpsConfigurator getHttpsConfigurator() {
        return server.httpsConfigurator();
    }

    @Override
    public void bind(InetSocketAddress addr, int backlog) throws IOException {
        server.bind(addr, backlog);
    }

    /**
     * Starts serving HTTPS; see {@link CorralHttpServer#start()}.
     *
     * @throws IllegalStateException if no {@link HttpsConfigurator} was set, or as {@link
     *     CorralHttpServer#start()}
     */
    @Override
    public void start() {
        server.start();
    }

    @Override
    public void setExecutor(Executor executor) {
        server.setExecutor(executor);
    }

    @Override
    public Executor getExecutor() {
        return server.getExecutor();
    }

    @Override
    public void stop(int delay) {
        server.stop(delay);
    }

    @Override
    public HttpContext createContext(String path, HttpHandler handler) {
        return server.createContext(path, handler);
    }

    @Override
    public HttpContext createContext(String path) {
        return server.createContext(path);
    }

    @Override
    public void removeContext(String path) {
        server.removeContext(path);
    }

    @Override
    public void removeContext(HttpContext context) {
        server.removeContext(context);
    }

    @Override
    public InetSocketAddress getAddress() {
        return server.getAddress();
    }

    /** Returns the Arbiter once started, for tests; null before. */
    Arbiter arbiter() {
        return server.arbiter();
    }
}
