package io.corral.worker.async;

import io.corral.Config;
import io.corral.ConfigException;
import io.corral.Setting;
import io.corral.spi.Worker;
import io.corral.spi.WorkerContext;
import io.corral.spi.WorkerFactory;

/** Provides the {@code async} worker model. Stateless. */
public final class AsyncWorkerFactory implements WorkerFactory {

    /** Creates the factory; {@link java.util.ServiceLoader} calls this. */
    public AsyncWorkerFactory() {}

    @Override
    public String name() {
        return "async";
    }

    /** Refuses TLS settings: the event loop does not drive TLS yet, and must never serve plain instead. */
    @Override
    public void checkConfig(Config config) {
        if (config.tlsEnabled()) {
            throw new ConfigException(
                    Setting.WORKER_CLASS,
                    "async",
                    "sync or virtual while TLS is on (certfile or keystore set): the async worker does not serve"
                            + " TLS yet");
        }
    }

    @Override
    public Worker create(WorkerContext context) {
        return new AsyncWorker(context);
    }
}
