package io.corral.spi;

import io.corral.Config;
import io.corral.ConfigException;

/**
 * Creates the workers of one worker model; found through {@link java.util.ServiceLoader} and
 * chosen by {@link #name()} matching the {@code worker_class} setting.
 *
 * <p>A module provides one with {@code provides io.corral.spi.WorkerFactory with ...} and, for the
 * class path, a {@code META-INF/services/io.corral.spi.WorkerFactory} file. Corral ships {@code
 * sync}, {@code async} and {@code virtual}; a fourth only needs a distinct name. Factories are
 * called on the Arbiter's thread and must be thread-safe.
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

    /** Creates one worker; it does nothing until {@link Worker#start()}. */
    Worker create(WorkerContext context);
}
