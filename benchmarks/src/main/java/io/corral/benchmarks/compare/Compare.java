package io.corral.benchmarks.compare;

import io.corral.spi.WorkerFactory;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;

/**
 * The worker-model comparison, the project's main benchmark: the same gateway app under each
 * worker model (and, with {@code --peers}, on Netty, Helidon and Jetty), at each concurrency of a
 * sweep, against a slow upstream; reports throughput against the Little's-law limit, latency,
 * errors, heap and threads.
 *
 * <pre>
 * mvn -B -q package -DskipTests &amp;&amp; java -jar benchmarks/target/compare.jar
 * java -jar benchmarks/target/compare.jar --models sync,virtual --sweep 10,100 --duration 5s --peers
 * </pre>
 *
 * <p>Per point: a fresh gateway JVM ({@link GatewayMain}, so that heap, threads, JIT and GC state
 * belong to that point alone), {@code warmup} of unrecorded load, a {@code duration} window of
 * closed-loop load from {@link LoadGenerator}, then the gateway's heap after a full GC and its peak
 * thread count while the load still runs. The upstream ({@link SlowUpstream}) lives in this JVM.
 * Results go to stdout as a table and to {@code --out} as {@code compare.md}, {@code compare.csv}
 * and {@code compare.svg}; progress goes to stderr.
 */
public final class Compare {

    private static final int BACKLOG = 8192;

    private final CompareOptions options;
    private final PrintStream out;
    private final PrintStream progress;
    private final List<String> notes = new ArrayList<>();
    private String loadBefore = "";

    Compare(CompareOptions options, PrintStream out, PrintStream progress) {
        this.options = options;
        this.out = out;
        this.progress = progress;
    }

    /** Runs the comparison; see {@code --help}. */
    public static void main(String[] args) {
        CompareOptions options;
        try {
            options = CompareOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("compare: " + e.getMessage());
            System.err.println("Run with --help to see every option.");
            System.exit(2);
            return;
        }
        if (options.help()) {
            System.out.print(CompareOptions.helpText());
            return;
        }
        int code;
        try {
            code = new Compare(options, System.out, System.err).run();
        } catch (IOException e) {
            System.err.println("compare: " + e.getMessage());
            code = 1;
        }
        System.exit(code);
    }

    /** Runs every point, writes the reports and returns the exit code (0 if every point ran). */
    int run() throws IOException {
        Instant began = Instant.now();
        loadBefore = loadAverage();
        long fdLimit = FdBudget.limit();
        int maxConcurrency = FdBudget.maxConcurrency(fdLimit);
        List<String> servers = available(options.servers());
        List<Point> plan = plan(servers, maxConcurrency, fdLimit);
        if (plan.isEmpty()) {
            progress.println("compare: nothing to run");
            notes.forEach(n -> progress.println("  " + n));
            return 1;
        }
        Files.createDirectories(options.out());
        Path logs = options.out().resolve("logs");
        Files.createDirectories(logs);
        Duration perPoint = options.warmup().plus(options.duration()).plusSeconds(2);
        progress.printf(
                Locale.ROOT,
                "compare: %d points (%s) x sweep %s, upstream %d ms, about %d s%n",
                plan.size(),
                String.join(", ", servers),
                options.sweep(),
                options.latency().toMillis(),
                perPoint.toSeconds() * plan.size());
        List<PointResult> results = new ArrayList<>();
        int failed = 0;
        try (SlowUpstream upstream = SlowUpstream.start(options.latency())) {
            for (int i = 0; i < plan.size(); i++) {
                Point p = plan.get(i);
                progress.printf(
                        Locale.ROOT,
                        "[%d/%d] %-8s c=%-5d warmup %s, measuring %s ...%n",
                        i + 1,
                        plan.size(),
                        p.server(),
                        p.concurrency(),
                        seconds(options.warmup()),
                        seconds(options.duration()));
                try {
                    PointResult r = runPoint(p, upstream, logs);
                    results.add(r);
                    progress.printf(
                            Locale.ROOT,
                            "        %,.0f req/s (%.0f%% of C/L), p99 %s ms, errors %s%n",
                            r.load().requestsPerSecond(),
                            100 * r.efficiency(),
                            Reports.millis(r.load().percentileMillis(99)),
                            r.load().errorSummary());
                } catch (IOException | RuntimeException e) {
                    failed++;
                    String note = p.server() + " at c=" + p.concurrency() + " failed: " + e.getMessage();
                    notes.add(note);
                    progress.println("        " + note);
                }
            }
        }
        long took = Duration.between(began, Instant.now()).toSeconds();
        writeReports(results, began, took);
        return failed == 0 ? 0 : 1;
    }

    private PointResult runPoint(Point p, SlowUpstream upstream, Path logs) throws IOException {
        Path log = logs.resolve("gateway-" + p.server() + "-c" + p.concurrency() + ".log");
        Files.deleteIfExists(log);
        int threads = p.server().equals("sync") ? options.syncThreads() : 1;
        try (GatewayProcess gateway =
                GatewayProcess.start(p.server(), upstream.port(), options.workers(), threads, BACKLOG, log)) {
            LoadGenerator.Settings settings =
                    new LoadGenerator.Settings(options.requestTimeout(), Duration.ofSeconds(5), options.latency());
            InetSocketAddress target = new InetSocketAddress("127.0.0.1", gateway.port());
            try (LoadGenerator load = new LoadGenerator(target, "/", p.concurrency(), settings)) {
                load.start();
                sleep(options.warmup());
                long cpuBefore = gateway.cpuNanos(Duration.ofSeconds(5));
                load.startMeasuring();
                sleep(options.duration());
                LoadResult result = load.stopMeasuring();
                long cpuAfter = gateway.cpuNanos(Duration.ofSeconds(5));
                GatewayProcess.Stats stats = gateway.stats(Duration.ofSeconds(20));
                return new PointResult(
                        p.server(),
                        p.concurrency(),
                        options.latency(),
                        result,
                        stats == null ? -1 : stats.heapBytes(),
                        stats == null ? -1 : stats.peakThreads(),
                        cpuBefore < 0 || cpuAfter < 0 ? -1 : cpuAfter - cpuBefore);
            }
        }
    }

    /** Keeps the servers that can run here; notes the others. */
    private List<String> available(List<String> servers) {
        Set<String> models = new TreeSet<>();
        for (WorkerFactory f : ServiceLoader.load(WorkerFactory.class)) {
            models.add(f.name());
        }
        List<String> ok = new ArrayList<>();
        for (String s : servers) {
            if (CompareOptions.CORRAL_MODELS.contains(s) && !models.contains(s)) {
                String note = "skipped " + s + ": the " + s + " worker model is not on the class path (found: "
                        + String.join(", ", models) + ")";
                notes.add(note);
                progress.println("compare: " + note);
            } else {
                ok.add(s);
            }
        }
        return ok;
    }

    /** Lays out the points, clipping concurrencies the open-file limit cannot hold. */
    private List<Point> plan(List<String> servers, int maxConcurrency, long fdLimit) {
        List<Integer> sweep = new ArrayList<>();
        for (int c : options.sweep()) {
            int run = Math.min(c, maxConcurrency);
            if (run < 1) {
                notes.add("skipped c=" + c + ": the open-file limit (" + fdLimit + ") leaves no room for connections");
                continue;
            }
            if (run < c) {
                notes.add("c=" + c + " clipped to " + run + ": the open-file limit is " + fdLimit
                        + " and each point needs about 2 x c; raise it with `ulimit -n 20000`");
            }
            if (!sweep.contains(run)) {
                sweep.add(run);
            }
        }
        notes.forEach(n -> {
            if (n.contains("open-file")) {
                progress.println("compare: " + n);
            }
        });
        List<Point> plan = new ArrayList<>();
        for (String s : servers) {
            for (int c : sweep) {
                plan.add(new Point(s, c));
            }
        }
        return plan;
    }

    private void writeReports(List<PointResult> results, Instant began, long tookSeconds) throws IOException {
        Path md = options.out().resolve("compare.md");
        Path csv = options.out().resolve("compare.csv");
        Path svg = options.out().resolve("compare.svg");
        String title = "Gateway throughput vs concurrency, upstream "
                + options.latency().toMillis() + " ms";
        Files.writeString(svg, SvgChart.render(title, options.latency(), results), StandardCharsets.UTF_8);
        Files.writeString(csv, Reports.csv(results), StandardCharsets.UTF_8);
        Files.writeString(md, Reports.markdown(preamble(began, tookSeconds), results), StandardCharsets.UTF_8);
        out.println();
        out.print(Reports.table(results));
        for (String n : notes) {
            out.println("note: " + n);
        }
        out.println();
        out.println("eff = req/s / (C / L), the Little's-law limit; latency corrected for coordinated omission;");
        out.println(
                "heap = gateway heap used after a full GC at the end of the window; threads = peak platform threads.");
        out.println("Wrote " + md + ", " + csv + " and " + svg);
    }

    private String preamble(Instant began, long tookSeconds) {
        StringBuilder sb = new StringBuilder("# Corral compare\n\n");
        sb.append("![throughput against concurrency](compare.svg)\n\n");
        sb.append("- run: ")
                .append(began.truncatedTo(ChronoUnit.SECONDS))
                .append(", took ")
                .append(tookSeconds)
                .append(" s\n");
        sb.append("- machine: ").append(machine()).append('\n');
        if (!loadBefore.isEmpty()) {
            sb.append("- load average (1, 5, 15 min) before the run: ")
                    .append(loadBefore)
                    .append(", after: ")
                    .append(loadAverage())
                    .append(" (anything else running competes for the same cores)\n");
        }
        sb.append("- JDK: ")
                .append(System.getProperty("java.vm.name"))
                .append(' ')
                .append(System.getProperty("java.runtime.version"))
                .append('\n');
        sb.append(String.format(
                Locale.ROOT,
                "- upstream latency L = %d ms; per point %s warmup + %s measured, fresh gateway JVM (-Xmx2g);"
                        + " %d gateway workers; sync threads %d; request timeout %s%n",
                options.latency().toMillis(),
                seconds(options.warmup()),
                seconds(options.duration()),
                options.workers(),
                options.syncThreads(),
                seconds(options.requestTimeout())));
        sb.append("- eff = req/s ÷ (C ÷ L); latency from a closed loop, corrected for coordinated omission"
                + " with L as the expected interval; heap = gateway heap used after a full GC at the end of"
                + " the window, load still running; threads = peak live platform threads of the gateway JVM;"
                + " cpu µs = the gateway JVM's CPU time during the window per 200 response\n");
        for (String n : notes) {
            sb.append("- note: ").append(n).append('\n');
        }
        return sb.append('\n').toString();
    }

    private static String machine() {
        String cpu = "";
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    cpu = line.substring(line.indexOf(':') + 1).trim();
                    break;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        long memory = -1;
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            memory = os.getTotalMemorySize();
        }
        return Runtime.getRuntime().availableProcessors() + " cores"
                + (cpu.isEmpty() ? "" : " (" + cpu + ")")
                + (memory > 0 ? ", " + Math.round(memory / (1024.0 * 1024 * 1024)) + " GiB" : "")
                + ", " + System.getProperty("os.name") + " " + System.getProperty("os.arch");
    }

    /** Returns the 1, 5 and 15 minute load averages from /proc/loadavg, or empty off Linux. */
    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + ", " + f[1] + ", " + f[2];
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private record Point(String server, int concurrency) {}
}
