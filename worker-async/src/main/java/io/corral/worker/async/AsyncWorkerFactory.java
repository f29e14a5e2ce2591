package io.corral.worker.async;

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

    /** True: each event loop drives TLS through core's transport when the context says so. */
    @Override
    public boolean servesTls() {
        return true;
    }

    @Override
    public Worker create(WorkerContext context) {
        return new AsyncWorker(context);
    }
}
