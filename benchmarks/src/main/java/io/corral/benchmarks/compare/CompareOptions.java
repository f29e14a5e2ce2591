package io.corral.benchmarks.compare;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The options of {@code java -jar benchmarks/target/compare.jar}, parsed and checked: which
 * servers, which concurrencies, how slow the upstream is and how long each point runs.
 *
 * <pre>{@code
 * CompareOptions o = CompareOptions.parse("--models", "sync,virtual", "--sweep", "10,100", "--duration", "5s");
 * o.servers();   // [sync, virtual]
 * }</pre>
 *
 * @param models servers to run, in order: Corral worker models (sync, async, virtual), peers, or
 *     the JDK HttpServer API app on a provider (jdk-builtin, jdk-robaho, jdk-jetty, jdk-sync,
 *     jdk-async, jdk-virtual)
 * @param peers true to add the same app on Netty, Helidon and Jetty
 * @param sweep the concurrencies, each a point per server, in order
 * @param latency how long the upstream takes to answer
 * @param duration the measurement window per point
 * @param warmup the load before each window that is not recorded
 * @param workers gateway workers (Corral), serving event loops (Netty, Jetty selectors)
 * @param syncThreads threads per sync worker
 * @param requestTimeout how long a client waits for a response before counting a timeout
 * @param out the directory for the Markdown, CSV and SVG reports
 * @param help true if {@code --help} was given
 */
public record CompareOptions(
        List<String> models,
        boolean peers,
        List<Integer> sweep,
        Duration latency,
        Duration duration,
        Duration warmup,
        int workers,
        int syncThreads,
        Duration requestTimeout,
        Path out,
        boolean help) {

    /** Corral's worker models, in the order the comparison runs them. */
    public static final List<String> CORRAL_MODELS = List.of("sync", "async", "virtual");

    /** The peer servers {@code --peers} adds, in order. */
    public static final List<String> PEERS = List.of("netty", "helidon", "jetty");

    /**
     * The same gateway written against the JDK's {@code com.sun.net.httpserver} API, on the JDK's
     * own provider, robaho's, Jetty's and Corral's on each model; {@code --jdk-api} adds them.
     */
    public static final List<String> JDK_API =
            List.of("jdk-builtin", "jdk-robaho", "jdk-jetty", "jdk-sync", "jdk-async", "jdk-virtual");

    private static final Set<String> FLAGS = Set.of(
            "models", "sweep", "latency-ms", "duration", "warmup", "workers", "sync-threads", "request-timeout", "out");

    /** Checks the values; messages name the option and what is allowed. */
    public CompareOptions {
        models = List.copyOf(models);
        sweep = List.copyOf(sweep);
        if (models.isEmpty() && !peers) {
            throw new IllegalArgumentException("--models: name at least one of sync, async, virtual (or add --peers)");
        }
        for (String m : models) {
            if (!CORRAL_MODELS.contains(m) && !PEERS.contains(m) && !JDK_API.contains(m)) {
                throw new IllegalArgumentException("--models: '" + m
                        + "' is not a server; expected sync, async, virtual, netty, helidon, jetty or one of "
                        + String.join(", ", JDK_API));
            }
        }
        if (sweep.isEmpty()) {
            throw new IllegalArgumentException("--sweep: give at least one concurrency");
        }
        for (int c : sweep) {
            if (c < 1 || c > 100_000) {
                throw new IllegalArgumentException("--sweep: " + c + " is not a concurrency from 1 to 100000");
            }
        }
        positive("--latency-ms", latency);
        positive("--duration", duration);
        if (warmup.isNegative()) {
            throw new IllegalArgumentException("--warmup: must not be negative");
        }
        positive("--request-timeout", requestTimeout);
        if (workers < 1 || workers > 4096) {
            throw new IllegalArgumentException("--workers: " + workers + " is not from 1 to 4096");
        }
        if (syncThreads < 1 || syncThreads > 10_000) {
            throw new IllegalArgumentException("--sync-threads: " + syncThreads + " is not from 1 to 10000");
        }
    }

    /** Returns the defaults: sync, async and virtual at 10, 100, 1000 and 5000 against a 100 ms upstream. */
    public static CompareOptions defaults() {
        return parse();
    }

    /**
     * Parses {@code --name value} or {@code --name=value} arguments and the {@code --peers} and
     * {@code --help} switches.
     *
     * @throws IllegalArgumentException for an unknown option, a missing value or a bad value
     */
    public static CompareOptions parse(String... args) {
        boolean peers = false;
        boolean help = false;
        boolean jdkApi = false;
        List<String> rest = new ArrayList<>();
        for (String a : args) {
            switch (a) {
                case "--peers" -> peers = true;
                case "--jdk-api" -> jdkApi = true;
                case "--help", "-h" -> help = true;
                default -> rest.add(a);
            }
        }
        Map<String, String> p = pairs(rest.toArray(String[]::new));
        for (String name : p.keySet()) {
            if (!FLAGS.contains(name)) {
                throw new IllegalArgumentException("unknown option --" + name + "; run with --help for the list");
            }
        }
        List<String> models = new ArrayList<>();
        for (String m : p.getOrDefault("models", "sync,async,virtual").split(",")) {
            String name = m.trim().toLowerCase(Locale.ROOT);
            if (!name.isEmpty() && !models.contains(name)) {
                models.add(name);
            }
        }
        if (jdkApi) {
            for (String name : JDK_API) {
                if (!models.contains(name)) {
                    models.add(name);
                }
            }
        }
        List<Integer> sweep = new ArrayList<>();
        for (String c : p.getOrDefault("sweep", "10,100,1000,5000").split(",")) {
            if (!c.isBlank()) {
                sweep.add(integer("--sweep", c.trim()));
            }
        }
        int defaultWorkers = Runtime.getRuntime().availableProcessors();
        return new CompareOptions(
                models,
                peers,
                sweep,
                Duration.ofMillis(integer("--latency-ms", p.getOrDefault("latency-ms", "100"))),
                duration("--duration", p.getOrDefault("duration", "7s")),
                duration("--warmup", p.getOrDefault("warmup", "3s")),
                integer("--workers", p.getOrDefault("workers", Integer.toString(defaultWorkers))),
                integer("--sync-threads", p.getOrDefault("sync-threads", "1")),
                duration("--request-timeout", p.getOrDefault("request-timeout", "5s")),
                Path.of(p.getOrDefault("out", "target/compare")),
                help);
    }

    /** Returns every server to run: the models, then the peers if {@code --peers} was given. */
    public List<String> servers() {
        Set<String> all = new LinkedHashSet<>(models);
        if (peers) {
            all.addAll(PEERS);
        }
        return List.copyOf(all);
    }

    /**
     * Reads {@code --name value} and {@code --name=value} pairs into a map keyed by name without
     * dashes, in order.
     *
     * @throws IllegalArgumentException for a value without a name or a name without a value
     */
    public static Map<String, String> pairs(String... args) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--") || a.length() == 2) {
                throw new IllegalArgumentException("expected an option such as --sweep, got '" + a + "'");
            }
            int eq = a.indexOf('=');
            if (eq > 0) {
                map.put(a.substring(2, eq), a.substring(eq + 1));
            } else if (i + 1 < args.length) {
                map.put(a.substring(2), args[++i]);
            } else {
                throw new IllegalArgumentException(a + " needs a value");
            }
        }
        return map;
    }

    /**
     * Parses a duration: seconds ({@code 10}, {@code 0.5}) or a number with a unit ({@code 500ms},
     * {@code 10s}, {@code 2m}).
     */
    public static Duration duration(String option, String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        try {
            if (t.endsWith("ms")) {
                return Duration.ofMillis(
                        Long.parseLong(t.substring(0, t.length() - 2).trim()));
            }
            if (t.endsWith("s")) {
                t = t.substring(0, t.length() - 1).trim();
            } else if (t.endsWith("m")) {
                return Duration.ofMillis(Math.round(Double.parseDouble(t.substring(0, t.length() - 1)) * 60_000));
            }
            return Duration.ofMillis(Math.round(Double.parseDouble(t) * 1000));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    option + ": '" + text + "' is not a duration; expected seconds or a number with ms, s or m");
        }
    }

    private static int integer(String option, String text) {
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + ": '" + text + "' is not a whole number");
        }
    }

    private static void positive(String option, Duration d) {
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(option + ": must be above zero, got " + d);
        }
    }

    /** Returns the {@code --help} text. */
    public static String helpText() {
        return """
                Usage: java -jar benchmarks/target/compare.jar [options]

                Runs the same gateway app (each request calls a slow upstream over HTTP with the JDK
                HttpClient, then answers 200) under each worker model in its own JVM, at each
                concurrency, with closed-loop keep-alive load, and reports throughput against the
                Little's-law limit (concurrency / upstream latency), latency percentiles corrected for
                coordinated omission, errors, and the gateway's heap and thread count.

                Options (default in brackets):
                  --models LIST         Corral worker models to run [sync,async,virtual]; netty, helidon
                                        and jetty may be named too
                  --peers               also run the app on Netty, Helidon 4 SE and Jetty 12
                  --jdk-api             also run the app written against the JDK's com.sun.net.httpserver
                                        API (no executor set) on the JDK's own provider, robaho's,
                                        Jetty's and Corral's with each model (corral.executor=worker);
                                        single ones may be named in --models: jdk-builtin, jdk-robaho,
                                        jdk-jetty, jdk-sync, jdk-async, jdk-virtual
                  --sweep LIST          concurrencies [10,100,1000,5000]
                  --latency-ms N        upstream latency in ms [100]
                  --duration D          measurement per point, e.g. 10s [7s]
                  --warmup D            unrecorded load before each point [3s]
                  --workers N           gateway workers / event loops [the CPU count]
                  --sync-threads N      threads per sync worker [1, the sync default]
                  --request-timeout D   a response slower than this is a timeout error [5s]
                  --out DIR             where compare.md, compare.csv and compare.svg go [target/compare]
                  --help                this text

                Needs about 2 x the largest concurrency in open files; raise the limit first with
                `ulimit -n 20000`. A model that is not on the class path is reported and skipped.
                """;
    }
}
