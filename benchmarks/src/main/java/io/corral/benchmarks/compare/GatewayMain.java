package io.corral.benchmarks.compare;

import io.corral.Arbiter;
import io.corral.Config;
import io.corral.benchmarks.jdkhttp.JdkApiGateway;
import io.corral.benchmarks.peers.HelidonGateway;
import io.corral.benchmarks.peers.JettyGateway;
import io.corral.benchmarks.peers.NettyGateway;
import io.corral.http.Response;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/**
 * The gateway app in its own JVM: one server (a Corral worker model or a peer) whose every request
 * calls the slow upstream through {@link UpstreamClient} and answers {@code 200 gateway ok}.
 * {@link Compare} starts one per measured point and talks to it over stdin and stdout.
 *
 * <pre>
 * java -cp compare.jar io.corral.benchmarks.compare.GatewayMain --model virtual --upstream-port 40123 \
 *     --workers 2 --threads 1 --backlog 8192
 * </pre>
 *
 * <p>Protocol: once serving it prints {@code READY <port>}. A {@code STATS} line on stdin runs a
 * full GC and answers {@code STATS heap=<bytes used> threads=<live platform threads>
 * peak=<peak platform threads>}; a {@code CPU} line answers {@code CPU nanos=<CPU time this JVM
 * has used>} (-1 if unknown); {@code EXIT} or the end of stdin ends the JVM. Everything else
 * (logs) goes to stderr.
 *
 * <p>Corral's models run with {@code worker_connections} 10000, the given backlog, {@code
 * keepalive} 75 s and the default {@code timeout}, so that their limits are the model's, not the
 * configuration's; sync runs {@code --threads} threads per worker. The blocking models call {@link
 * UpstreamClient#fetch()} from a {@code Handler}; async calls {@link UpstreamClient#fetchAsync()}
 * from an {@code AsyncHandler}.
 */
public final class GatewayMain {

    private GatewayMain() {}

    /** A started gateway server. */
    public interface Running extends AutoCloseable {
        /** Returns the port it listens on, on 127.0.0.1. */
        int port();

        /** Stops the server (promptly; requests in flight may be lost). */
        @Override
        void close();
    }

    /** Runs one gateway until {@code EXIT} or the end of stdin. */
    public static void main(String[] args) throws Exception {
        Map<String, String> opts = CompareOptions.pairs(args);
        String model = opts.getOrDefault("model", "virtual");
        int upstreamPort = Integer.parseInt(opts.get("upstream-port"));
        int workers = Integer.parseInt(opts.getOrDefault("workers", "1"));
        int threads = Integer.parseInt(opts.getOrDefault("threads", "1"));
        int backlog = Integer.parseInt(opts.getOrDefault("backlog", "8192"));
        UpstreamClient upstream = new UpstreamClient(upstreamPort);
        Running server = start(model, upstream, workers, threads, backlog);
        System.out.println("READY " + server.port());
        System.out.flush();
        ThreadMXBean threadBean = ManagementFactory.getThreadMXBean();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            if (line.equals("STATS")) {
                System.gc();
                long heap =
                        ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
                System.out.println("STATS heap=" + heap + " threads=" + threadBean.getThreadCount() + " peak="
                        + threadBean.getPeakThreadCount());
                System.out.flush();
            } else if (line.equals("CPU")) {
                System.out.println("CPU nanos=" + cpuNanos());
                System.out.flush();
            } else if (line.equals("EXIT")) {
                break;
            }
        }
        Runtime.getRuntime().halt(0);
    }

    private static long cpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }

    /**
     * Starts the gateway of {@code model}: sync, async, virtual, netty, helidon, jetty, or one of
     * {@link CompareOptions#JDK_API} (which picks this JVM's HttpServer provider: one per JVM).
     */
    public static Running start(String model, UpstreamClient upstream, int workers, int threads, int backlog)
            throws Exception {
        return switch (model) {
            case "netty" -> NettyGateway.start(upstream, workers, backlog);
            case "helidon" -> HelidonGateway.start(upstream, backlog);
            case "jetty" -> JettyGateway.start(upstream, workers, backlog);
            case "jdk-builtin", "jdk-robaho", "jdk-jetty", "jdk-sync", "jdk-async", "jdk-virtual" ->
                JdkApiGateway.start(model, upstream, workers, threads, backlog);
            default -> startCorral(model, upstream, workers, threads, backlog);
        };
    }

    private static Running startCorral(String model, UpstreamClient upstream, int workers, int threads, int backlog)
            throws Exception {
        Config config = Config.builder()
                .bind("127.0.0.1:0")
                .workerClass(model)
                .workers(workers)
                .threads(threads)
                .workerConnections(10_000)
                .backlog(backlog)
                .keepalive(Duration.ofSeconds(75))
                .build();
        Response ok = Response.of(200).contentType("text/plain").body(UpstreamClient.GATEWAY_BODY);
        Response bad = Response.text(502, "upstream failed\n");
        Arbiter.Builder builder = Arbiter.builder().config(config);
        if (model.equals("async")) {
            builder.asyncHandler(request -> upstream.fetchAsync().handle((v, e) -> e == null ? ok : bad));
        } else {
            builder.handler(request -> {
                try {
                    upstream.fetch();
                    return ok;
                } catch (java.io.IOException e) {
                    return bad;
                }
            });
        }
        Arbiter arbiter = builder.start();
        return new Running() {
            @Override
            public int port() {
                return arbiter.port();
            }

            @Override
            public void close() {
                arbiter.shutdown(Duration.ofSeconds(1));
            }
        };
    }
}
