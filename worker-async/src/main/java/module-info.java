/** The {@code async} worker model: NIO selector event loops that never block. */
module io.corral.worker.async {
    requires io.corral;
    requires org.slf4j;
    requires org.jctools.core;

    provides io.corral.spi.WorkerFactory with
            io.corral.worker.async.AsyncWorkerFactory;
}
