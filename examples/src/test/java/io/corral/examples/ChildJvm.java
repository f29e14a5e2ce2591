package io.corral.examples;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.testing.Await;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A fresh JVM that runs one fixture's {@code main} on this test's class path, serving on a free
 * port of 127.0.0.1, with its stdout and stderr in a file; for tests of what keeps a JVM running
 * once {@code main} has returned. Not thread-safe: one test drives it.
 */
final class ChildJvm implements AutoCloseable {

    /** How long the child may take to start accepting; generous, CI machines are 2 noisy cores. */
    private static final Duration START = Duration.ofSeconds(30);

    /** How long the child may take to exit after SIGTERM (its shutdown hook closes the Arbiter). */
    private static final Duration STOP = Duration.ofSeconds(30);

    /** Tries with another port when someone took the chosen one before the child bound it. */
    private static final int BIND_ATTEMPTS = 3;

    /** Steps of a test against the child; they may throw anything. */
    @FunctionalInterface
    interface Scenario {
        void run() throws Exception;
    }

    private final Process process;
    private final Path log;
    private final int port;

    private ChildJvm(Process process, Path log, int port) {
        this.process = process;
        this.log = log;
        this.port = port;
    }

    /**
     * Starts {@code main} with {@code corral.bind} set to a free port and the given system
     * properties, and returns once the child accepts connections there.
     */
    static ChildJvm start(Class<?> main, Map<String, String> properties) throws IOException {
        for (int attempt = 1; ; attempt++) {
            int port = freePort();
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.add("-Xmx128m");
            command.add("-XX:TieredStopAtLevel=1"); // starts faster and costs the shared cores less
            command.add("-cp");
            command.add(System.getProperty("java.class.path"));
            command.add("-Dcorral.bind=127.0.0.1:" + port);
            // "Worker N exited" tells the tests when the original workers are gone
            command.add("-Dorg.slf4j.simpleLogger.log.io.corral.arbiter=debug");
            command.add("-Dorg.slf4j.simpleLogger.showThreadName=true");
            properties.forEach((k, v) -> command.add("-D" + k + "=" + v));
            command.add(main.getName());
            // output to a file: a child that writes a lot never blocks on a full pipe
            Path log = Files.createTempFile("corral-" + main.getSimpleName(), ".log");
            Process p;
            try {
                p = new ProcessBuilder(command)
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile())
                        .start();
            } catch (IOException e) {
                Files.deleteIfExists(log);
                throw e;
            }
            ChildJvm child = new ChildJvm(p, log, port);
            try {
                Await.until("the child accepts connections or exits", START, () -> !p.isAlive() || accepts(port));
                if (p.isAlive()) {
                    return child;
                }
                String output = child.output();
                if (attempt < BIND_ATTEMPTS && output.contains("could not listen")) {
                    child.close(); // another process took the port; pick another
                    continue;
                }
                throw new AssertionError("the child exited with " + p.exitValue() + " before it accepted connections"
                        + child.describe());
            } catch (RuntimeException | Error e) {
                child.close();
                throw e;
            }
        }
    }

    /** Returns the port the child serves on. */
    int port() {
        return port;
    }

    /** Returns what the child has written so far to stdout and stderr. */
    String output() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Runs {@code scenario}; a failure comes back as an {@link AssertionError} that tells whether
     * the child is still running and carries everything it wrote.
     */
    void check(String what, Scenario scenario) {
        try {
            scenario.run();
        } catch (Throwable t) {
            throw new AssertionError(what + ": " + t + describe(), t);
        }
    }

    /** Waits until the child has written {@code text}; fails if it exits first. */
    void awaitOutput(String text) {
        Await.until("the child writes '" + text + "' (or exits)", () -> output().contains(text) || !process.isAlive());
        assertTrue(output().contains(text), "the child exited before it wrote '" + text + "'");
    }

    /**
     * Asserts that the child does not exit by itself within {@code grace}. A JVM whose last
     * non-daemon thread ended exits at once, so a short grace is enough to see it; a child that
     * keeps running passes however slow the machine.
     */
    void assertStaysRunning(Duration grace, String when) throws InterruptedException {
        boolean exited = process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS);
        assertFalse(exited, () -> "the JVM exited by itself (exit code " + process.exitValue() + ") " + when);
    }

    /** Asserts that the child is running now. */
    void assertRunning(String when) {
        assertTrue(process.isAlive(), () -> "the JVM exited by itself (exit code " + process.exitValue() + ") " + when);
    }

    /** Sends SIGTERM, which runs the child's shutdown hook, and asserts that it exits within {@link #STOP}. */
    void terminate() throws InterruptedException {
        process.destroy();
        assertTrue(
                process.waitFor(STOP.toMillis(), TimeUnit.MILLISECONDS),
                "the child did not exit within " + STOP + " of SIGTERM");
    }

    /** Kills the child if it still runs and deletes its output. */
    @Override
    public void close() {
        try {
            if (process.isAlive()) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                Files.deleteIfExists(log);
            } catch (IOException e) {
                // a temp file left behind is harmless
            }
        }
    }

    private String describe() {
        String state = process.isAlive() ? "running" : "exited with " + process.exitValue();
        return "\n--- child JVM on port " + port + " (" + state + "), its output:\n" + output() + "--- end";
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
