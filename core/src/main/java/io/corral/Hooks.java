package io.corral;

import io.corral.http.Request;
import java.time.Duration;

/**
 * Lifecycle callbacks, modelled on gunicorn's server hooks; every method does nothing by default.
 *
 * <pre>{@code
 * Hooks hooks = new Hooks() {
 *     @Override
 *     public void workerExited(int workerId, String reason) {
 *         log.info("worker {} exited: {}", workerId, reason);
 *     }
 * };
 * Arbiter.builder().handler(app).hooks(hooks).start();
 * }</pre>
 *
 * <h2>Threads</h2>
 *
 * Hooks run on Corral's threads, synchronously; each method says on which. The lifecycle hooks run
 * on the Arbiter's monitor thread or on the thread that called the
 * lifecycle method ({@link Arbiter#start()}, {@link Arbiter#resize(int)}, {@link Arbiter#reload()},
 * {@link Arbiter#shutdown(Duration)}), never while the Arbiter holds its internal lock. {@link
 * #preRequest} and {@link #postRequest} run on the thread serving the request: a platform thread
 * on {@code sync}, the connection's virtual thread on {@code virtual}, the event loop on {@code
 * async}; so does {@link #requestAborted} on {@code async}. A hook may be called by several
 * threads at once, so it must be thread-safe, and it should be quick: a slow hook on the monitor
 * thread delays the monitor's checks, one on a serving thread delays its request, and on the
 * {@code async} worker it stalls the whole event loop, which must never block.
 *
 * <h2>Failures</h2>
 *
 * A {@link RuntimeException} thrown by a hook is logged at {@code WARN} ("A hook failed", with its
 * stack trace) and does not stop the server: Corral carries on as if the hook had returned, so
 * {@code start()} still binds after a failing {@link #onStarting}, and the handler still runs after
 * a failing {@link #preRequest}. An {@link Error} is not caught.
 */
public interface Hooks {

    /** Hooks that do nothing. */
    Hooks NONE = new Hooks() {};

    /**
     * Called by {@link Arbiter#start()} before the listener is bound (gunicorn's {@code
     * on_starting}); on the thread that called {@code start()}.
     */
    default void onStarting(Config config) {}

    /**
     * Called once the listener is bound and every first worker accepts, just before {@link
     * Arbiter#start()} returns (gunicorn's {@code when_ready}); on the thread that called {@code
     * start()}.
     */
    default void whenReady(Arbiter arbiter) {}

    /**
     * Called when a worker has started and accepts (gunicorn's {@code post_worker_init}): on the
     * thread that called {@code start()}, {@code resize(...)} or {@code reload(...)}, or on the
     * monitor thread when it starts a replacement.
     */
    default void workerStarted(int workerId) {}

    /**
     * Called when a worker has stopped, or was aborted and given up on (gunicorn's {@code
     * child_exit}). On the monitor thread, or, for workers that
     * {@link Arbiter#shutdown(Duration)} stops or finds still stopping, on the thread that called
     * {@code shutdown} or {@code close}.
     *
     * @param reason why the worker was stopped, one of:
     *     <ul>
     *       <li>{@code shutdown}: the Arbiter shut down;
     *       <li>{@code resized}: {@link Arbiter#resize(int)} lowered the count, and this was among
     *           the oldest;
     *       <li>{@code reloaded}: {@link Arbiter#reload()} replaced it;
     *       <li>{@code reload failed}: it was started by a reload that failed, and stopped again;
     *       <li>{@code max_requests}: it served {@code max_requests} and was recycled;
     *       <li>{@code died: } followed by the cause ({@link Throwable#toString()}): it failed and
     *           was replaced;
     *       <li>{@code hung}: its heartbeat was silent for longer than {@code timeout}, and it was
     *           replaced;
     *       <li>{@code abandoned threads}: too many of its handler threads ignored the interrupt
     *           after a request timed out, and it was replaced.
     *     </ul>
     */
    default void workerExited(int workerId, String reason) {}

    /**
     * Called when a request ran past {@code timeout} and was aborted (gunicorn's {@code
     * worker_abort}), with the stack of the thread that was stuck in it. On the monitor thread for
     * the workers whose requests the Arbiter watches ({@code sync}, {@code virtual}); on the
     * {@code async} worker, which aborts its own requests, on its event loop, so it must not block
     * there.
     */
    default void requestAborted(AbortedRequest aborted) {}

    /** Called on the serving thread before the handler runs (gunicorn's {@code pre_request}). */
    default void preRequest(Request request) {}

    /**
     * Called after the response was sent or the exchange failed (gunicorn's {@code post_request}),
     * exactly once for each request whose {@link #preRequest} ran, after its access log line. Runs
     * on the serving thread; for a request aborted past {@code timeout} (also reported to {@link
     * #requestAborted}) on a short-lived thread of the abort on {@code sync} and {@code virtual},
     * since the serving thread has been given up on, with status 504.
     *
     * @param status the status sent (504 for an aborted request), or 0 if the connection was lost
     *     before one was
     */
    default void postRequest(Request request, int status, Duration elapsed) {}

    /**
     * Called when {@link Arbiter#reload()} (or {@code reload(handler)}, {@code
     * reloadAsync(handler)}) has started the new workers and set the old ones draining (gunicorn's
     * {@code on_reload}); on the thread that called it. Not called when the reload failed.
     */
    default void onReload(Arbiter arbiter) {}

    /**
     * Called when {@link Arbiter#resize(int)} changed the target worker count (gunicorn's {@code
     * nworkers_changed}); on the thread that called {@code resize}.
     */
    default void workersChanged(int newCount, int oldCount) {}

    /**
     * Called after the shutdown of a started Arbiter has finished and every worker has stopped
     * (gunicorn's {@code on_exit}); on the thread that called {@code shutdown} or {@code close}.
     */
    default void onExit(Arbiter arbiter) {}

    /**
     * A request aborted for running past {@code timeout}.
     *
     * @param workerId the worker that served it
     * @param requestLine the request line, such as {@code GET /slow HTTP/1.1}
     * @param elapsed how long it had run
     * @param status the status the client got: 504, or 0 if the response had started and the
     *     connection was closed instead
     * @param threadName the thread that was running it
     * @param stack that thread's stack when it was aborted (empty if it had no thread of its own)
     */
    record AbortedRequest(
            int workerId,
            String requestLine,
            Duration elapsed,
            int status,
            String threadName,
            StackTraceElement[] stack) {

        /** Returns the stack as text, one frame a line, as a thread dump shows it. */
        public String stackText() {
            StringBuilder sb = new StringBuilder(threadName).append('\n');
            for (StackTraceElement e : stack) {
                sb.append("\tat ").append(e).append('\n');
            }
            return sb.toString();
        }
    }
}
