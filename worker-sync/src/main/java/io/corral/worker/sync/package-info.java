/**
 * The {@code sync} worker model, gunicorn's {@code sync}/{@code gthread} on platform threads.
 *
 * <pre>
 *   Arbiter ── listener (shared, non-blocking)
 *      │
 *      └── SyncWorker ── acceptor: select(listener) → a free thread? → accept → hand off
 *                     ├─ thread 1: take a connection → serve it to the end → take the next
 *                     ├─ thread 2: ...
 *                     └─ thread N (N = threads)
 *                              │
 *                              └── BlockingConnection (core) → Handler
 * </pre>
 *
 * <p>A worker runs {@code threads} platform threads and one acceptor. The acceptor watches the
 * shared listener and accepts only when a thread is free, handing it the connection; the thread
 * serves it to the end. So a worker serves at most {@code threads} connections at once, a request
 * that waits on something slow holds its thread for the whole wait, and a full worker simply does
 * not accept: new clients wait in the kernel's backlog. One selector per worker means a new client
 * wakes one thread, not all of them. While the acceptor sees clients waiting for a thread, a
 * thread that finishes a connection accepts the next one itself, as gunicorn's sync loop does, so
 * under load connections pass from thread to thread without the acceptor.
 *
 * <p>Keep-alive that never starves: gunicorn's sync worker closes every connection after one
 * response, because a thread that holds an idle keep-alive connection serves nobody else. This
 * worker keeps connections alive (so {@code curl}, {@code ab -k} and nginx's upstream keep-alive
 * save their handshakes) but only while that costs nobody: a response goes out with {@code
 * Connection: close} when a client is waiting in the backlog and no thread of the worker is free,
 * and an idle keep-alive connection is given up, within 100 ms, as soon as a client is waiting. Under
 * load it therefore behaves like gunicorn's sync worker, and when quiet it keeps connections open.
 *
 * <p>A full worker leaves new clients in the backlog; with {@code overload_policy=reject} its
 * acceptor instead answers them 503 with {@code Retry-After}, once idle keep-alive connections have
 * had 200 ms to give way.
 *
 * <p>{@code timeout} aborts a request from the Arbiter's monitor: the client gets 504 (if nothing
 * was sent), the socket is closed, the thread is interrupted and abandoned, and a fresh thread takes
 * its place at once, so the worker keeps its capacity even if the stuck code never returns. The
 * thread is given up before it is interrupted, so it never takes another client; a worker with
 * more than {@link io.corral.spi.WorkerContext#MAX_ABANDONED_THREADS} of them still running is
 * replaced.
 *
 * <p>Stopping: the acceptor stops, busy threads finish their connection (answering with {@code
 * Connection: close}) and then what was queued for them; a thread holding an idle keep-alive
 * connection keeps it until keepalive runs out (its client may be sending), and clients the
 * Arbiter takes from the backlog at shutdown are served on up to {@code threads} drain threads.
 */
package io.corral.worker.sync;
