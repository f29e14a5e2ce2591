package io.corral;

import java.util.List;

/**
 * A snapshot of the Arbiter and its workers, taken by {@link Arbiter#stats()}.
 *
 * @param workerClass the worker model
 * @param targetWorkers how many workers the Arbiter keeps running
 * @param workers every worker that is running or still stopping
 * @param openConnections connections open across all workers now
 * @param requestsServed requests finished since start, across all workers past and present
 * @param requestsAborted requests aborted for running past {@code timeout} since start
 * @param workerRestarts workers replaced since start because they died, hung, were recycled or
 *     were reloaded
 */
public record ArbiterStats(
        String workerClass,
        int targetWorkers,
        List<WorkerStats> workers,
        int openConnections,
        long requestsServed,
        long requestsAborted,
        long workerRestarts) {

    /** Returns the workers that are accepting now. */
    public long runningWorkers() {
        return workers.stream().filter(w -> w.state() == WorkerState.RUNNING).count();
    }
}
