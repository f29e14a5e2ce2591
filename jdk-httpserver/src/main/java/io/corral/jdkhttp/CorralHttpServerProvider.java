package io.corral.jdkhttp;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsServer;
import com.sun.net.httpserver.spi.HttpServerProvider;
import io.corral.ConfigException;
import io.corral.Setting;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Properties;

/**
 * The {@code com.sun.net.httpserver} provider that runs {@link HttpServer}s on Corral: the JDK
 * finds it through {@code ServiceLoader} when this module is on the class path or module path (or
 * through {@code -Dcom.sun.net.httpserver.HttpServerProvider=io.corral.jdkhttp.CorralHttpServerProvider}),
 * and from then on {@code HttpServer.create(...)} returns a server whose exchanges the Corral
 * Arbiter serves, unchanged application code included.
 *
 * <p>Settings come from system properties, read when a server is created: every Corral setting as
 * {@code corral.<setting>} ({@code -Dcorral.worker_class=async -Dcorral.workers=2
 * -Dcorral.timeout=30s}), checked with the same messages as {@link io.corral.Config}; the
 * drop-in's default worker model is {@code virtual}. The address and backlog are the application's
 * ({@code create} or {@code bind}); a backlog of 0 or less means {@code corral.backlog} (2048).
 * {@code corral.executor} says who runs the handlers: {@code application} (the default: the
 * executor the application set with {@code setExecutor}, or one server thread running one exchange
 * at a time if it set none, as the JDK does) or {@code worker} (the application's executor is
 * ignored and the worker model runs every exchange as soon as it takes the request: thousands wait
 * at once on {@code virtual} or {@code async}).
 *
 * <p>{@link #createHttpsServer} returns an {@link HttpsServer} that serves TLS with the {@code
 * SSLContext} of the {@code HttpsConfigurator} the application sets (it must set one before {@code
 * start()}), calling its {@code configure} for each connection; handlers get {@code HttpsExchange}s.
 *
 * <p>Stateless and thread-safe; the JDK keeps one instance per JVM.
 */
public final class CorralHttpServerProvider extends HttpServerProvider {

    /** Creates the provider; the JDK calls this, through {@code ServiceLoader} or reflection. */
    public CorralHttpServerProvider() {}

    /**
     * Creates a server with the settings in the system properties, bound to {@code addr} unless it
     * is null (then {@link HttpServer#bind} binds it).
     *
     * @throws io.corral.ConfigException if a {@code corral.*} system property is bad, naming it
     * @throws java.net.BindException if {@code addr} cannot be bound
     */
    @Override
    public HttpServer createHttpServer(InetSocketAddress addr, int backlog) throws IOException {
        return create(System.getProperties(), addr, backlog);
    }

    /**
     * Creates an HTTPS server with the settings in the system properties, bound to {@code addr}
     * unless it is null (then {@link HttpServer#bind} binds it). Its TLS comes from the {@code
     * HttpsConfigurator} the application sets before {@code start()}.
     *
     * @throws io.corral.ConfigException if a {@code corral.*} system property is bad, or names
     *     certificate files ({@code corral.certfile}, {@code corral.keystore}): an HttpsServer's
     *     certificate is its configurator's
     * @throws java.net.BindException if {@code addr} cannot be bound
     */
    @Override
    public HttpsServer createHttpsServer(InetSocketAddress addr, int backlog) throws IOException {
        return createHttps(System.getProperties(), addr, backlog);
    }

    /** Creates a server with the settings in {@code properties}; the tests' way to pick a worker model. */
    static CorralHttpServer create(Properties properties, InetSocketAddress addr, int backlog) throws IOException {
        CorralHttpServer server = new CorralHttpServer(DropInSettings.from(properties));
        if (addr != null) {
            server.bind(addr, backlog);
        }
        return server;
    }

    /** Creates an HTTPS server with the settings in {@code properties}; the tests' way to pick a worker model. */
    static CorralHttpsServer createHttps(Properties properties, InetSocketAddress addr, int backlog)
            throws IOException {
        DropInSettings settings = DropInSettings.from(properties);
        if (settings.base().tlsEnabled()) {
            Setting file = settings.base().certfile().isPresent() ? Setting.CERTFILE : Setting.KEYSTORE;
            throw new ConfigException(
                    DropInSettings.PREFIX + file.key() + ": '" + settings.base().valueOf(file)
                            + "' is not allowed for an HttpsServer: its certificate is the SSLContext of the"
                            + " HttpsConfigurator the application sets");
        }
        CorralHttpsServer server = new CorralHttpsServer(settings);
        if (addr != null) {
            server.bind(addr, backlog);
        }
        return server;
    }
}
