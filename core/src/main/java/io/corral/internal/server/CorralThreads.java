package io.corral.internal.server;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The one place where Corral makes threads: each gets a name that starts with {@code corral-} and
 * a daemon status set here, never inherited from whichever thread happens to ask. (A thread
 * inherits its creator's daemon status, so a worker that the Arbiter's daemon monitor starts as a
 * replacement would otherwise be a daemon too, and an embedded server whose {@code main} has
 * returned would exit once its first workers were recycled.)
 *
 * <ul>
 *   <li>{@link #worker}: the threads that serve (acceptors, sync serving threads, event loops,
 *       offload threads) are platform threads and never daemons, so a started server keeps the JVM
 *       alive until it is shut down, as the JDK's HTTP server does.
 *   <li>{@link #daemon}: the Arbiter's monitor, which only watches the workers.
 *   <li>{@link #virtual}: a connection's thread on the virtual worker, and short-lived helpers
 *       (503 and 504 writers); virtual threads are always daemons.
 * </ul>
 *
 * <p>Stateless and thread-safe.
 */
public final class CorralThreads {

    private CorralThreads() {}

    /** Returns an unstarted non-daemon platform thread named {@code name}. */
    public static Thread worker(String name, Runnable task) {
        return platform(name, false, task);
    }

    /** Returns an unstarted daemon platform thread named {@code name}. */
    public static Thread daemon(String name, Runnable task) {
        return platform(name, true, task);
    }

    /** Returns a factory of non-daemon platform threads named {@code prefix} and a count from 1. */
    public static ThreadFactory workerFactory(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return task -> worker(prefix + count.incrementAndGet(), task);
    }

    /** Returns an unstarted virtual thread named {@code name}. */
    public static Thread virtual(String name, Runnable task) {
        return Thread.ofVirtual().name(checked(name)).unstarted(task);
    }

    /**
     * Returns a factory of virtual threads that all carry {@code name}: one name per worker costs
     * nothing per thread, where a count would build a string for every request.
     */
    public static ThreadFactory virtualFactory(String name) {
        return Thread.ofVirtual().name(checked(name)).factory();
    }

    private static Thread platform(String name, boolean daemon, Runnable task) {
        Thread t = new Thread(task, checked(name));
        t.setDaemon(daemon);
        return t;
    }

    private static String checked(String name) {
        if (!name.startsWith("corral-")) {
            throw new IllegalArgumentException("a Corral thread's name starts with corral-: " + name);
        }
        return name;
    }
}
