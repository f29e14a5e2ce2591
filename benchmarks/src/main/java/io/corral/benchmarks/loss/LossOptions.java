package io.corral.benchmarks.loss;

import io.corral.benchmarks.compare.CompareOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The settings of one {@link LossClient} run, parsed from {@code --name value} flags.
 *
 * @param keepAliveTarget where the keep-alive clients send requests ({@code --url})
 * @param keepAlive how many keep-alive clients ({@code --keepalive}, default 0)
 * @param freshTarget where the fresh clients send requests ({@code --fresh-url}, default {@code --url})
 * @param fresh how many fresh clients, one connection per request ({@code --fresh}, default 0)
 * @param duration how long clients start new requests ({@code --duration}, default 10 s)
 * @param stopOnRefused whether a refused connect stops a client ({@code --stop-on-refused})
 * @param connectTimeout the connect timeout ({@code --connect-timeout}, default 10 s)
 * @param readTimeout how long one read of a response may wait before the request counts as lost ({@code
 *     --read-timeout}, default 30 s)
 * @param virtualThreads whether clients run on virtual threads ({@code --threads virtual}) rather
 *     than platform threads ({@code --threads platform}, the default)
 * @param samples how many failures the report shows with their time and message ({@code
 *     --samples}, default 10)
 */
record LossOptions(
        Target keepAliveTarget,
        int keepAlive,
        Target freshTarget,
        int fresh,
        Duration duration,
        boolean stopOnRefused,
        Duration connectTimeout,
        Duration readTimeout,
        boolean virtualThreads,
        int samples) {

    private static final Set<String> VALUED = Set.of(
            "url",
            "keepalive",
            "fresh",
            "fresh-url",
            "duration",
            "connect-timeout",
            "read-timeout",
            "threads",
            "samples");

    LossOptions {
        if (keepAlive < 0 || fresh < 0 || keepAlive + fresh == 0) {
            throw new IllegalArgumentException(
                    "--keepalive and --fresh: need at least one client, got " + keepAlive + " and " + fresh);
        }
        if (duration.isNegative() || connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new IllegalArgumentException("--duration and --connect-timeout: must be positive");
        }
        if (readTimeout.isNegative() || readTimeout.isZero()) {
            throw new IllegalArgumentException("--read-timeout: must be positive, got " + readTimeout);
        }
        if (samples < 0) {
            throw new IllegalArgumentException("--samples: must be 0 or more, got " + samples);
        }
    }

    /** Parses the command line; throws {@link IllegalArgumentException} naming the bad flag. */
    static LossOptions parse(String... args) {
        boolean stopOnRefused = false;
        List<String> valued = new ArrayList<>();
        for (String arg : args) {
            if (arg.equals("--stop-on-refused")) {
                stopOnRefused = true;
            } else {
                valued.add(arg);
            }
        }
        Map<String, String> o = new HashMap<>(CompareOptions.pairs(valued.toArray(String[]::new)));
        for (String name : o.keySet()) {
            if (!VALUED.contains(name)) {
                throw new IllegalArgumentException("unknown option --" + name + "; see --help");
            }
        }
        String url = o.get("url");
        if (url == null) {
            throw new IllegalArgumentException("--url is required; see --help");
        }
        String threads = o.getOrDefault("threads", "platform");
        if (!threads.equals("platform") && !threads.equals("virtual")) {
            throw new IllegalArgumentException("--threads: platform or virtual, got '" + threads + "'");
        }
        return new LossOptions(
                Target.parse("--url", url),
                count(o, "keepalive", 0),
                Target.parse("--fresh-url", o.getOrDefault("fresh-url", url)),
                count(o, "fresh", 0),
                CompareOptions.duration("--duration", o.getOrDefault("duration", "10")),
                stopOnRefused,
                CompareOptions.duration("--connect-timeout", o.getOrDefault("connect-timeout", "10")),
                CompareOptions.duration("--read-timeout", o.getOrDefault("read-timeout", "30")),
                threads.equals("virtual"),
                count(o, "samples", 10));
    }

    private static int count(Map<String, String> o, String name, int fallback) {
        String value = o.get(name);
        if (value == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + ": '" + value + "' is not a whole number");
        }
    }

    static String help() {
        return """
                Usage: java -cp benchmarks/target/compare.jar io.corral.benchmarks.loss.LossClient \\
                    --url http://127.0.0.1:PORT/PATH [--keepalive N] [--fresh N] [options]

                Closed-loop GET clients that never retry and count every request written and not
                answered. Each client writes one request, reads the whole response, repeats.

                  --url URL              target of the keep-alive clients (required)
                  --keepalive N          clients that reuse one connection; they open a new one only
                                         after the server closed the old one cleanly: after a response
                                         with Connection: close, or an EOF seen between requests [0]
                  --fresh N              clients that open a connection per request and send
                                         Connection: close [0]
                  --fresh-url URL        target of the fresh clients [--url]
                  --duration SECONDS     how long clients start new requests; the last one completes [10]
                  --stop-on-refused      a refused connect stops that client (the server stopped
                                         listening); without it the client counts it and tries again
                  --connect-timeout S    [10]
                  --read-timeout S       a read that waits longer for the response loses the
                                         request [30]
                  --threads KIND         platform or virtual [platform]
                  --samples N            failures shown with time and message on stderr [10]

                Prints one line on stdout:
                  written=W ok=O failed_after_write=F non2xx=X in_flight=0 refused_connects=R
                  connect_errors=C connections=N reconnects=K announced_closes=AC idle_closes=IC
                  anomalies=A stopped_on_refused=S elapsed_ms=T [non2xx_by_status=503:2,...]
                reconnects are the keep-alive clients' new connections: after a response with
                Connection: close (announced_closes), after an EOF or reset seen between requests
                (idle_closes), or after a failure. anomalies are server behaviour that lost nothing
                but is not plain HTTP/1.1 (stray bytes, no EOF after Connection: close).
                failed_after_write counts requests written and then met by an EOF, a reset, a read
                timeout or a malformed response: the loss. Refused and failed connects wrote nothing
                and are no loss. The breakdown of failures goes to stderr. Exit status 0 if nothing
                was lost, no status was outside 2xx and no request is still in flight; 1 otherwise;
                2 for a bad command line.""";
    }
}
