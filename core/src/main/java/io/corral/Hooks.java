package io.corral;

import io.corral.http.Request;
import java.time.Duration;

/**
 * Lifecycle callbacks, modelled on gunicorn's server hooks; every method does nothing by default.
 *
 * <p>Hooks run on Corral's threads: the Arbiter's for lifecycle events, the serving thread for
 * {@link #preRequest} and {@link #postRequest} (on the async worker, its event loop, so they must
 * not block there). They must be thread-safe and quick. An exception a hook throws is logged and
 * otherwise ignored.
 */
public interface Hooks {

    /** Hooks that do nothing. */
    Hooks NONE = new Hooks() {};

    /** Called before the listener is bound (gunicorn's {@code on_starting}). */
    default void onStarting(Config config) {}

    /** Called once the listener is bound and the first workers accept (gunicorn's {@code when_ready}). */
    default void whenReady(Arbiter arbiter) {}

    /** Called when a worker has started and accepts (gunicorn's {@code post_worker_init}). */
    default void workerStarted(int workerId) {}

    /**
     * Called when a worker has stopped (gunicorn's {@code child_exit}).
     *
     * @param reason why: {@code shutdown}, {@code retired}, {@code resized}, {@code max_requests},
     *     {@code died: ...} or {@code hung}
     */
    default void workerExited(int workerId, String reason) {}

    /**
     * Called when a request ran past {@code timeout} and was aborted (gunicorn's {@code
     * worker_abort}), with the stack of the thread that was stuck in it.
     */
    default void requestAborted(AbortedRequest aborted) {}

    /** Called on the serving thread before the handler runs (gunicorn's {@code pre_request}). */
    default void preRequest(Request request) {}

    /**
     * Called on the serving thread after the response was sent or the exchange failed (gunicorn's
     * {@code post_request}).
     *
     * @param status the status sent, or 0 if the connection was lost before one was
     */
    default void postRequest(Request request, int status, Duration elapsed) {}

    /**
     * Called when {@link Arbiter#reload()} has started the new workers and set the old ones
     * draining (gunicorn's {@code on_reload}).
     */
    default void onReload(Arbiter arbiter) {}

    /** Called when the target worker count changes (gunicorn's {@code nworkers_changed}). */
    default void workersChanged(int newCount, int oldCount) {}

    /** Called after shutdown has finished (gunicorn's {@code on_exit}). */
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
