package io.corral.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waits on conditions with generous bounds; tests never sleep for a fixed time and then assert. */
public final class Await {
    /** The default bound: long enough for a slow, loaded CI machine. */
    public static final Duration DEFAULT = Duration.ofSeconds(30);

    private Await() {}

    /** Waits until {@code condition} holds, polling; fails with {@code what} after {@link #DEFAULT}. */
    public static void until(String what, BooleanSupplier condition) {
        until(what, DEFAULT, condition);
    }

    /** Waits until {@code condition} holds, polling; fails with {@code what} after {@code bound}. */
    public static void until(String what, Duration bound, BooleanSupplier condition) {
        long deadline = System.nanoTime() + bound.toNanos();
        long pause = 1;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + bound + " waiting until " + what);
            }
            try {
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting until " + what, e);
            }
            pause = Math.min(50, pause * 2);
        }
    }

    /** Waits until {@code value} returns something that {@code test} accepts; returns it. */
    public static <T> T value(String what, Supplier<T> value, java.util.function.Predicate<T> test) {
        Object[] last = new Object[1];
        until(what, () -> {
            T v = value.get();
            last[0] = v;
            return test.test(v);
        });
        @SuppressWarnings("unchecked")
        T result = (T) last[0];
        return result;
    }
}
