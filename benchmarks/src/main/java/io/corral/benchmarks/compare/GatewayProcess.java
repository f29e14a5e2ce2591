package io.corral.benchmarks.compare;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The parent's handle on one gateway JVM ({@link GatewayMain}): starts it from the same class path,
 * waits for its port, asks it for heap and thread counts, and ends it.
 *
 * <p>The child runs with {@code -Xmx2g}; its stderr (logs) goes to a file. Threading: one daemon
 * thread reads the child's stdout into a queue; the other methods are called by one thread.
 */
final class GatewayProcess implements AutoCloseable {

    /**
     * What the gateway JVM held.
     *
     * @param heapBytes heap used after a full GC
     * @param threads live platform threads (virtual threads are not counted)
     * @param peakThreads the most live platform threads since the JVM started
     */
    record Stats(long heapBytes, int threads, int peakThreads) {}

    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final int port;

    private GatewayProcess(Process process, Duration startTimeout) throws IOException {
        this.process = process;
        Thread reader = new Thread(this::readLines, "gateway-stdout");
        reader.setDaemon(true);
        reader.start();
        String ready = await("READY ", startTimeout);
        if (ready == null) {
            process.destroyForcibly();
            throw new IOException("the gateway did not start within " + startTimeout.toSeconds() + " s"
                    + (process.isAlive() ? "" : " (exit code " + exitCode() + ")"));
        }
        this.port = Integer.parseInt(ready.substring("READY ".length()).trim());
    }

    /** Starts the gateway of {@code server} in a new JVM, logging to {@code log}, and waits until it listens. */
    static GatewayProcess start(String server, int upstreamPort, int workers, int threads, int backlog, Path log)
            throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx2g");
        command.add("-XX:+ExitOnOutOfMemoryError");
        command.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(GatewayMain.class.getName());
        command.addAll(List.of(
                "--model",
                server,
                "--upstream-port",
                Integer.toString(upstreamPort),
                "--workers",
                Integer.toString(workers),
                "--threads",
                Integer.toString(threads),
                "--backlog",
                Integer.toString(backlog)));
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.PIPE);
        return new GatewayProcess(pb.start(), Duration.ofSeconds(60));
    }

    /** Returns the port the gateway listens on, on 127.0.0.1. */
    int port() {
        return port;
    }

    /** Asks for the heap (after a full GC) and thread counts; null if the gateway does not answer in time. */
    Stats stats(Duration timeout) {
        try {
            send("STATS");
            String line = await("STATS ", timeout);
            if (line == null) {
                return null;
            }
            long heap = -1;
            int threads = -1;
            int peak = -1;
            for (String field : line.substring("STATS ".length()).trim().split(" ")) {
                String[] kv = field.split("=", 2);
                switch (kv[0]) {
                    case "heap" -> heap = Long.parseLong(kv[1]);
                    case "threads" -> threads = Integer.parseInt(kv[1]);
                    case "peak" -> peak = Integer.parseInt(kv[1]);
                    default -> {
                        // a newer child may say more
                    }
                }
            }
            return new Stats(heap, threads, peak);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Returns the CPU time the gateway JVM has used so far, or -1 if it does not answer in time. */
    long cpuNanos(Duration timeout) {
        try {
            send("CPU");
            String line = await("CPU ", timeout);
            return line == null
                    ? -1
                    : Long.parseLong(line.substring("CPU nanos=".length()).trim());
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Ends the gateway: asks it to exit, then kills it if it has not within a few seconds. */
    @Override
    public void close() {
        try {
            send("EXIT");
        } catch (IOException e) {
            // it may be gone already
        }
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    private void send(String line) throws IOException {
        OutputStream out = process.getOutputStream();
        out.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private String await(String prefix, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return null;
                }
                String line = lines.poll(Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)), TimeUnit.NANOSECONDS);
                if (line != null && line.startsWith(prefix)) {
                    return line;
                }
                if (line == null && !process.isAlive() && lines.isEmpty()) {
                    return null;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private void readLines() {
        try (BufferedReader r =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                lines.add(line);
            }
        } catch (IOException e) {
            // the process ended
        }
    }

    private String exitCode() {
        try {
            return Integer.toString(process.exitValue());
        } catch (IllegalThreadStateException e) {
            return "running";
        }
    }
}
