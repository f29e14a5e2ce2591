package io.corral.worker.async;

import io.corral.Arbiter;
import io.corral.Config;
import io.corral.Hooks;
import io.corral.http.AsyncHandler;
import io.corral.http.Handler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Starts async Arbiters on 127.0.0.1, port 0, for one test, and shuts them down after it. Thread-safe. */
final class Servers implements AutoCloseable {

    private final List<Arbiter> started = new CopyOnWriteArrayList<>();

    /** One async worker, generous timeouts. */
    static Config.Builder settings() {
        return Config.builder()
                .bind("127.0.0.1:0")
                .workerClass("async")
                .workers(1)
                .keepalive(Duration.ofSeconds(5))
                .timeout(Duration.ofSeconds(30))
                .headerTimeout(Duration.ofSeconds(10));
    }

    Arbiter start(Config.Builder config, Handler handler) throws IOException {
        return start(config, handler, Hooks.NONE);
    }

    Arbiter start(Config.Builder config, Handler handler, Hooks hooks) throws IOException {
        return keep(Arbiter.builder().config(config.build()).handler(handler).hooks(hooks));
    }

    Arbiter startAsync(Config.Builder config, AsyncHandler handler, Hooks hooks) throws IOException {
        return keep(
                Arbiter.builder().config(config.build()).asyncHandler(handler).hooks(hooks));
    }

    private Arbiter keep(Arbiter.Builder builder) throws IOException {
        Arbiter a = builder.start();
        started.add(a);
        return a;
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() {
        for (Arbiter a : started) {
            a.shutdown(Duration.ofSeconds(5));
        }
    }
}
