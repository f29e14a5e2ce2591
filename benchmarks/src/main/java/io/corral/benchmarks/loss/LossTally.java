package io.corral.benchmarks.loss;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;

/**
 * What every {@link ClientLoop} of one run saw, request by request: the auditor's ledger.
 *
 * <p>Every request that a client began to write is counted in {@link #written()} and then in
 * exactly one of {@link #ok()}, {@link #non2xx()} and {@link #failedAfterWrite()}, so that {@code
 * written - ok - non2xx - failedAfterWrite} is the number still in flight (0 once every client
 * has returned). Connects that failed wrote nothing and are counted apart.
 *
 * <p>Shared by all the clients of a run; every method is thread-safe.
 */
final class LossTally {

    /** How many failures keep their time and full message for the report. */
    private final int sampleLimit;

    private final long startNanos = System.nanoTime();
    private final LongAdder written = new LongAdder();
    private final LongAdder ok = new LongAdder();
    private final LongAdder failedAfterWrite = new LongAdder();
    private final LongAdder refusedConnects = new LongAdder();
    private final LongAdder connectErrors = new LongAdder();
    private final LongAdder connections = new LongAdder();
    private final LongAdder reconnects = new LongAdder();
    private final LongAdder announcedCloses = new LongAdder();
    private final LongAdder idleCloses = new LongAdder();
    private final LongAdder anomalies = new LongAdder();
    private final LongAdder stoppedOnRefused = new LongAdder();
    private final Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> kinds = new ConcurrentHashMap<>();
    private final AtomicInteger sampled = new AtomicInteger();
    private final ConcurrentLinkedQueue<String> samples = new ConcurrentLinkedQueue<>();

    LossTally(int sampleLimit) {
        this.sampleLimit = sampleLimit;
    }

    void onWritten() {
        written.increment();
    }

    void onOk() {
        ok.increment();
    }

    /** A complete response whose status is not 2xx. */
    void onStatus(int status) {
        statuses.computeIfAbsent(status, s -> new LongAdder()).increment();
    }

    /** A written request ended without a complete response; {@code kind} groups it in the report. */
    void onFailedAfterWrite(String kind, String detail) {
        failedAfterWrite.increment();
        note("lost: " + kind, detail);
    }

    void onRefusedConnect() {
        refusedConnects.increment();
    }

    void onConnectError(String detail) {
        connectErrors.increment();
        note("connect error", detail);
    }

    void onConnected(boolean reconnect) {
        connections.increment();
        if (reconnect) {
            reconnects.increment();
        }
    }

    /** A keep-alive client got a response with {@code Connection: close}: it waits for the EOF and reconnects. */
    void onAnnouncedClose() {
        announcedCloses.increment();
    }

    /** A keep-alive connection was found closed (EOF or reset) between requests: nothing was lost. */
    void onIdleClose() {
        idleCloses.increment();
    }

    /** Something the server did that lost no request but is not plain HTTP/1.1 either. */
    void onAnomaly(String kind, String detail) {
        anomalies.increment();
        note("anomaly: " + kind, detail);
    }

    void onStoppedOnRefused() {
        stoppedOnRefused.increment();
    }

    private void note(String kind, String detail) {
        kinds.computeIfAbsent(kind, k -> new LongAdder()).increment();
        if (sampled.getAndIncrement() < sampleLimit) {
            long ms = (System.nanoTime() - startNanos) / 1_000_000;
            samples.add("+" + ms + " ms " + kind + ": " + detail);
        }
    }

    long written() {
        return written.sum();
    }

    long ok() {
        return ok.sum();
    }

    long non2xx() {
        return statuses.values().stream().mapToLong(LongAdder::sum).sum();
    }

    long failedAfterWrite() {
        return failedAfterWrite.sum();
    }

    long refusedConnects() {
        return refusedConnects.sum();
    }

    long connectErrors() {
        return connectErrors.sum();
    }

    long reconnects() {
        return reconnects.sum();
    }

    long announcedCloses() {
        return announcedCloses.sum();
    }

    long idleCloses() {
        return idleCloses.sum();
    }

    long anomalies() {
        return anomalies.sum();
    }

    /** Requests written and not yet classified: 0 once every client has returned. */
    long inFlight() {
        // the outcomes before written: a client counts written first, so this is never below 0
        long done = ok() + non2xx() + failedAfterWrite();
        return written() - done;
    }

    /**
     * The machine-readable summary: {@code key=value} pairs separated by spaces, always the same
     * keys in the same order, then {@code non2xx_by_status=503:2,...} if any status was not 2xx.
     */
    String summaryLine(long elapsedMillis) {
        // classified counts first, written last: no client can make written smaller than their sum
        long okN = ok();
        long non2xxN = non2xx();
        long failedN = failedAfterWrite();
        long writtenN = written();
        StringBuilder line = new StringBuilder()
                .append("written=")
                .append(writtenN)
                .append(" ok=")
                .append(okN)
                .append(" failed_after_write=")
                .append(failedN)
                .append(" non2xx=")
                .append(non2xxN)
                .append(" in_flight=")
                .append(writtenN - okN - non2xxN - failedN)
                .append(" refused_connects=")
                .append(refusedConnects())
                .append(" connect_errors=")
                .append(connectErrors())
                .append(" connections=")
                .append(connections.sum())
                .append(" reconnects=")
                .append(reconnects())
                .append(" announced_closes=")
                .append(announcedCloses.sum())
                .append(" idle_closes=")
                .append(idleCloses.sum())
                .append(" anomalies=")
                .append(anomalies())
                .append(" stopped_on_refused=")
                .append(stoppedOnRefused.sum())
                .append(" elapsed_ms=")
                .append(elapsedMillis);
        if (non2xxN > 0) {
            line.append(" non2xx_by_status=").append(byStatus());
        }
        return line.toString();
    }

    /** The human report: failures and anomalies by kind, then the first samples with their time. */
    String breakdown() {
        StringBuilder out = new StringBuilder();
        if (!statuses.isEmpty()) {
            out.append("non-2xx by status: ").append(byStatus()).append('\n');
        }
        new TreeMap<>(kinds).forEach((kind, n) -> out.append(String.format("%8d  %s%n", n.sum(), kind)));
        if (!samples.isEmpty()) {
            out.append("first ")
                    .append(samples.size())
                    .append(" of ")
                    .append(sampled.get())
                    .append(":\n");
            samples.forEach(s -> out.append("  ").append(s).append('\n'));
        }
        return out.toString();
    }

    private String byStatus() {
        return new TreeMap<>(statuses)
                .entrySet().stream()
                        .map(e -> e.getKey() + ":" + e.getValue().sum())
                        .collect(Collectors.joining(","));
    }
}
