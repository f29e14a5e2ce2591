package io.corral.internal.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Daemon status is set, never inherited: a daemon (the monitor) that starts a worker thread. */
class CorralThreadsTest {

    /** Runs {@code make} on a daemon thread, as the Arbiter's monitor runs replacements. */
    private static Thread madeOnADaemon(java.util.function.Supplier<Thread> make) throws InterruptedException {
        AtomicReference<Thread> made = new AtomicReference<>();
        Thread daemon = new Thread(() -> made.set(make.get()), "corral-test-daemon");
        daemon.setDaemon(true);
        daemon.start();
        daemon.join();
        return made.get();
    }

    @Test
    void workerThreadsAreNeverDaemonsWhoeverStartsThem() throws Exception {
        Thread t = madeOnADaemon(() -> CorralThreads.worker("corral-w", () -> {}));
        assertFalse(t.isDaemon());
        assertEquals("corral-w", t.getName());
        Thread pooled =
                madeOnADaemon(() -> CorralThreads.workerFactory("corral-p-").newThread(() -> {}));
        assertFalse(pooled.isDaemon());
        assertEquals("corral-p-1", pooled.getName());
    }

    @Test
    void theMonitorIsADaemonWhoeverStartsIt() throws Exception {
        AtomicReference<Thread> made = new AtomicReference<>();
        Thread starter = new Thread(() -> made.set(CorralThreads.daemon("corral-d", () -> {})), "corral-x");
        starter.start();
        starter.join();
        assertTrue(made.get().isDaemon());
    }

    @Test
    void everyNameSaysCorral() {
        assertThrows(IllegalArgumentException.class, () -> CorralThreads.worker("worker", () -> {}));
        assertTrue(CorralThreads.virtual("corral-v", () -> {}).isVirtual());
    }
}
