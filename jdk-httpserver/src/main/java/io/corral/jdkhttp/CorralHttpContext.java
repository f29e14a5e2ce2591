package io.corral.jdkhttp;

import com.sun.net.httpserver.Authenticator;
import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A context of a {@link CorralHttpServer} (or of the {@link CorralHttpsServer} around one): a path, its handler, its filters, its authenticator and
 * its attributes (shared by every exchange of the context, and separate from each exchange's own).
 *
 * <p>Each exchange runs the user's filters in order, then the authenticator (as the JDK does: user
 * filters first), then the handler; a filter that does not call {@code chain.doFilter} ends the
 * chain there. An authenticator's {@code Retry} or {@code Failure} answers its status with no body
 * and the response headers it set (such as {@code WWW-Authenticate}); its {@code Success} makes the
 * principal the exchange's.
 *
 * <p>Thread-safe: the handler and authenticator are volatile, the filters a copy-on-write list the
 * application may change while requests run, the attributes a concurrent map.
 */
final class CorralHttpContext extends com.sun.net.httpserver.HttpContext {

    private final String path;
    private final HttpServer server; // the server the application holds
    private final List<Filter> filters = new CopyOnWriteArrayList<>();
    private final Map<String, Object> attributes = new ConcurrentHashMap<>();
    private volatile HttpHandler handler;
    private volatile Authenticator authenticator;

    CorralHttpContext(String path, HttpHandler handler, HttpServer server) {
        this.path = path;
        this.handler = handler;
        this.server = server;
    }

    /**
     * Returns the chain {@code owner} runs: the filters, then the authenticator, then the handler
     * (or null if no handler is set).
     */
    Filter.Chain chain(CorralExchange owner) {
        HttpHandler h = handler;
        if (h == null) {
            return null;
        }
        Authenticator auth = authenticator;
        // a filter may pass a wrapper of the exchange down the chain (Filter.adaptRequest does):
        // the principal still belongs to the exchange itself
        HttpHandler last = auth == null ? h : exchange -> authenticate(auth, exchange, h, owner);
        return new Filter.Chain(filters, last);
    }

    private static void authenticate(
            Authenticator auth, HttpExchange exchange, HttpHandler handler, CorralExchange owner) throws IOException {
        Authenticator.Result result = auth.authenticate(exchange);
        if (result instanceof Authenticator.Success success) {
            owner.principal(success.getPrincipal());
            handler.handle(exchange);
        } else if (result instanceof Authenticator.Retry retry) {
            exchange.getRequestBody().close();
            exchange.sendResponseHeaders(retry.getResponseCode(), -1);
        } else if (result instanceof Authenticator.Failure failure) {
            exchange.getRequestBody().close();
            exchange.sendResponseHeaders(failure.getResponseCode(), -1);
        } else {
            throw new IOException("the authenticator returned " + result + ", not Success, Retry or Failure");
        }
    }

    /** Returns true if this context serves {@code requestPath}: same path segments, or a root context. */
    boolean matches(String requestPath) {
        if (path.equals("/")) {
            return true;
        }
        if (!requestPath.startsWith(path)) {
            return false;
        }
        int n = path.length();
        return requestPath.length() == n || path.charAt(n - 1) == '/' || requestPath.charAt(n) == '/';
    }

    @Override
    public HttpHandler getHandler() {
        return handler;
    }

    @Override
    public void setHandler(HttpHandler handler) {
        if (handler == null) {
            throw new NullPointerException("null handler parameter");
        }
        if (this.handler != null) {
            throw new IllegalArgumentException("handler already set");
        }
        this.handler = handler;
    }

    @Override
    public String getPath() {
        return path;
    }

    @Override
    public HttpServer getServer() {
        return server;
    }

    @Override
    public Map<String, Object> getAttributes() {
        return attributes;
    }

    @Override
    public List<Filter> getFilters() {
        return filters;
    }

    @Override
    public Authenticator setAuthenticator(Authenticator auth) {
        Authenticator old = authenticator;
        authenticator = auth;
        return old;
    }

    @Override
    public Authenticator getAuthenticator() {
        return authenticator;
    }
}
