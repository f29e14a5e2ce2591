package io.corral.internal.server;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * A worker's answer to "has it stopped?": its threads {@link #signal()} as they end, and the
 * Arbiter {@link #await}s with a deadline until the worker's own test holds. Every worker model
 * uses one.
 *
 * <p>The test is re-checked at least every 50 ms as well, so that a state that changes without a
 * signal (sockets closed by an abort while a stuck thread never returns) is seen too.
 *
 * <p>Thread-safe: {@code signal} from any thread, {@code await} from any thread.
 */
public final class Termination {

    private static final long RECHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final BooleanSupplier stopped;

    /** Creates it for a worker whose stop is tested by {@code stopped} (thread-safe, cheap, non-blocking). */
    public Termination(BooleanSupplier stopped) {
        this.stopped = stopped;
    }

    /** Wakes the waiters to test again; any thread. */
    public void signal() {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until the worker has stopped.
     *
     * @return true if it stopped within {@code timeout}
     */
    public boolean await(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            while (!stopped.getAsBoolean()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                changed.awaitNanos(Math.min(left, RECHECK_NANOS));
            }
            return true;
        } finally {
            lock.unlock();
        }
    }
}
