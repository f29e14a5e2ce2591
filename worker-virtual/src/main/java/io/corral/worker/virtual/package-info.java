/**
 * The {@code virtual} worker model: blocking handler code, unchanged, with a cheap virtual thread
 * per connection. Java's answer to gunicorn's gevent workers, without monkey-patching.
 *
 * <pre>
 *   Arbiter ── listener (shared, non-blocking)
 *      │
 *      └── VirtualWorker ── acceptor (platform thread): permit → select → accept
 *                              │
 *                              ├── virtual thread: BlockingConnection (core) → Handler
 *                              ├── virtual thread: ...
 *                              └── ... at most worker_connections
 * </pre>
 *
 * <p>The acceptor is a platform thread because a selector on a virtual thread pins its carrier
 * before JDK 24. It takes a permit (one of {@code worker_connections}) before it accepts, so a full
 * worker stops accepting and the kernel's backlog holds new clients; with {@code
 * overload_policy=reject} it accepts and answers 503 instead. A handler that blocks (a slow HTTP
 * call, {@code Thread.sleep}, JDBC) parks its virtual thread and frees the carrier for the others.
 *
 * <p>Nothing on the request path pins a carrier on JDK 21: the shared engine guards its state with
 * {@link java.util.concurrent.locks.ReentrantLock}, never {@code synchronized} around I/O, and keeps
 * no {@code ThreadLocal} caches. {@code timeout} interrupts the request's virtual thread after the
 * client got its 504; the permit is returned at once, so a handler that ignores the interrupt costs
 * a parked thread, never a connection slot.
 */
package io.corral.worker.virtual;
