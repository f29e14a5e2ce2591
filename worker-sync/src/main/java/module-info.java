/** The {@code sync} worker model: platform threads, each serving one connection at a time. */
module io.corral.worker.sync {
    requires io.corral;
    requires org.slf4j;
}
