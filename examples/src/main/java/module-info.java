/** Runnable examples for Corral, and the demo server that benchmarks and checks drive. */
module io.corral.examples {
    requires io.corral;
    requires org.slf4j;
    requires java.net.http;
    requires jdk.httpserver; // JdkHttpServerCheck: the JDK API only; Corral's provider is bound as a service

    exports io.corral.examples;

    // ModulePathCheck lists the worker models itself
    uses io.corral.spi.WorkerFactory;
}
