/**
 * The {@code virtual} worker model: blocking handler code, unchanged, with a cheap virtual thread
 * per request. Java's answer to gunicorn's gevent workers, without monkey-patching.
 *
 * <pre>
 *   Arbiter ── listener (shared, non-blocking)
 *      │
 *      └── VirtualWorker ── Poller (core; one platform thread): accept, read heads, hold idle
 *                              │   keep-alive connections, linger, answer 503 and 408
 *                              │   (at most worker_connections open)
 *                              ├── virtual thread: BlockingConnection.run() (core) → Handler
 *                              ├── virtual thread: ...
 *                              └── one per request whose head has arrived
 * </pre>
 *
 * <p>The poller is a platform thread because a selector on a virtual thread pins its carrier before
 * JDK 24. It accepts while fewer than {@code worker_connections} connections are open, so a full
 * worker stops accepting and the kernel's backlog holds new clients; with {@code
 * overload_policy=reject} it accepts and answers 503 instead. Once a request's head has arrived it
 * starts a virtual thread that runs the request (and any the client pipelined behind it), hands the
 * connection back to the poller and ends: an idle keep-alive connection holds no thread and no
 * buffer. A handler that blocks (a slow HTTP call, {@code Thread.sleep}, JDBC) parks its virtual
 * thread and frees the carrier for the others; a read of the request body or a write the socket
 * cannot take yet parks it too, woken by the poller, so no wait needs a timed park.
 *
 * <p>Nothing on the request path pins a carrier on JDK 21: the shared engine guards its state with
 * {@link java.util.concurrent.locks.ReentrantLock}, never {@code synchronized} around I/O, and keeps
 * no {@code ThreadLocal} caches. {@code timeout} interrupts the request's virtual thread after the
 * poller took over the connection to send its 504; a handler that ignores the interrupt costs a
 * parked thread, and its connection's place comes back once the 504 is out.
 */
package io.corral.worker.virtual;
