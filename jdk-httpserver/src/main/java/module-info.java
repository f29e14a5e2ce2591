/**
 * Corral as a {@code com.sun.net.httpserver} provider: with this module (and a worker module) on
 * the class path or module path, {@code HttpServer.create(...)} returns a server that the Corral
 * Arbiter runs, on any worker model, with Corral's limits, timeouts and graceful drain. Settings
 * come from system properties {@code corral.<setting>}; see {@link
 * io.corral.jdkhttp.CorralHttpServerProvider}.
 */
module io.corral.jdkhttp {
    requires transitive jdk.httpserver;
    requires io.corral;
    requires org.slf4j;

    // the JDK instantiates the provider reflectively when -Dcom.sun.net.httpserver.HttpServerProvider names it
    exports io.corral.jdkhttp;

    provides com.sun.net.httpserver.spi.HttpServerProvider with
            io.corral.jdkhttp.CorralHttpServerProvider;
}
