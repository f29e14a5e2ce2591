/**
 * The {@code sync} worker model, gunicorn's {@code gthread} on platform threads: blocking handler
 * code, {@code threads} requests at a time per worker.
 *
 * <pre>
 *   Arbiter ── listener (shared, non-blocking)
 *      │
 *      └── SyncWorker ── Poller (core; one platform thread): accept, read heads, hold idle
 *                     │   keep-alive connections, linger, answer 503 and 408
 *                     │          │ a request whose head has arrived
 *                     │          ▼
 *                     ├─ thread 1: take a request → BlockingConnection.run() (core) → Handler
 *                     ├─ thread 2: ...                 → hand the connection back to the poller
 *                     └─ thread N (N = threads)
 * </pre>
 *
 * <p>A thread is taken only for a request whose head has fully arrived: the worker's poller reads
 * heads without blocking and holds idle keep-alive connections, as Tomcat's NIO connector and
 * gunicorn's {@code gthread} worker do. So a client that connects and sends nothing, dribbles its
 * head (slowloris), or sits idle between requests costs a socket, never a thread; {@code
 * header_timeout} counts from the connect whatever the threads are doing; and keep-alive costs no
 * one anything, so connections stay alive (gunicorn's {@code sync} worker closes every connection
 * after one response for want of this, gunicorn #1296). A request that waits on something slow
 * still holds its thread for the whole wait: that is the model.
 *
 * <p>Admission: a worker holds up to {@code worker_connections} connections. With {@code
 * overload_policy=backlog} its poller also stops accepting while a request waits for a thread, so
 * new clients stay in the kernel's backlog, where a less busy worker may take them; with {@code
 * reject} it answers 503 with {@code Retry-After} to a client beyond {@code worker_connections}, and
 * to a request that finds every thread busy and as many requests already waiting as there are
 * threads.
 *
 * <p>{@code timeout} aborts a request from the Arbiter's monitor: the poller sends the client 504 (if
 * nothing was sent), the thread is interrupted and abandoned, and a fresh thread takes its place at
 * once, so the worker keeps its capacity even if the stuck code never returns. The thread is given
 * up before it is interrupted, so it never takes another request; a worker with more than {@link
 * io.corral.spi.WorkerContext#MAX_ABANDONED_THREADS} of them still running is replaced.
 *
 * <p>Stopping: the poller stops accepting; requests in flight and those that arrive on open
 * connections are answered with {@code Connection: close}; an idle keep-alive connection is kept
 * until its keepalive runs out (its client may be sending); clients the Arbiter takes from the
 * backlog at shutdown are served like any other.
 */
package io.corral.worker.sync;
