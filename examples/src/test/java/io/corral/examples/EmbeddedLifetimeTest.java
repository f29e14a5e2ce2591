package io.corral.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.testing.Await;
import io.corral.testing.RawClient;
import io.corral.testing.RawResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * An application that embeds Corral as the README shows, with a {@code main} that returns right
 * after {@code start()}, keeps serving until it is told to stop: through recycled workers, a
 * replaced hung worker and a replaced stuck thread, on every model. Each case runs in a fresh JVM,
 * because in the test's own JVM the test runner's threads keep the JVM alive whatever Corral's
 * threads are.
 *
 * <p>What it guards: threads that the Arbiter's monitor starts (successor workers, a replacement
 * sync thread) inherit the monitor's daemon flag unless they set their own, and once the workers
 * started from {@code main} are gone a JVM with only daemon threads left exits by itself.
 */
@Timeout(120)
class EmbeddedLifetimeTest {

    /** How long the JVM must keep running once the original workers are gone; it would exit at once. */
    private static final Duration GRACE = Duration.ofSeconds(1);

    /** Attempts per request; a keep-alive connection may close as a retiring worker gives it up. */
    private static final int ATTEMPTS = 3;

    @ParameterizedTest
    @ValueSource(strings = {"sync", "async", "virtual"})
    void readmeExampleKeepsServingAfterMaxRequestsRecyclesItsWorkers(String model) throws Exception {
        try (ChildJvm child = ChildJvm.start(
                EmbeddedReadme.class, Map.of("corral.worker_class", model, "corral.max_requests", "5"))) {
            child.check(model, () -> {
                int port = child.port();
                for (int i = 0; i < 100; i++) {
                    assertHello(freshConnectionGet(port, "/?name=fresh" + i), "fresh" + i);
                }
                // the worker that main started has retired; its successor was started by the monitor
                child.awaitOutput("Worker 1 exited: max_requests");
                try (KeepAliveClient client = new KeepAliveClient(port)) {
                    for (int i = 0; i < 100; i++) {
                        assertHello(client.get("/?name=kept" + i), "kept" + i);
                    }
                }
                child.assertStaysRunning(GRACE, "after 200 requests, once the worker that main started had exited");
                assertHello(freshConnectionGet(port, "/?name=last"), "last");
                child.assertRunning("after the last request");
                child.terminate();
            });
        }
    }

    @Test
    void asyncKeepsServingAfterItReplacesAWorkerWhoseLoopIsBlocked() throws Exception {
        try (ChildJvm child = ChildJvm.start(
                EmbeddedStuckHandler.class,
                Map.of("corral.worker_class", "async", "corral.workers", "1", "corral.timeout", "1"))) {
            child.check("async", () -> {
                int port = child.port();
                try (RawClient stuck = RawClient.connect(port)) {
                    stuck.get("/stuck"); // blocks the only event loop; the Arbiter replaces the worker
                    // the hung worker's connections are closed when it is replaced; no answer is owed
                    answerOrClose(stuck);
                    String thread = freshConnectionGet(port, "/thread").text(); // only the successor serves now
                    assertEquals(200, freshConnectionGet(port, "/release").status());
                    awaitStuckFinished(port);
                    child.awaitOutput("Worker 1 exited: hung");
                    child.assertStaysRunning(GRACE, "once the hung worker's loop had returned and exited");
                    assertEquals("Hello, World", freshConnectionGet(port, "/").text());
                    child.assertRunning("after the last request");
                    assertEquals("daemon=false", thread, "the successor's event loop is a worker thread");
                }
                child.terminate();
            });
        }
    }

    @Test
    void syncKeepsServingAfterItReplacesAStuckThreadAndRecyclesItsWorker() throws Exception {
        try (ChildJvm child = ChildJvm.start(
                EmbeddedStuckHandler.class,
                Map.of(
                        "corral.worker_class", "sync",
                        "corral.workers", "1",
                        "corral.threads", "1",
                        "corral.timeout", "1",
                        "corral.max_requests", "5"))) {
            child.check("sync", () -> {
                int port = child.port();
                try (RawClient stuck = RawClient.connect(port)) {
                    stuck.get("/stuck"); // holds the only serving thread past timeout
                    assertEquals(504, stuck.read().status(), "a request past timeout gets 504");
                }
                // the thread stays stuck; the monitor started a replacement, which alone serves now
                String thread = freshConnectionGet(port, "/thread").text();
                assertEquals(200, freshConnectionGet(port, "/release").status());
                awaitStuckFinished(port);
                // the stuck thread has returned; now max_requests retires the worker that main started
                Await.until("the worker started by main has retired", () -> {
                    assertEquals("Hello, World", uncheckedGet(port, "/").text());
                    return child.output().contains("Worker 1 exited: max_requests");
                });
                child.assertStaysRunning(GRACE, "once the stuck thread had returned and its worker had retired");
                assertEquals("Hello, World", freshConnectionGet(port, "/").text());
                child.assertRunning("after the last request");
                assertEquals("daemon=false", thread, "the thread that replaced the stuck one is a worker thread");
                child.terminate();
            });
        }
    }

    /** {@link EmbeddedReadme} is the README's example but for the settings it reads from properties. */
    @Test
    void embeddedReadmeIsTheReadmeExample() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"));
        int section = readme.indexOf("## Embedding");
        assertTrue(section >= 0, "README.md has no Embedding section");
        int start = readme.indexOf("```java\n", section) + "```java\n".length();
        String example = readme.substring(start, readme.indexOf("```", start));
        String fixture = normalized(
                Files.readString(Path.of("src", "test", "java", "io", "corral", "examples", "EmbeddedReadme.java")));
        assertTrue(example.contains("addShutdownHook"), "README.md's Embedding example:\n" + example);
        for (String line : example.split("\n")) {
            String l = normalized(line);
            if (l.isEmpty() || l.startsWith(".config(") || l.startsWith("public final class")) {
                continue; // the settings and the class name are the fixture's own
            }
            assertTrue(fixture.contains(l), "EmbeddedReadme.java lacks the README's line:\n" + line);
        }
    }

    // ---- clients --------------------------------------------------------------------------------

    /** GETs {@code target} on a connection of its own with {@code Connection: close}; retries a lost connection. */
    private static RawResponse freshConnectionGet(int port, String target) throws IOException {
        IOException lost = null;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            try (RawClient c = RawClient.connect(port)) {
                return c.send("GET " + target + " HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
                        .read();
            } catch (IOException e) {
                lost = e;
            }
        }
        throw lost;
    }

    /** As {@link #freshConnectionGet}, for conditions that cannot throw {@link IOException}. */
    private static RawResponse uncheckedGet(int port, String target) {
        try {
            return freshConnectionGet(port, target);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Requests over one kept-alive connection at a time: a new connection after a response that
     * says {@code Connection: close}, and a retry on a new one when the server closed an idle one
     * just as a request went out (RFC 9112 9.3.1 lets a client retry an idempotent request).
     */
    private static final class KeepAliveClient implements AutoCloseable {
        private final int port;
        private RawClient current;

        KeepAliveClient(int port) {
            this.port = port;
        }

        RawResponse get(String target) throws IOException {
            IOException lost = null;
            for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
                try {
                    if (current == null) {
                        current = RawClient.connect(port);
                    }
                    RawResponse r = current.get(target).read();
                    if (r.closes()) {
                        close();
                    }
                    return r;
                } catch (IOException e) {
                    lost = e;
                    close();
                }
            }
            throw lost;
        }

        @Override
        public void close() throws IOException {
            if (current != null) {
                current.close();
                current = null;
            }
        }
    }

    private static void assertHello(RawResponse r, String name) {
        assertEquals(200, r.status(), r.statusLine());
        assertEquals("Hello, " + name, r.text());
    }

    /** Reads whatever the server does with a connection whose request was given up: an answer or a close. */
    private static void answerOrClose(RawClient c) {
        try {
            c.read();
        } catch (IOException e) {
            // closed without an answer
        }
    }

    private static void awaitStuckFinished(int port) {
        Await.until(
                "the stuck handler has returned",
                () -> uncheckedGet(port, "/finished").text().equals("1"));
    }

    private static String normalized(String text) {
        return text.replaceAll("\\s+", " ").trim();
    }
}
