package io.corral.worker.async;

import io.corral.Arbiter;
import io.corral.http.Handler;
import io.corral.testing.HttpSuite;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;

/**
 * The end-to-end suite on the async worker with the application as an {@link
 * io.corral.http.AsyncHandler} whose stages complete on another thread, so that every response
 * crosses from that thread to the event loop through the MPSC queue.
 */
class AsyncHandlerHttpSuiteTest extends HttpSuite {

    private final ExecutorService appThreads = Executors.newCachedThreadPool();

    @AfterEach
    void stopAppThreads() {
        appThreads.shutdownNow();
    }

    @Override
    protected String workerClass() {
        return "async";
    }

    @Override
    protected Arbiter.Builder application(Arbiter.Builder builder, Handler handler) {
        return builder.asyncHandler(request -> CompletableFuture.supplyAsync(
                () -> {
                    try {
                        return handler.handle(request);
                    } catch (Exception e) {
                        throw new CompletionException(e);
                    }
                },
                appThreads));
    }

    @Override
    protected boolean reportsTheStuckThread() {
        return false; // a stage has no thread of its own: the hook gets the loop's name and no stack
    }
}
