package io.corral.spi;

import io.corral.Config;
import io.corral.ConfigException;

/**
 * Creates the workers of one worker model; found through {@link java.util.ServiceLoader} and
 * chosen by {@link #name()} matching the {@code worker_class} setting.
 *
 * <p>This is how Corral's own worker modules plug in: {@code corral-worker-sync}, {@code
 * corral-worker-async} and {@code corral-worker-virtual} each provide one, with {@code provides
 * io.corral.spi.WorkerFactory with ...} in their {@code module-info} and a {@code
 * META-INF/services/io.corral.spi.WorkerFactory} file for the class path.
 *
 * <p>A third-party worker model is not supported in this version. A worker must parse HTTP/1.1
 * and run exchanges by the same rules as the others, and the code that does that (the HTTP codec
 * in {@code io.corral.internal.http}, the connection engine in {@code io.corral.internal.server})
 * is internal: exported only to the three worker modules, and free to change. Choose among {@code
 * sync}, {@code async} and {@code virtual}; if none fits, open an issue that describes the
 * workload. {@link io.corral.Arbiter.Builder#workerFactory} takes a factory directly, which
 * Corral's own tests use to script a worker or wrap a shipped one; it does not make another model
 * supported.
 *
 * <p>A factory is called from several threads (the one that builds the Arbiter, those that call
 * its lifecycle methods, its monitor) and must be thread-safe; the shipped ones are stateless.
 */
public interface WorkerFactory {

    /** Returns the name {@code worker_class} selects this model by, such as {@code virtual}. */
    String name();

    /**
     * Checks settings this model cares about before anything is bound; the default accepts all.
     *
     * @throws ConfigException if the model cannot run with {@code config}
     */
    default void checkConfig(Config config) {}

    /**
     * Returns true if this model's workers serve TLS: when {@link WorkerContext#tlsEnabled()} is
     * true, every connection they accept is driven through the engine {@link
     * WorkerContext#newTlsEngine} makes for it. The Arbiter refuses to build with TLS on (from
     * files or from {@code Arbiter.Builder.tls}) for a model that returns false, so that a model
     * which does not drive TLS never serves plain HTTP instead. The default is false: fail closed.
     */
    default boolean servesTls() {
        return false;
    }

    /** Creates one worker; it does nothing until {@link Worker#start()}. */
    Worker create(WorkerContext context);
}
