package io.corral.benchmarks.jmh;

import java.util.concurrent.TimeUnit;
import org.jctools.queues.MessagePassingQueue;
import org.jctools.queues.MpscArrayQueue;
import org.jctools.queues.MpscUnboundedArrayQueue;
import org.jctools.queues.atomic.MpscUnboundedAtomicArrayQueue;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The async worker's hand-off: completions from other threads (HttpClient, timers, the offload
 * pool) go onto a JCTools multi-producer single-consumer queue that the event loop drains. Two
 * producer threads offer, one consumer polls in batches as an event loop does between selects.
 * The async worker's {@code EventLoop} uses {@code MpscUnboundedAtomicArrayQueue(1024)} (the
 * flavour without {@code sun.misc.Unsafe}) with {@code offer} and {@code poll}; the Unsafe
 * flavour and the bounded {@code MpscArrayQueue} are there to compare. The selector wake-up that follows
 * an offer to a sleeping loop is not part of this measurement.
 *
 * <p>Unbounded queues are kept from growing without end by a soft cap: a producer that finds
 * {@value #SOFT_CAP} tasks waiting spins instead of offering, so the producers' rate (the {@code offer} line) is
 * the hand-off rate the consumer sustains. On a 2-core machine the three threads share two cores; read the result as
 * the hand-off's cost under contention, not as a peak.
 */
@State(Scope.Group)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class HandoffQueueBenchmark {

    static final int SOFT_CAP = 64 * 1024;
    static final int TASKS_PER_WAKEUP = 4096;
    private static final Runnable TASK = () -> {};

    /** The JCTools queue type. */
    @Param({"MpscUnboundedAtomicArrayQueue", "MpscUnboundedArrayQueue", "MpscArrayQueue"})
    public String queue;

    private MessagePassingQueue<Runnable> q;

    /** Makes a fresh queue per iteration. */
    @Setup(Level.Iteration)
    public void setUp() {
        q = switch (queue) {
            case "MpscUnboundedAtomicArrayQueue" -> new MpscUnboundedAtomicArrayQueue<>(1024);
            case "MpscUnboundedArrayQueue" -> new MpscUnboundedArrayQueue<>(1024);
            case "MpscArrayQueue" -> new MpscArrayQueue<>(SOFT_CAP);
            default -> throw new IllegalArgumentException("unknown queue " + queue);
        };
    }

    /**
     * A completion thread hands one task to the loop, waiting briefly while the queue is at its cap;
     * false if it stayed full (the iteration is ending and the consumer has stopped).
     */
    @Benchmark
    @Group("handoff")
    @GroupThreads(2)
    public boolean offer() {
        for (int spins = 0; spins < 100_000; spins++) {
            if (q.size() < SOFT_CAP && q.offer(TASK)) {
                return true;
            }
            Thread.onSpinWait();
        }
        return false;
    }

    /**
     * The event loop polls and runs up to {@value #TASKS_PER_WAKEUP} tasks, as the async worker's
     * loop does after each select; returns how many it ran.
     */
    @Benchmark
    @Group("handoff")
    @GroupThreads(1)
    public int drain(Blackhole bh) {
        int n = 0;
        Runnable task;
        while (n < TASKS_PER_WAKEUP && (task = q.poll()) != null) {
            task.run();
            n++;
        }
        if (n == 0) {
            Thread.onSpinWait();
        }
        bh.consume(n);
        return n;
    }
}
