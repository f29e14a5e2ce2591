package io.corral.jdkhttp;

import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import io.corral.Arbiter;
import io.corral.Config;
import io.corral.internal.server.CorralThreads;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A JDK {@link HttpServer} run by a Corral {@link Arbiter}: {@code create}/{@code bind} bind the
 * listening socket at once (so {@link #getAddress()} tells the port, and a taken port fails there),
 * {@link #start()} starts the Arbiter on it, {@link #stop(int)} is Corral's graceful shutdown with
 * {@code delay} as its grace: the listener closes, exchanges in flight finish (told to close their
 * connections), idle connections close, and whatever still runs after {@code delay} seconds is
 * aborted.
 *
 * <p>Contexts match by path segments, the longest winning: {@code /foo} serves {@code /foo},
 * {@code /foo/} and {@code /foo/bar}, not {@code /foobar} (the JDK's default from JDK 27; earlier
 * JDKs match plain string prefixes).
 *
 * <p>It is also the engine of a {@link CorralHttpsServer}, which the application holds instead
 * (contexts then report that one as their server): {@link #start()} then needs an {@link
 * HttpsConfigurator} and serves TLS with its {@code SSLContext}, calling its {@code configure}
 * for each connection ({@link ConfiguratorBridge}), and each exchange is a {@link
 * CorralHttpsExchange}.
 *
 * <p>Thread-safe: the lifecycle is guarded by {@code lock}; contexts are a copy-on-write list read
 * by every request without locking.
 */
final class CorralHttpServer extends HttpServer {

    private enum State {
        NEW,
        BOUND,
        STARTED,
        STOPPED
    }

    private final DropInSettings settings;
    private final HttpServer facade; // the server the application holds: this, or the HttpsServer around it
    private final boolean https;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile List<CorralHttpContext> contexts = List.of(); // replaced whole under lock

    // guarded by lock
    private State state = State.NEW;
    private ServerSocketChannel listener;
    private InetSocketAddress address;
    private Executor executor;
    private Arbiter arbiter;
    private ExecutorService dispatcher; // the default executor: one thread, one exchange at a time
    private HttpsConfigurator httpsConfigurator; // HTTPS only; required by start()

    /** A plain HTTP server. */
    CorralHttpServer(DropInSettings settings) {
        this.settings = settings;
        this.facade = this;
        this.https = false;
    }

    /** The engine of {@code facade}, an HTTPS server. */
    CorralHttpServer(DropInSettings settings, CorralHttpsServer facade) {
        this.settings = settings;
        this.facade = facade;
        this.https = true;
    }

    @Override
    public void bind(InetSocketAddress addr, int backlog) throws IOException {
        Objects.requireNonNull(addr, "null address");
        lock.lock();
        try {
            if (state != State.NEW) {
                throw new BindException("HttpServer already bound");
            }
            ServerSocketChannel channel = ServerSocketChannel.open();
            try {
                channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                channel.bind(addr, settings.backlog(backlog));
            } catch (IOException e) {
                channel.close();
                throw e;
            }
            listener = channel;
            address = (InetSocketAddress) channel.getLocalAddress();
            state = State.BOUND;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Starts the Arbiter on the bound socket with the {@code corral.*} settings; returns once the
     * workers accept.
     *
     * @throws IllegalStateException if the server is not bound, or was started or stopped before;
     *     or, for HTTPS, if no {@link HttpsConfigurator} was set
     * @throws io.corral.ConfigException if the worker model is not available (or, for HTTPS, does
     *     not serve TLS), naming it
     * @throws UncheckedIOException if the workers cannot start
     */
    @Override
    public void start() {
        lock.lock();
        try {
            if (state != State.BOUND) {
                throw new IllegalStateException(
                        "server in wrong state: " + state.name().toLowerCase());
            }
            HttpsConfigurator tls = httpsConfigurator;
            if (https && tls == null) {
                throw new IllegalStateException("HttpsServer has no HttpsConfigurator: call"
                        + " setHttpsConfigurator(new HttpsConfigurator(sslContext)) before start()");
            }
            Config config = settings.config(bindText(address));
            Executor runs;
            if (settings.executor() == DropInSettings.Execution.WORKER) {
                runs = task ->
                        CorralThreads.virtual("corral-jdkhttp-exchange", task).start();
            } else if (executor != null) {
                runs = executor;
            } else {
                dispatcher = new ThreadPoolExecutor(
                        1,
                        1,
                        0,
                        TimeUnit.SECONDS,
                        new LinkedBlockingQueue<>(),
                        CorralThreads.workerFactory("corral-jdkhttp-dispatcher-"));
                runs = dispatcher;
            }
            long sendWait = config.hasTimeout() ? config.timeout().toNanos() : 0;
            ExchangeDispatcher app = new ExchangeDispatcher(this, runs, address, sendWait, https);
            try {
                Arbiter.Builder b =
                        Arbiter.builder().config(config).listener(listener).asyncHandler(app);
                if (tls != null) {
                    b.tls(tls.getSSLContext(), new ConfiguratorBridge(tls));
                }
                arbiter = b.start();
            } catch (IOException e) {
                stopDispatcher();
                throw new UncheckedIOException("Corral could not start the HttpServer: " + e.getMessage(), e);
            } catch (RuntimeException e) {
                stopDispatcher();
                throw e;
            }
            state = State.STARTED;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void setExecutor(Executor executor) {
        lock.lock();
        try {
            if (state == State.STARTED || arbiter != null) {
                throw new IllegalStateException("server already started");
            }
            this.executor = executor;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Sets the HTTPS configurator: its {@code SSLContext} serves every connection, its {@code
     * configure} is called for each. HTTPS only.
     *
     * @throws NullPointerException if {@code configurator} is null
     * @throws IllegalStateException if the server has been started
     */
    void setHttpsConfigurator(HttpsConfigurator configurator) {
        if (configurator == null) {
            throw new NullPointerException("null HttpsConfigurator");
        }
        lock.lock();
        try {
            if (state == State.STARTED || arbiter != null) {
                throw new IllegalStateException("server already started");
            }
            this.httpsConfigurator = configurator;
        } finally {
            lock.unlock();
        }
    }

    /** Returns the HTTPS configurator set, or null. */
    HttpsConfigurator httpsConfigurator() {
        lock.lock();
        try {
            return httpsConfigurator;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Executor getExecutor() {
        lock.lock();
        try {
            return executor;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Stops the server: Corral's graceful shutdown with {@code delay} seconds of grace. Returns
     * once every exchange finished and every connection closed, or after about {@code delay}
     * seconds. A server stopped before it started just closes its socket.
     *
     * @throws IllegalArgumentException if {@code delay} is negative
     */
    @Override
    public void stop(int delay) {
        if (delay < 0) {
            throw new IllegalArgumentException("negative delay parameter");
        }
        Arbiter running;
        ServerSocketChannel unused;
        lock.lock();
        try {
            if (state == State.STOPPED) {
                return;
            }
            running = arbiter;
            unused = running == null ? listener : null;
            state = State.STOPPED;
        } finally {
            lock.unlock();
        }
        if (running != null) {
            running.shutdown(Duration.ofSeconds(delay));
        }
        if (unused != null) {
            try {
                unused.close();
            } catch (IOException e) {
                // nothing was served on it
            }
        }
        lock.lock();
        try {
            stopDispatcher();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public HttpContext createContext(String path, HttpHandler handler) {
        Objects.requireNonNull(handler, "null handler");
        return addContext(path, handler);
    }

    @Override
    public HttpContext createContext(String path) {
        return addContext(path, null);
    }

    private HttpContext addContext(String path, HttpHandler handler) {
        Objects.requireNonNull(path, "null path");
        if (path.isEmpty() || path.charAt(0) != '/') {
            throw new IllegalArgumentException("Illegal value for path: it must start with '/': '" + path + "'");
        }
        lock.lock();
        try {
            for (CorralHttpContext c : contexts) {
                if (c.getPath().equals(path)) {
                    throw new IllegalArgumentException("cannot add context to list: '" + path + "' exists already");
                }
            }
            CorralHttpContext context = new CorralHttpContext(path, handler, facade);
            List<CorralHttpContext> next = new ArrayList<>(contexts);
            next.add(context);
            contexts = List.copyOf(next);
            return context;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void removeContext(String path) {
        Objects.requireNonNull(path, "null path");
        lock.lock();
        try {
            List<CorralHttpContext> next = new ArrayList<>(contexts);
            if (!next.removeIf(c -> c.getPath().equals(path))) {
                throw new IllegalArgumentException("cannot remove element from list: no context at '" + path + "'");
            }
            contexts = List.copyOf(next);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void removeContext(HttpContext context) {
        Objects.requireNonNull(context, "null context");
        lock.lock();
        try {
            List<CorralHttpContext> next = new ArrayList<>(contexts);
            if (!next.remove(context)) {
                throw new IllegalArgumentException("no such context in list");
            }
            contexts = List.copyOf(next);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public InetSocketAddress getAddress() {
        lock.lock();
        try {
            return address;
        } finally {
            lock.unlock();
        }
    }

    /** Returns the context whose path is the longest that matches {@code path} by segments, or null. */
    CorralHttpContext findContext(String path) {
        CorralHttpContext best = null;
        for (CorralHttpContext c : contexts) {
            if (c.matches(path)
                    && (best == null || c.getPath().length() > best.getPath().length())) {
                best = c;
            }
        }
        return best;
    }

    /** Returns the Arbiter once started, for tests; null before. */
    Arbiter arbiter() {
        lock.lock();
        try {
            return arbiter;
        } finally {
            lock.unlock();
        }
    }

    private void stopDispatcher() {
        if (dispatcher != null) {
            dispatcher.shutdownNow();
            dispatcher = null;
        }
    }

    private static String bindText(InetSocketAddress address) {
        String host = address.getAddress().getHostAddress();
        if (address.getAddress() instanceof Inet6Address) {
            int zone = host.indexOf('%');
            host = "[" + (zone < 0 ? host : host.substring(0, zone)) + "]";
        }
        return host + ":" + address.getPort();
    }
}
