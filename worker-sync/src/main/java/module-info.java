/**
 * The {@code sync} worker model: each worker runs a poller that reads request heads and {@code
 * threads} platform threads that each run one request at a time.
 */
module io.corral.worker.sync {
    requires io.corral;
    requires org.slf4j;

    provides io.corral.spi.WorkerFactory with
            io.corral.worker.sync.SyncWorkerFactory;
}
