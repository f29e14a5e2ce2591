/** The {@code virtual} worker model: one virtual thread per request, idle connections in a poller. */
module io.corral.worker.virtual {
    requires io.corral;
    requires org.slf4j;

    provides io.corral.spi.WorkerFactory with
            io.corral.worker.virtual.VirtualWorkerFactory;
}
