package io.corral.examples;

import io.corral.Arbiter;
import io.corral.Config;
import io.corral.http.Response;
import io.corral.spi.WorkerFactory;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ServiceLoader;
import java.util.TreeSet;

/**
 * A consumer of Corral on the module path: finds the worker models through {@link ServiceLoader}
 * (service binding resolves the worker modules; nothing {@code requires} them) and serves one
 * request with each. Exits non-zero if a model is missing or fails, so a broken {@code
 * module-info} shows up. Run by the examples' tests; prints one line per model to stdout.
 *
 * <pre>
 * java --module-path &lt;jars&gt; --module io.corral.examples/io.corral.examples.ModulePathCheck sync virtual
 * </pre>
 */
public final class ModulePathCheck {

    private ModulePathCheck() {}

    /** Checks the worker models named in {@code args}. */
    public static void main(String[] args) throws IOException, InterruptedException {
        TreeSet<String> found = new TreeSet<>();
        for (WorkerFactory f : ServiceLoader.load(WorkerFactory.class)) {
            found.add(f.name());
        }
        System.out.println("module " + ModulePathCheck.class.getModule().getName() + " found workers " + found);
        HttpClient client = HttpClient.newHttpClient();
        for (String model : args) {
            if (!found.contains(model)) {
                System.out.println("MISSING " + model);
                System.exit(1);
            }
            Arbiter arbiter = Arbiter.builder()
                    .config(Config.builder()
                            .bind("127.0.0.1:0")
                            .workerClass(model)
                            .build())
                    .handler(request -> Response.ok("hello from " + model))
                    .start();
            try {
                HttpResponse<String> r = client.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + arbiter.port() + "/"))
                                .timeout(Duration.ofSeconds(30))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                System.out.println("OK " + model + " " + r.statusCode() + " " + r.body());
                if (r.statusCode() != 200) {
                    System.exit(1);
                }
            } finally {
                arbiter.shutdown(Duration.ofSeconds(5));
            }
        }
    }
}
