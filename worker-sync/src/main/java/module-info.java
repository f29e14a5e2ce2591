/**
 * The {@code sync} worker model: each worker runs {@code threads} platform threads that accept
 * from the shared listener and serve one connection at a time.
 */
module io.corral.worker.sync {
    requires io.corral;
    requires org.slf4j;

    provides io.corral.spi.WorkerFactory with
            io.corral.worker.sync.SyncWorkerFactory;
}
