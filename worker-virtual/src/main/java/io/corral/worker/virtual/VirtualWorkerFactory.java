package io.corral.worker.virtual;

import io.corral.spi.Worker;
import io.corral.spi.WorkerContext;
import io.corral.spi.WorkerFactory;

/** Provides the {@code virtual} worker model. Stateless. */
public final class VirtualWorkerFactory implements WorkerFactory {

    /** Creates the factory; {@link java.util.ServiceLoader} calls this. */
    public VirtualWorkerFactory() {}

    @Override
    public String name() {
        return "virtual";
    }

    /** True: its connections go through core's {@code Poller}, which drives TLS when the context says so. */
    @Override
    public boolean servesTls() {
        return true;
    }

    @Override
    public Worker create(WorkerContext context) {
        return new VirtualWorker(context);
    }
}
