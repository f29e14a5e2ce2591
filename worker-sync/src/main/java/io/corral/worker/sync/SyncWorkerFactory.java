package io.corral.worker.sync;

import io.corral.spi.Worker;
import io.corral.spi.WorkerContext;
import io.corral.spi.WorkerFactory;

/** Provides the {@code sync} worker model. Stateless. */
public final class SyncWorkerFactory implements WorkerFactory {

    /** Creates the factory; {@link java.util.ServiceLoader} calls this. */
    public SyncWorkerFactory() {}

    @Override
    public String name() {
        return "sync";
    }

    /** True: its connections go through core's {@code Poller}, which drives TLS when the context says so. */
    @Override
    public boolean servesTls() {
        return true;
    }

    @Override
    public Worker create(WorkerContext context) {
        return new SyncWorker(context);
    }
}
