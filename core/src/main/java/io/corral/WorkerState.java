package io.corral;

/** Where a worker is in its life, as {@link Arbiter#stats()} reports it. */
public enum WorkerState {
    /** Created; its threads are starting. */
    STARTING,
    /** Accepting and serving. */
    RUNNING,
    /** No longer accepting; finishing the requests it has (shutdown, resize, recycling or replacement). */
    STOPPING,
    /** Every connection closed and every thread ended. */
    STOPPED
}
