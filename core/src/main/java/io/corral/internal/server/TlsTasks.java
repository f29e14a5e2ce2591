package io.corral.internal.server;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where the TLS engines' delegated tasks run: certificate checks, key exchange and signatures, up
 * to a few milliseconds of CPU each, taken off the selector loops (the poller, the event loop).
 * One pool for the JVM: as many daemon platform threads, named {@code corral-tls-task-N}, as it
 * has processors, started on demand and ended after 30 s without work, behind a queue.
 *
 * <p>Platform threads, not virtual ones, because of what the handshakes compete with. On the
 * {@code virtual} worker a request runs on a virtual thread; a handshake task on a virtual thread
 * queues in the same scheduler, so a burst of new connections (a load balancer's 1,000 at once)
 * put every request already being served behind the burst's milliseconds of CPU each. On threads
 * of their own the handshakes take their share of the cores from the operating system, beside
 * the requests rather than ahead of them. Bounded, because a flood of handshakes then costs a
 * queue entry each, not a thread each; a connection has at most one task batch queued, and one
 * whose handshake outlasts {@code header_timeout} is cut by its loop meanwhile.
 *
 * <p>Thread-safe.
 */
public final class TlsTasks {

    private static final ThreadPoolExecutor POOL = pool(Runtime.getRuntime().availableProcessors());

    private TlsTasks() {}

    /** Runs {@code task} on the pool, soon: the pool never refuses a task. */
    public static void execute(Runnable task) {
        POOL.execute(task);
    }

    private static ThreadPoolExecutor pool(int threads) {
        AtomicInteger count = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(
                threads,
                threads,
                30,
                TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(),
                task -> CorralThreads.daemon("corral-tls-task-" + count.incrementAndGet(), task));
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }
}
