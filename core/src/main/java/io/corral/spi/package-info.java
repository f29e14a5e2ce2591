/**
 * The worker SPI: how Corral's worker models plug into the {@link io.corral.Arbiter}. Applications
 * do not use it directly; they pick a model with the {@code worker_class} setting and put its
 * module on the class path or module path.
 *
 * <pre>
 *   Arbiter ── ServiceLoader: the WorkerFactory whose name() equals worker_class
 *      │
 *      ├── factory.create(context) ──► Worker        one per worker; the Arbiter calls
 *      │                                             start, shutdown, awaitTermination, abort
 *      └── WorkerContext (one per worker) ◄── the worker calls heartbeat, connectionOpened,
 *             │                              connectionClosed(reason), requestFinished, watch,
 *             │                              failed, metrics().rejected(...) ...
 *             ├── listener()     the shared, bound, non-blocking ServerSocketChannel
 *             ├── config()       the settings
 *             ├── application()  Application: Blocking(Handler) or Async(AsyncHandler)
 *             ├── hooks()        called around each request
 *             └── tlsEnabled(), newTlsEngine(peer)   whether every connection is TLS (files or an
 *                                embedder's SSLContext), and each connection's SSLEngine
 * </pre>
 *
 * <h2>How a model plugs in</h2>
 *
 * Each worker module provides one {@link io.corral.spi.WorkerFactory}, for the module path in its
 * {@code module-info} and for the class path in a {@code META-INF/services} file:
 *
 * <pre>{@code
 * module io.corral.worker.sync {
 *     requires io.corral;
 *     provides io.corral.spi.WorkerFactory with io.corral.worker.sync.SyncWorkerFactory;
 * }
 * // META-INF/services/io.corral.spi.WorkerFactory:  io.corral.worker.sync.SyncWorkerFactory
 * }</pre>
 *
 * <p>When an Arbiter is built, it loads the factories through {@link java.util.ServiceLoader} (with
 * the thread's context class loader and core's own) and takes the one whose {@link
 * io.corral.spi.WorkerFactory#name() name()} equals {@code worker_class}: by name, never the first
 * one found. An unknown name fails {@code build()} with a {@link io.corral.ConfigException} that
 * lists the models available. The factory checks the settings ({@link
 * io.corral.spi.WorkerFactory#checkConfig}; with TLS on, a model whose {@link
 * io.corral.spi.WorkerFactory#servesTls()} is false is refused, so none serves plain HTTP instead),
 * then creates a {@link io.corral.spi.Worker} for each
 * worker the Arbiter starts, handing it a {@link io.corral.spi.WorkerContext}. The worker accepts
 * from the shared listener itself, as gunicorn's workers do, and serves the {@link
 * io.corral.spi.Application}: a blocking {@link io.corral.http.Handler} or an {@link
 * io.corral.http.AsyncHandler}, which each model runs the way that suits it ({@link
 * io.corral.spi.Application#asBlocking()} adapts an async one for a thread that may wait).
 *
 * <h2>Supported models</h2>
 *
 * The SPI is how Corral's own worker modules plug in: {@code sync} ({@code corral-worker-sync}),
 * {@code async} ({@code corral-worker-async}) and {@code virtual} ({@code
 * corral-worker-virtual}). A third-party worker model is not supported in this version. A model
 * must parse HTTP/1.1 and run every exchange by the same rules as the others (limits, keep-alive,
 * timeouts, hooks, the access log), and the code that does that, the HTTP codec ({@code
 * io.corral.internal.http}) and the connection engine ({@code io.corral.internal.server}), is
 * internal: core exports it only to the three worker modules, and it changes without notice. If
 * none of the three fits a workload, open an issue that describes it.
 *
 * <h2>Threads</h2>
 *
 * The Arbiter calls a {@code Worker} from its own threads (the one that called a lifecycle method,
 * or its monitor), concurrently with the worker's serving threads; none of the calls blocks but
 * {@link io.corral.spi.Worker#awaitTermination}. Every {@code WorkerContext} method is thread-safe
 * and cheap. The threads a worker starts are named {@code corral-...}, with their daemon status
 * set explicitly: they are non-daemon platform threads, so a started Arbiter keeps the JVM
 * running until it is shut down (virtual threads are daemons by the JVM's rule).
 */
package io.corral.spi;
