package io.corral.examples;

import io.corral.Arbiter;
import io.corral.Config;
import io.corral.http.Response;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An embedded server like the README's ({@code main} returns right after {@code start()}, a
 * shutdown hook closes it) whose handler can get stuck, so that {@link EmbeddedLifetimeTest} can
 * make the Arbiter replace what got stuck and then check that the JVM outlives the original
 * threads. Every setting comes from {@code corral.*} system properties ({@code
 * corral.worker_class=async}, {@code corral.timeout=1}, ...).
 *
 * <p>One {@code AsyncHandler}, so that on the async worker it runs on the event loop itself:
 *
 * <ul>
 *   <li>{@code /stuck} blocks the thread that runs it, ignoring interrupts, until {@code /release}
 *       arrives: on async it blocks the event loop (the worker is replaced as hung), on sync it
 *       holds a serving thread past {@code timeout} (the client gets 504, the thread is abandoned
 *       and replaced). Either way only the replacement can serve {@code /release}.
 *   <li>{@code /finished} answers how many stuck requests have returned.
 *   <li>{@code /thread} answers whether the thread that runs the handler is a daemon.
 * </ul>
 */
public final class EmbeddedStuckHandler {

    private EmbeddedStuckHandler() {}

    /** Starts the server and returns. */
    public static void main(String[] args) throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger finished = new AtomicInteger();
        Arbiter arbiter = Arbiter.builder()
                .config(Config.builder()
                        .properties(System.getProperties(), "corral.")
                        .build())
                .asyncHandler(request -> CompletableFuture.completedFuture(
                        switch (request.path()) {
                            case "/stuck" -> {
                                awaitIgnoringInterrupts(release); // the mistake under test
                                finished.incrementAndGet();
                                yield Response.ok("released");
                            }
                            case "/release" -> {
                                release.countDown();
                                yield Response.ok("released");
                            }
                            case "/finished" -> Response.ok(Integer.toString(finished.get()));
                            case "/thread" ->
                                Response.ok("daemon=" + Thread.currentThread().isDaemon());
                            default -> Response.ok("Hello, World");
                        }))
                .start();
        Runtime.getRuntime().addShutdownHook(new Thread(arbiter::close));
    }

    /**
     * Waits for {@code latch} as a handler that swallows the abort's interrupt would; for at most a
     * minute after the last interrupt, so that a test gone wrong leaves no thread stuck for long. The
     * interrupt is restored on the way out.
     */
    private static void awaitIgnoringInterrupts(CountDownLatch latch) {
        boolean interrupted = false;
        while (true) {
            try {
                latch.await(1, TimeUnit.MINUTES);
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
