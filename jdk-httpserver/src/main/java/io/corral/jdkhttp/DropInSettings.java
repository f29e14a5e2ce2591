package io.corral.jdkhttp;

import io.corral.Config;
import io.corral.ConfigException;
import io.corral.Setting;
import java.util.Locale;
import java.util.Properties;

/**
 * The drop-in's settings, read from properties (system properties in production): every Corral
 * setting as {@code corral.<setting>}, checked by {@link Config} with its messages, plus {@code
 * corral.executor}, which only the drop-in has. The address and backlog are the application's
 * ({@code HttpServer.create} or {@code bind}), so {@code corral.bind} is refused; {@code
 * corral.backlog} is the "system default" the JDK API falls back to for a backlog of 0 or less.
 * The drop-in's default worker model is {@code virtual}.
 *
 * <p>Immutable.
 *
 * @param base the Corral settings; their {@code bind} is unused
 * @param executor who runs the application's handlers
 */
record DropInSettings(Config base, Execution executor) {

    /** The prefix of every property the drop-in reads. */
    static final String PREFIX = "corral.";

    /** The drop-in's own setting: who runs the handlers. */
    static final String EXECUTOR = "executor";

    /** The worker model the drop-in uses when {@code corral.worker_class} is not set. */
    static final String DEFAULT_WORKER_CLASS = "virtual";

    /** Who runs the application's handlers. */
    enum Execution {
        /**
         * The executor the application set with {@code setExecutor}, or, if it set none, one thread
         * of the server's that runs one exchange at a time, as the JDK's own server does: behaviour
         * unchanged.
         */
        APPLICATION,
        /**
         * The worker model: the application's executor is ignored and each exchange runs on a
         * virtual thread of its own as soon as the worker model has taken its request, so as many
         * exchanges wait at once as the model holds connections ({@code threads} on sync).
         */
        WORKER
    }

    /**
     * Reads the settings from {@code properties}.
     *
     * @throws ConfigException naming a bad setting, its value and what is allowed
     */
    static DropInSettings from(Properties properties) {
        Properties corral = new Properties();
        Execution executor = Execution.APPLICATION;
        for (String key : properties.stringPropertyNames()) {
            if (!key.startsWith(PREFIX)) {
                continue;
            }
            String name = key.substring(PREFIX.length());
            String value = properties.getProperty(key);
            if (name.equals(EXECUTOR)) {
                executor = execution(value);
            } else if (name.equals(Setting.BIND.key())) {
                throw new ConfigException(
                        key + ": '" + value + "' is not allowed; the address is the one the application"
                                + " gives HttpServer.create or bind");
            } else {
                corral.setProperty(key, value);
            }
        }
        // every bad value fails here, when the server is created
        Config base = Config.builder()
                .workerClass(DEFAULT_WORKER_CLASS)
                .properties(corral, PREFIX)
                .build();
        return new DropInSettings(base, executor);
    }

    private static Execution execution(String raw) {
        String v = raw.trim().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "application" -> Execution.APPLICATION;
            case "worker" -> Execution.WORKER;
            default ->
                throw new ConfigException(EXECUTOR + ": '" + raw + "' is not allowed; expected application (the"
                        + " executor the application set, as the JDK does) or worker (the worker model runs handlers)");
        };
    }

    /** Returns the checked Corral settings for a server bound to {@code host:port}. */
    Config config(String bind) {
        return base.toBuilder().bind(bind).build();
    }

    /** Returns the backlog to bind with: the application's if positive, else {@code corral.backlog}. */
    int backlog(int requested) {
        return requested > 0 ? requested : base.backlog();
    }
}
