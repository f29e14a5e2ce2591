package io.corral.internal.server;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** What every engine does with the stage an {@code AsyncHandler} returns. Stateless. */
public final class Stages {

    private Stages() {}

    /**
     * Returns {@code stage} as a future to wait on or watch: its own {@code toCompletableFuture()},
     * or, for a stage that does not support that (a minimal implementation, a read-only view), a
     * future completed as the stage completes.
     */
    public static <T> CompletableFuture<T> future(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture();
        } catch (UnsupportedOperationException e) {
            CompletableFuture<T> copy = new CompletableFuture<>();
            stage.whenComplete((r, t) -> {
                if (t != null) {
                    copy.completeExceptionally(t);
                } else {
                    copy.complete(r);
                }
            });
            return copy;
        }
    }
}
