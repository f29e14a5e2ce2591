package io.corral.spi;

import io.corral.http.AsyncHandler;
import io.corral.http.Handler;
import io.corral.http.Response;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The application a worker serves: a blocking {@link Handler} or an {@link AsyncHandler}. Each
 * worker model runs both; this type tells it which one it was given, so that it can run it the
 * way that suits it best.
 */
public sealed interface Application {

    /** Wraps a blocking handler. */
    static Application of(Handler handler) {
        return new Blocking(Objects.requireNonNull(handler, "handler"));
    }

    /** Wraps an async handler. */
    static Application of(AsyncHandler handler) {
        return new Async(Objects.requireNonNull(handler, "handler"));
    }

    /**
     * Returns the application as a blocking handler: itself, or the async handler with the calling
     * thread waiting for its stage. Interrupting the waiting thread cancels the stage.
     */
    Handler asBlocking();

    /**
     * A blocking handler.
     *
     * @param handler the handler
     */
    record Blocking(Handler handler) implements Application {
        @Override
        public Handler asBlocking() {
            return handler;
        }
    }

    /**
     * An async handler.
     *
     * @param handler the handler
     */
    record Async(AsyncHandler handler) implements Application {
        @Override
        public Handler asBlocking() {
            return request -> {
                CompletableFuture<Response> future = handler.handle(request).toCompletableFuture();
                try {
                    return Objects.requireNonNull(future.get(), "AsyncHandler completed with null");
                } catch (InterruptedException e) {
                    future.cancel(true);
                    throw e;
                } catch (ExecutionException | CompletionException e) {
                    Throwable cause = e.getCause() != null ? e.getCause() : e;
                    if (cause instanceof Exception ex) {
                        throw ex;
                    }
                    throw e;
                } catch (CancellationException e) {
                    throw e;
                }
            };
        }
    }
}
