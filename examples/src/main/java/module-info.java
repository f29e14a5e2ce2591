/** Runnable examples for Corral, and the demo server that benchmarks and checks drive. */
module io.corral.examples {
    requires io.corral;
    requires org.slf4j;
    requires java.net.http;

    exports io.corral.examples;

    // ModulePathCheck lists the worker models itself
    uses io.corral.spi.WorkerFactory;
}
