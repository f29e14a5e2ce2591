package io.corral.http;

import java.util.concurrent.CompletionStage;

/**
 * The application written as non-blocking code: it returns at once with a stage that completes
 * with the response later, from any thread.
 *
 * <p>On the {@code async} worker it is called on the event loop and must never block there; a
 * request waiting on an external call then holds a future, not a thread. On the blocking workers
 * ({@code sync}, {@code virtual}) the calling thread waits for the stage, so the same handler runs
 * everywhere.
 *
 * <p>It is called as soon as the request head has arrived, before the body: it consumes the body
 * without blocking with {@link Request#bodyBytesAsync()} (whole, bounded by {@code
 * limit_request_body}) or {@link Request#bodyPublisher()} (piece by piece, with back-pressure):
 *
 * <pre>{@code
 * AsyncHandler echo = request -> request.bodyBytesAsync().thenApply(body -> Response.ok(body));
 * }</pre>
 *
 * <p>Reading {@link Request#body()} on the event loop works only for bytes that have arrived; a read
 * that would wait throws {@link IllegalStateException} there.
 *
 * <p>Called by many threads at once; must be thread-safe. A stage that completes exceptionally, or
 * an exception thrown by {@code handle}, becomes a {@code 500}. A stage still pending after {@code
 * timeout} is cancelled and the client gets {@code 504}.
 */
@FunctionalInterface
public interface AsyncHandler {

    /**
     * Starts handling one request.
     *
     * @param request the request; its body has not been read yet
     * @return a stage that completes with the response, never {@code null}
     */
    CompletionStage<Response> handle(Request request);
}
