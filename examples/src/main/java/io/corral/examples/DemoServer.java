package io.corral.examples;

import io.corral.Arbiter;
import io.corral.Config;
import io.corral.ConfigException;
import io.corral.Setting;
import io.corral.http.AsyncHandler;
import io.corral.http.Handler;
import io.corral.http.Request;
import io.corral.http.Response;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The demo server: the app every benchmark and check drives. Its routes are a stable contract:
 *
 * <ul>
 *   <li>{@code GET /hello} → 200 {@code Hello, World!} (text/plain)
 *   <li>{@code GET /sleep?ms=N} → 200 after waiting N ms the way the worker model waits best: a
 *       sleeping platform thread on {@code sync}, a parked virtual thread on {@code virtual}, a
 *       scheduler completing a future on {@code async}
 *   <li>{@code POST /echo} → 200 with the request body
 *   <li>{@code GET /whoami} → 200 {@code application/json}: where the request came from, {@code
 *       {"client":"203.0.113.7","client_port":0,"peer":"127.0.0.1","scheme":"https",
 *       "host":"shop.example","secure":false}} ({@code client} as derived from trusted proxies,
 *       {@code peer} the TCP peer)
 *   <li>anything else → 404
 * </ul>
 *
 * <pre>
 * java -jar examples/target/corral-examples.jar --bind 127.0.0.1:8000 --worker-class virtual
 * </pre>
 *
 * <p>Every setting is accepted as {@code --name value} (see {@code --help}); {@code --access-log}
 * turns the access log on; {@code --metrics-path /metrics} (and {@code --health-path}, {@code
 * --readiness-path}) serve those endpoints before the routes above. The server logs its address and worker class when ready and shuts down
 * gracefully on SIGTERM and SIGINT.
 */
public final class DemoServer {

    private static final Logger LOG = LoggerFactory.getLogger("io.corral.examples.demo");
    private static final long MAX_SLEEP_MS = 600_000;
    private static final byte[] HELLO = "Hello, World!".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private DemoServer() {}

    /** Runs the demo server until SIGTERM or SIGINT. */
    public static void main(String[] args) throws IOException {
        List<String> settings = new ArrayList<>();
        for (String arg : args) {
            if (arg.equals("--help") || arg.equals("-h")) {
                System.out.println(help());
                return;
            } else if (arg.equals("--access-log")) {
                System.setProperty("org.slf4j.simpleLogger.log.io.corral.access", "info");
            } else {
                settings.add(arg);
            }
        }
        Config config;
        try {
            config = Config.builder().bind("127.0.0.1:8000").args(settings).build();
        } catch (ConfigException e) {
            System.err.println("corral-examples: " + e.getMessage());
            System.err.println("Run with --help to see every setting.");
            System.exit(2);
            return;
        }
        Arbiter arbiter;
        try {
            arbiter = start(config);
        } catch (ConfigException e) { // a TLS file that is missing, expired, not matching its key...
            System.err.println("corral-examples: " + e.getMessage());
            System.exit(2);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(arbiter::close, "corral-shutdown"));
        LOG.info(
                "Demo server ready at {}://{}:{}/hello with worker class {}",
                config.tlsEnabled() ? "https" : "http",
                arbiter.address().getAddress().getHostAddress(),
                arbiter.port(),
                arbiter.workerClass());
        arbiter.awaitTermination();
    }

    /** Starts the demo app on {@code config}, choosing the handler style that suits its worker class. */
    public static Arbiter start(Config config) throws IOException {
        Arbiter.Builder builder = Arbiter.builder().config(config);
        if (config.workerClass().equals("async")) {
            ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "demo-sleep-timer");
                t.setDaemon(true);
                return t;
            });
            builder.asyncHandler(asyncApp(timer));
        } else {
            builder.handler(blockingApp());
        }
        return builder.start();
    }

    /** The demo app as blocking code: /sleep sleeps the calling (platform or virtual) thread. */
    public static Handler blockingApp() {
        return request -> switch (route(request)) {
            case "hello" -> hello();
            case "sleep" -> {
                long ms = sleepMillis(request);
                if (ms < 0) {
                    yield badSleep();
                }
                Thread.sleep(ms);
                yield Response.ok("slept " + ms + " ms\n");
            }
            case "echo" -> echo(request, request.bodyBytes());
            case "whoami" -> whoami(request);
            default -> Response.text(404, "Not Found\n");
        };
    }

    /**
     * The demo app as non-blocking code: /sleep completes from {@code timer}, holding no thread;
     * /echo gathers the body as it arrives ({@code bodyBytesAsync}), never blocking the event loop.
     */
    public static AsyncHandler asyncApp(ScheduledExecutorService timer) {
        return request -> switch (route(request)) {
            case "hello" -> CompletableFuture.completedFuture(hello());
            case "sleep" -> sleepAsync(request, timer);
            case "echo" -> request.bodyBytesAsync().thenApply(body -> echo(request, body));
            case "whoami" -> CompletableFuture.completedFuture(whoami(request));
            default -> CompletableFuture.completedFuture(Response.text(404, "Not Found\n"));
        };
    }

    private static CompletionStage<Response> sleepAsync(Request request, ScheduledExecutorService timer) {
        long ms = sleepMillis(request);
        if (ms < 0) {
            return CompletableFuture.completedFuture(badSleep());
        }
        CompletableFuture<Response> done = new CompletableFuture<>();
        timer.schedule(() -> done.complete(Response.ok("slept " + ms + " ms\n")), ms, TimeUnit.MILLISECONDS);
        return done;
    }

    private static String route(Request request) {
        String path = request.path();
        String method = request.method();
        if (path.equals("/hello") && (method.equals("GET") || method.equals("HEAD"))) {
            return "hello";
        }
        if (path.equals("/sleep") && (method.equals("GET") || method.equals("HEAD"))) {
            return "sleep";
        }
        if (path.equals("/echo") && method.equals("POST")) {
            return "echo";
        }
        if (path.equals("/whoami") && (method.equals("GET") || method.equals("HEAD"))) {
            return "whoami";
        }
        return "none";
    }

    private static Response hello() {
        return Response.of(200).contentType("text/plain").body(HELLO);
    }

    /** Where the request came from, as JSON. */
    static Response whoami(Request request) {
        String json = "{\"client\":" + quote(ip(request.remoteAddress())) + ",\"client_port\":"
                + request.remoteAddress().getPort() + ",\"peer\":" + quote(ip(request.peerAddress()))
                + ",\"scheme\":" + quote(request.scheme()) + ",\"host\":" + quote(request.host())
                + ",\"secure\":" + request.secure() + "}\n";
        return Response.of(200).contentType("application/json").body(json);
    }

    private static String ip(InetSocketAddress a) {
        return a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString();
    }

    private static String quote(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append('"').toString();
    }

    private static Response echo(Request request, byte[] body) {
        String type = request.header("Content-Type").orElse("application/octet-stream");
        return Response.of(200).contentType(type).body(body);
    }

    /** Returns the ms parameter, or -1 if it is missing or not a number from 0 to 600000. */
    private static long sleepMillis(Request request) {
        try {
            long ms = Long.parseLong(request.queryParam("ms").orElse("0"));
            return ms < 0 || ms > MAX_SLEEP_MS ? -1 : ms;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static Response badSleep() {
        return Response.text(400, "ms must be a whole number of milliseconds from 0 to " + MAX_SLEEP_MS + "\n");
    }

    private static String help() {
        StringBuilder sb = new StringBuilder();
        sb.append("Usage: java -jar corral-examples.jar [--name value]... [--access-log]\n\n");
        sb.append("Routes: GET /hello, GET /sleep?ms=N, POST /echo, GET /whoami; anything else is 404.\n");
        sb.append("--metrics-path, --health-path and --readiness-path add those endpoints.\n\n");
        sb.append("Settings (default in brackets; the demo binds 127.0.0.1:8000):\n");
        for (Setting s : Setting.values()) {
            sb.append(String.format(
                    "  %-28s [%s]%n      %s%n",
                    s.flag() + s.shortFlag().map(f -> ", " + f).orElse(""), s.defaultValue(), s.description()));
        }
        sb.append("  --access-log\n      Log one line per request on logger io.corral.access (stderr).\n");
        return sb.toString();
    }
}
