package io.corral;

import java.time.Duration;

/**
 * A snapshot of one worker.
 *
 * @param id the worker's id, unique within its Arbiter
 * @param state where it is in its life
 * @param openConnections connections it holds now
 * @param requestsServed requests it finished (answered or lost to a closed connection)
 * @param requestsAborted requests it aborted for running past {@code timeout}
 * @param abandonedThreads handler threads it gave up on after {@code timeout} that still run,
 *     because the handler ignores interrupts; past {@link
 *     io.corral.spi.WorkerContext#MAX_ABANDONED_THREADS} the worker is replaced
 * @param uptime time since it started
 */
public record WorkerStats(
        int id,
        WorkerState state,
        int openConnections,
        long requestsServed,
        long requestsAborted,
        int abandonedThreads,
        Duration uptime) {}
