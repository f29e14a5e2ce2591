/**
 * Corral's core: the public API ({@code io.corral}, {@code io.corral.http}), the Worker SPI ({@code
 * io.corral.spi}) and, not exported to applications, the one HTTP/1.1 codec and the connection
 * engine that every worker model shares.
 */
module io.corral {
    requires org.slf4j;

    exports io.corral;
    exports io.corral.http;
    exports io.corral.metrics;
    exports io.corral.spi;
    // The codec and the blocking connection engine are shared by the worker modules only.
    exports io.corral.internal.http to
            io.corral.worker.sync,
            io.corral.worker.async,
            io.corral.worker.virtual;
    exports io.corral.internal.server to
            io.corral.worker.sync,
            io.corral.worker.async,
            io.corral.worker.virtual,
            io.corral.jdkhttp; // for CorralThreads: the JDK HttpServer adapter names its threads as Corral does
    exports io.corral.internal.net to
            io.corral.worker.sync,
            io.corral.worker.async,
            io.corral.worker.virtual;
    exports io.corral.internal.tls to
            io.corral.worker.sync,
            io.corral.worker.async,
            io.corral.worker.virtual;

    uses io.corral.spi.WorkerFactory;
}
