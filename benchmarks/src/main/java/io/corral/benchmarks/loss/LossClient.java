package io.corral.benchmarks.loss;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * An auditor's load client: closed-loop GET clients that never retry, and a count of every request
 * that was written and not answered.
 *
 * <pre>
 * java -cp benchmarks/target/compare.jar io.corral.benchmarks.loss.LossClient \
 *     --url http://127.0.0.1:8000/hello --keepalive 32 --duration 10
 * written=60123 ok=60123 failed_after_write=0 non2xx=0 in_flight=0 refused_connects=0 ...
 * </pre>
 *
 * <p>Each request ends in exactly one of: ok (a complete 2xx response), a non-2xx status, or
 * failed after write (an EOF, reset, read timeout or malformed response after the request was
 * written: the loss). A refused connect writes nothing and is no loss; with {@code
 * --stop-on-refused} it ends that client, which is how a shutdown run finishes. See {@link
 * ClientLoop} for when a client reuses its connection and {@link LossOptions#help()} for the
 * flags. The scripts {@code benchmarks/scripts/recycle-loss.sh} and {@code shutdown-loss.sh} drive
 * it against the demo server.
 *
 * <p>The summary line goes to stdout, the breakdown of failures to stderr; the exit status is 0
 * only if nothing was lost, every status was 2xx and no request is still in flight.
 */
public final class LossClient {

    private LossClient() {}

    /** Runs the clients; see the class documentation. */
    public static void main(String[] args) throws InterruptedException {
        for (String arg : args) {
            if (arg.equals("--help") || arg.equals("-h")) {
                System.out.println(LossOptions.help());
                return;
            }
        }
        LossOptions options;
        try {
            options = LossOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("LossClient: " + e.getMessage());
            System.exit(2);
            return;
        }
        System.err.printf(
                "LossClient: %d keep-alive clients on %s, %d fresh clients on %s, %s s, %s threads%s%n",
                options.keepAlive(),
                options.keepAliveTarget(),
                options.fresh(),
                options.freshTarget(),
                options.duration().toMillis() / 1000.0,
                options.virtualThreads() ? "virtual" : "platform",
                options.stopOnRefused() ? ", stopping on refused connects" : "");
        LossTally tally = new LossTally(options.samples());
        long start = System.nanoTime();
        List<Thread> clients = start(options, tally, start + options.duration().toNanos());
        // every turn of a client ends within a connect timeout and two read timeouts (the response,
        // then the EOF after it); past that a client is stuck and its request shows as in flight
        Duration bound = options.duration()
                .plus(options.connectTimeout())
                .plus(options.readTimeout().multipliedBy(2))
                .plusSeconds(10);
        long joinDeadline = start + bound.toNanos();
        int stuck = 0;
        for (Thread client : clients) {
            long left = joinDeadline - System.nanoTime();
            if (left > 0) {
                client.join(Duration.ofNanos(left));
            }
            if (client.isAlive()) {
                stuck++;
            }
        }
        long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
        if (stuck > 0) {
            System.err.println("LossClient: " + stuck + " client(s) still running after " + bound);
        }
        System.err.print(tally.breakdown());
        System.out.println(tally.summaryLine(elapsedMillis));
        System.out.flush();
        boolean clean = tally.failedAfterWrite() == 0 && tally.non2xx() == 0 && tally.inFlight() == 0;
        System.exit(clean ? 0 : 1);
    }

    /** Starts every client on its own thread; they run until {@code deadlineNanos} or a stop. */
    static List<Thread> start(LossOptions options, LossTally tally, long deadlineNanos) {
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < options.keepAlive() + options.fresh(); i++) {
            boolean keepAlive = i < options.keepAlive();
            ClientLoop loop = new ClientLoop(
                    keepAlive ? options.keepAliveTarget() : options.freshTarget(),
                    keepAlive,
                    tally,
                    options.connectTimeout(),
                    options.readTimeout(),
                    options.stopOnRefused());
            String name = (keepAlive ? "loss-keepalive-" : "loss-fresh-") + i;
            Thread.Builder builder = options.virtualThreads()
                    ? Thread.ofVirtual().name(name)
                    : Thread.ofPlatform().name(name).daemon(true);
            threads.add(builder.start(() -> loop.run(deadlineNanos)));
        }
        return threads;
    }
}
