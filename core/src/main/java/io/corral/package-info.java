/**
 * Embeds Corral in an application: the {@link io.corral.Arbiter} that owns the listening socket
 * and a pool of workers, its settings ({@link io.corral.Config}), its lifecycle callbacks ({@link
 * io.corral.Hooks}) and its statistics. gunicorn's arbiter and worker model, in-process.
 *
 * <pre>
 *   Arbiter ── binds the listener, starts workers of one model, monitors them
 *      │
 *      ├── Worker 1 ── accepts from the shared listener ── connection ── Handler
 *      ├── Worker 2 ── ...                                  connection ── Handler
 *      └── Worker N (N = workers; worker_class picks sync, async or virtual)
 * </pre>
 *
 * <p>The application is one {@link io.corral.http.Handler} (blocking) or {@link
 * io.corral.http.AsyncHandler} (non-blocking), described in {@link io.corral.http}; it runs
 * unchanged under every worker model. The worker models live in their own modules ({@code
 * corral-worker-sync}, {@code -async}, {@code -virtual}) and are found by name through the SPI in
 * {@link io.corral.spi}.
 *
 * <h2>Embedding</h2>
 *
 * <pre>{@code
 * public static void main(String[] args) throws IOException {
 *     Arbiter arbiter = Arbiter.builder()
 *             .config(Config.builder()
 *                     .bind("0.0.0.0:8080")
 *                     .workerClass("virtual")          // corral-worker-virtual on the path
 *                     .workers(2)
 *                     .timeout(Duration.ofSeconds(10))
 *                     .build())
 *             .handler(request -> Response.ok("Hello, " + request.queryParam("name").orElse("World")))
 *             .hooks(new Hooks() {
 *                 @Override
 *                 public void workerExited(int workerId, String reason) {
 *                     System.err.println("worker " + workerId + " exited: " + reason);
 *                 }
 *             })
 *             .start();                                 // returns once the workers accept
 *     Runtime.getRuntime().addShutdownHook(new Thread(arbiter::close));   // graceful on SIGTERM
 *     // main may return: the workers' threads keep the JVM serving until shutdown or close
 * }
 * }</pre>
 *
 * <p>{@link io.corral.Arbiter#start()} binds, starts the workers and returns once they accept; it
 * throws {@link java.io.IOException} if the address cannot be bound or a worker cannot start, and
 * leaves nothing running then. {@link io.corral.Arbiter#port()} tells the port chosen for {@code
 * bind} port 0.
 *
 * <h2>Settings</h2>
 *
 * {@link io.corral.Config} is an immutable record of every setting, with gunicorn's names and
 * defaults plus Corral's own; {@link io.corral.Setting} documents each one once, with its default
 * and what it means. Build one with {@link io.corral.Config#builder()}, or parse gunicorn-style
 * arguments ({@link io.corral.Config#fromArgs(String...)}: {@code --workers 4 --worker-class async
 * -t 30}) or properties with {@code snake_case} keys ({@link
 * io.corral.Config#fromProperties(java.util.Properties)}). A bad value fails at build time with a
 * {@link io.corral.ConfigException} that names the setting, the value and what is allowed, and so
 * does a {@code worker_class} that names no worker model on the class path or module path. {@link
 * io.corral.OverloadPolicy} says what a worker that is full does with one more client.
 *
 * <p>{@code certfile} and {@code keyfile} (or {@code keystore}) turn TLS on for every connection;
 * {@link io.corral.ClientAuth} ({@code cert_reqs}) asks clients for certificates. The files are
 * read and checked by {@link io.corral.Arbiter#start()}, before it binds, and a bad one fails it
 * with a {@link io.corral.ConfigException} naming the setting, the file and the problem. An
 * embedder with an {@code SSLContext} of its own gives it to {@link
 * io.corral.Arbiter.Builder#tls(javax.net.ssl.SSLContext, io.corral.TlsConfigurator)} instead, with
 * a {@link io.corral.TlsConfigurator} that chooses each connection's parameters over Corral's floor
 * (TLS 1.3 and 1.2, ALPN {@code http/1.1}).
 *
 * <h2>Lifecycle</h2>
 *
 * <ul>
 *   <li>{@link io.corral.Arbiter#shutdown(java.time.Duration) shutdown(grace)} stops accepting,
 *       answers the clients queued in the backlog, closes the listener, answers every request that
 *       reaches a worker with {@code Connection: close}, closes idle keep-alive connections when
 *       their {@code keepalive} runs out, and aborts what is left after {@code grace}; {@link io.corral.Arbiter#close()} does the same with {@code
 *       graceful_timeout}. Both return once every worker has stopped; {@link
 *       io.corral.Arbiter#awaitTermination()} waits for that from another thread.
 *   <li>{@link io.corral.Arbiter#reload()} replaces every worker (gunicorn's {@code HUP}): the new
 *       workers start first, then the old ones drain. {@link
 *       io.corral.Arbiter#reload(io.corral.http.Handler)} and {@link
 *       io.corral.Arbiter#reloadAsync(io.corral.http.AsyncHandler)} swap the application that
 *       way. The settings stay as they were built.
 *   <li>{@link io.corral.Arbiter#reloadTls()} re-reads the TLS files: connections accepted from then
 *       on get the new certificate, open ones keep theirs, and a file that fails a check is refused
 *       while the certificate in force stays. TLS from an embedder's {@code SSLContext} has no
 *       files, and it refuses that.
 *   <li>{@link io.corral.Arbiter#resize(int)} changes the number of workers (gunicorn's {@code
 *       TTIN}/{@code TTOU}); retired workers, the oldest first, drain within {@code
 *       graceful_timeout}.
 *   <li>By itself, the Arbiter's monitor aborts requests that run past {@code timeout} (the client
 *       gets {@code 504} if nothing was sent), replaces workers that fail or go silent, and
 *       recycles a worker that served {@code max_requests}.
 *   <li>{@link io.corral.Arbiter#stats()} returns an {@link io.corral.ArbiterStats} snapshot, with
 *       a {@link io.corral.WorkerStats} and {@link io.corral.WorkerState} per worker.
 * </ul>
 *
 * <p>The Arbiter is thread-safe: its lifecycle methods may be called from any thread, and are
 * serialized by one internal lock.
 *
 * <h2>Threads</h2>
 *
 * Every thread Corral starts has a name that starts with {@code corral-} and an explicitly set
 * daemon status. The workers' threads (pollers, serving threads, event loops, offload threads)
 * are platform threads that are not daemons, so a {@code main} that returns after {@code start()}
 * leaves the JVM serving until {@code shutdown} or {@code close}, as with the JDK's HTTP server.
 * The virtual worker's per-request virtual threads are daemons, as every virtual thread is, but
 * its poller is not. The Arbiter's monitor thread is a daemon. Whether a JVM shutdown hook calls
 * {@code close()} is the application's choice.
 *
 * <h2>Hooks</h2>
 *
 * {@link io.corral.Hooks} mirrors gunicorn's server hooks; every method does nothing by default.
 * The lifecycle hooks run on the Arbiter's monitor thread or on the thread that called the
 * lifecycle method, never while the Arbiter holds its internal lock; {@code preRequest} and
 * {@code postRequest} run on the thread serving the request. An exception a hook throws is logged
 * and does not stop the server. {@link io.corral.Hooks} says which thread runs each one.
 *
 * <h2>Logging</h2>
 *
 * Corral logs through slf4j: the access log on {@code io.corral.access} (gunicorn's format, at
 * {@code INFO}), the rest on {@code io.corral.*}. It never prints to standard output and never
 * configures logging.
 */
package io.corral;
