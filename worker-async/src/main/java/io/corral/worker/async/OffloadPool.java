package io.corral.worker.async;

import io.corral.internal.server.CorralThreads;
import io.corral.spi.WorkerContext;
import java.util.ArrayDeque;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The blocking work of one event loop: blocking handlers and the writers of streaming bodies.
 * At most {@code offload_threads} tasks run at once; up to {@link #QUEUE_PER_THREAD} times as many
 * wait for a thread; beyond that the loop answers 503 ({@link #hasRoom()} is false).
 *
 * <p>Admission is counted by the loop, not by the executor, so that a task the loop gives up on (a
 * handler past {@code timeout} that ignores its interrupt) is {@link #abandon abandoned}: its slot
 * goes to the next task at once and the stuck thread no longer counts. The threads come from a
 * cached pool of non-daemon platform threads that end after a minute without work; there are at
 * most {@code offload_threads} of them plus {@link WorkerContext#MAX_ABANDONED_THREADS} abandoned
 * ones (past that the Arbiter replaces the worker, and a task finding no thread is refused).
 *
 * <p>Threading: {@link #hasRoom}, {@link #submit}, {@link #release} and {@link #abandon} are
 * confined to the event loop; the tasks run on the pool's threads; {@link #shutdownNow} is called
 * from any thread.
 */
final class OffloadPool {

    /** How many tasks may wait for a thread, per thread. */
    static final int QUEUE_PER_THREAD = 4;

    private static final int NEW = 0;
    private static final int WAITING = 1;
    private static final int RUNNING = 2;
    private static final int RELEASED = 3;

    private final int maxRunning;
    private final int maxWaiting;
    private final ThreadPoolExecutor executor;
    private final ArrayDeque<Task> waiting = new ArrayDeque<>();
    private int running;

    OffloadPool(int threads, String namePrefix) {
        this.maxRunning = threads;
        this.maxWaiting = threads * QUEUE_PER_THREAD;
        // a real bound: the threads that may run at once, plus the abandoned ones a worker may have
        // before the Arbiter replaces it; a task beyond that is refused (503)
        this.executor = new ThreadPoolExecutor(
                0,
                threads + WorkerContext.MAX_ABANDONED_THREADS,
                60,
                TimeUnit.SECONDS,
                new SynchronousQueue<>(),
                CorralThreads.workerFactory(namePrefix));
    }

    /** Returns true if a task submitted now would run or wait, not be refused. */
    boolean hasRoom() {
        return running < maxRunning || waiting.size() < maxWaiting;
    }

    /** Runs {@code task} now, or queues it for the next free thread; the caller checked {@link #hasRoom()}. */
    void submit(Task task) {
        if (running < maxRunning) {
            start(task);
        } else {
            task.state = WAITING;
            waiting.add(task);
        }
    }

    /** The task's work is over (or the loop gave up on it): its slot goes to the next waiting task. */
    void release(Task task) {
        if (task.state == WAITING) {
            waiting.remove(task);
        } else if (task.state == RUNNING) {
            running--;
        }
        task.state = RELEASED;
        while (running < maxRunning && !waiting.isEmpty()) {
            start(waiting.poll());
        }
    }

    /**
     * Gives up on a task: interrupts it if it runs and frees its slot without waiting for its
     * thread.
     *
     * @param stack true to capture the thread's stack (for a request past {@code timeout})
     * @return the thread it was running on, with its stack if asked for, or null if it had not started
     */
    StuckThread abandon(Task task, boolean stack) {
        StuckThread stuck = task.interrupt(stack);
        release(task);
        return stuck;
    }

    /** Interrupts every running task and refuses new ones; any thread. */
    void shutdownNow() {
        executor.shutdownNow();
    }

    /** Lets idle threads end; tasks still running (abandoned ones) are not waited for. */
    void shutdown() {
        executor.shutdown();
    }

    private void start(Task task) {
        task.state = RUNNING;
        running++;
        try {
            executor.execute(task);
        } catch (RejectedExecutionException e) {
            // after shutdownNow (the worker is being aborted), or every thread is taken, by running
            // and abandoned tasks: the task is told, and answers 503 if it can
            running--;
            task.state = RELEASED;
            task.refused();
        }
    }

    /** A thread caught in a task the loop gave up on, with its stack at that moment. */
    record StuckThread(Thread thread, String name, StackTraceElement[] stack) {}

    /**
     * One piece of blocking work. {@link #work()} runs on a pool thread, then {@link #afterWork()}
     * on the same thread hands the result to the loop. What the loop shares with the running thread
     * (which thread it is, whether it was given up) is guarded by {@code lock}, so that an
     * interrupt never reaches a thread that has moved on to another task.
     */
    abstract static class Task implements Runnable {
        int state = NEW; // confined to the loop

        private final ReentrantLock lock = new ReentrantLock();
        private Thread thread; // guarded by lock
        private boolean abandoned; // guarded by lock

        /** The blocking work; pool thread. */
        abstract void work();

        /** Hands the outcome to the loop; pool thread, must not block. */
        abstract void afterWork();

        /**
         * The pool had no thread for the task (all taken by running and abandoned tasks); event loop.
         * By default the work is skipped and {@link #afterWork()} reports it as done.
         */
        void refused() {
            afterWork();
        }

        @Override
        public final void run() {
            lock.lock();
            try {
                if (abandoned) {
                    return;
                }
                thread = Thread.currentThread();
            } finally {
                lock.unlock();
            }
            try {
                work();
            } finally {
                lock.lock();
                try {
                    thread = null;
                    Thread.interrupted(); // an interrupt meant for this task must not hit the next one
                } finally {
                    lock.unlock();
                }
            }
            afterWork();
        }

        private StuckThread interrupt(boolean stack) {
            lock.lock();
            try {
                abandoned = true;
                if (thread == null) {
                    return null;
                }
                StuckThread stuck = new StuckThread(
                        thread, thread.getName(), stack ? thread.getStackTrace() : new StackTraceElement[0]);
                thread.interrupt();
                return stuck;
            } finally {
                lock.unlock();
            }
        }
    }
}
