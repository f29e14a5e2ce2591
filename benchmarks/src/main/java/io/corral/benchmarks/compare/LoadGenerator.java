package io.corral.benchmarks.compare;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.HdrHistogram.Histogram;

/**
 * A closed-loop HTTP/1.1 load generator: keeps {@code connections} keep-alive connections busy,
 * each sending a GET, reading the full response and sending the next at once, from one NIO event
 * loop; latencies go into an HdrHistogram corrected for coordinated omission.
 *
 * <pre>{@code
 * try (LoadGenerator load = new LoadGenerator(target, "/", 1000, settings)) {
 *     load.start();
 *     Thread.sleep(2000);                  // warmup: load runs, nothing is recorded
 *     load.startMeasuring();
 *     Thread.sleep(10_000);
 *     LoadResult result = load.stopMeasuring();
 * }
 * }</pre>
 *
 * <p>Connections open at 10,000 a second (5000 take half a second), so that a warmup covers the
 * ramp. Errors are counted, never fatal: a connection that fails to connect, times out, is reset or
 * is closed mid-exchange is counted and replaced by a new connection, so the offered concurrency
 * stays {@code connections}. A response with {@code Connection: close} is not an error; the
 * connection is reopened.
 *
 * <p>Coordinated omission: each latency is recorded with {@link
 * Histogram#recordValueWithExpectedInterval} and {@link Settings#expectedInterval()} as the
 * interval. A closed-loop connection whose response took {@code V} did not send the {@code V / E -
 * 1} requests it would have sent meanwhile had the server answered in {@code E}; the histogram
 * adds them with the latencies they would have seen ({@code V - E}, {@code V - 2E}, ...).
 *
 * <p>Threading: everything but the public control methods runs on the loop thread; the control
 * methods hand tasks to it through a queue and wait for the answer.
 */
public final class LoadGenerator implements AutoCloseable {

    /**
     * How the generator behaves.
     *
     * @param requestTimeout how long a request may wait for its full response before it counts as a timeout
     * @param connectTimeout how long a connect may take before it counts as a connect error
     * @param expectedInterval the response time of an unloaded server, for the coordinated-omission correction
     */
    public record Settings(Duration requestTimeout, Duration connectTimeout, Duration expectedInterval) {}

    private static final long SWEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    private static final long RECONNECT_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long HIGHEST_MICROS = TimeUnit.MINUTES.toMicros(10);
    private static final int MAX_IN_BUFFER = 64 * 1024;
    /** Connections opened per sweep (every 20 ms) while ramping up: 10,000 a second. */
    private static final int RAMP_PER_SWEEP = 200;

    private enum Phase {
        CONNECTING,
        WRITING,
        READING,
        PAUSED
    }

    private final InetSocketAddress target;
    private final ByteBuffer request;
    private final Conn[] conns;
    private final long requestTimeoutNanos;
    private final long connectTimeoutNanos;
    private final long expectedMicros;
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final Thread loop;
    private final CompletableFuture<Void> started = new CompletableFuture<>();
    private volatile Selector selector;
    private volatile boolean running = true;

    // confined to the loop thread
    private boolean recording;
    private long windowStart;
    private Histogram histogram = newHistogram();
    private long ok;
    private long connectErrors;
    private long timeouts;
    private long statusErrors;
    private long resets;
    private int connected;
    private int opened;

    /**
     * Creates a generator for {@code GET path} on {@code target} over {@code connections}
     * connections; {@link #start()} opens them.
     */
    public LoadGenerator(InetSocketAddress target, String path, int connections, Settings settings) {
        if (connections < 1) {
            throw new IllegalArgumentException("connections must be at least 1, got " + connections);
        }
        this.target = target;
        String host = target.getHostString() + ":" + target.getPort();
        this.request = ByteBuffer.wrap(
                        ("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: corral-compare\r\n\r\n")
                                .getBytes(StandardCharsets.US_ASCII))
                .asReadOnlyBuffer();
        this.conns = new Conn[connections];
        this.requestTimeoutNanos = settings.requestTimeout().toNanos();
        this.connectTimeoutNanos = settings.connectTimeout().toNanos();
        this.expectedMicros = Math.max(
                1, TimeUnit.NANOSECONDS.toMicros(settings.expectedInterval().toNanos()));
        this.loop = new Thread(this::run, "load-generator");
        this.loop.setDaemon(true);
    }

    /** Starts the loop, which opens every connection and starts sending; returns once the loop runs. */
    public void start() throws IOException {
        loop.start();
        try {
            started.get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting the load generator", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("the load generator did not start: " + e, e);
        }
    }

    /** Forgets everything counted so far and starts a measurement window now. */
    public void startMeasuring() {
        call(() -> {
            histogram = newHistogram();
            ok = connectErrors = timeouts = statusErrors = resets = 0;
            windowStart = System.nanoTime();
            recording = true;
            return null;
        });
    }

    /** Ends the measurement window and returns what it saw; the load goes on until {@link #close()}. */
    public LoadResult stopMeasuring() {
        return call(() -> {
            recording = false;
            Duration elapsed = Duration.ofNanos(System.nanoTime() - windowStart);
            LoadResult result = new LoadResult(ok, connectErrors, timeouts, statusErrors, resets, elapsed, histogram);
            histogram = newHistogram();
            return result;
        });
    }

    /** Returns what the current measurement window has seen so far, without ending it. */
    public LoadResult measuredSoFar() {
        return call(() -> new LoadResult(
                ok,
                connectErrors,
                timeouts,
                statusErrors,
                resets,
                Duration.ofNanos(System.nanoTime() - windowStart),
                histogram.copy()));
    }

    /** Returns how many connections are established right now. */
    public int connectedCount() {
        Integer n = call(() -> connected);
        return n == null ? 0 : n;
    }

    /** Stops the loop and closes every connection (with a reset, so that no TIME_WAIT is left). */
    @Override
    public void close() {
        running = false;
        Selector sel = selector;
        if (sel != null) {
            sel.wakeup();
        }
        try {
            loop.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private <T> T call(java.util.concurrent.Callable<T> task) {
        if (!loop.isAlive()) {
            throw new IllegalStateException("the load generator is not running");
        }
        CompletableFuture<T> answer = new CompletableFuture<>();
        tasks.add(() -> {
            try {
                answer.complete(task.call());
            } catch (Exception e) {
                answer.completeExceptionally(e);
            }
        });
        selector.wakeup();
        try {
            return answer.get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("the load generator did not answer: " + e, e);
        }
    }

    // ---- the loop -------------------------------------------------------------------------

    private void run() {
        try (Selector sel = Selector.open()) {
            selector = sel;
            started.complete(null);
            long now = System.nanoTime();
            ramp(now);
            long nextSweep = now + SWEEP_NANOS;
            while (running) {
                Runnable task;
                while ((task = tasks.poll()) != null) {
                    task.run();
                }
                long waitMillis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(nextSweep - System.nanoTime()));
                sel.select(waitMillis);
                for (SelectionKey key : sel.selectedKeys()) {
                    handle(key);
                }
                sel.selectedKeys().clear();
                now = System.nanoTime();
                if (now - nextSweep >= 0) {
                    ramp(now);
                    sweep(now);
                    nextSweep = now + SWEEP_NANOS;
                }
            }
        } catch (IOException | RuntimeException e) {
            started.completeExceptionally(e);
            System.err.println("load generator failed: " + e);
        } finally {
            for (Conn c : conns) {
                if (c != null) {
                    c.closeAbortively();
                }
            }
            Runnable task;
            while ((task = tasks.poll()) != null) {
                task.run();
            }
        }
    }

    /**
     * Opens the next {@value #RAMP_PER_SWEEP} connections: thousands of connects at once would
     * overflow the server's accept queue (the kernel caps it at {@code net.core.somaxconn}) and
     * turn into SYN retransmissions seconds long, which measures the ramp, not the server.
     */
    private void ramp(long now) {
        int until = Math.min(conns.length, opened + RAMP_PER_SWEEP);
        for (; opened < until; opened++) {
            conns[opened] = new Conn();
            open(conns[opened], now);
        }
    }

    private void handle(SelectionKey key) {
        Conn c = (Conn) key.attachment();
        if (!key.isValid() || key.channel() != c.channel) {
            return;
        }
        long now = System.nanoTime();
        try {
            if (key.isConnectable()) {
                c.channel.finishConnect();
                connected(c, now);
                return;
            }
            if (key.isWritable()) {
                write(c, now);
                return;
            }
            if (key.isReadable()) {
                read(c, now);
            }
        } catch (IOException e) {
            failed(c, now, c.phase == Phase.CONNECTING);
        }
    }

    private void open(Conn c, long now) {
        c.reset();
        try {
            SocketChannel ch = SocketChannel.open();
            c.channel = ch;
            ch.configureBlocking(false);
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            c.phase = Phase.CONNECTING;
            c.deadline = now + connectTimeoutNanos;
            if (ch.connect(target)) {
                c.key = ch.register(selector, 0, c);
                connected(c, now);
            } else {
                c.key = ch.register(selector, SelectionKey.OP_CONNECT, c);
            }
        } catch (IOException e) {
            failed(c, now, true);
        }
    }

    private void connected(Conn c, long now) throws IOException {
        connected++;
        c.counted = true;
        send(c, now);
    }

    private void send(Conn c, long now) throws IOException {
        c.out = request.duplicate();
        c.sent = now;
        c.deadline = now + requestTimeoutNanos;
        c.phase = Phase.WRITING;
        write(c, now);
    }

    private void write(Conn c, long now) throws IOException {
        c.channel.write(c.out);
        if (c.out.hasRemaining()) {
            c.key.interestOps(SelectionKey.OP_WRITE);
        } else {
            c.phase = Phase.READING;
            c.key.interestOps(SelectionKey.OP_READ);
        }
    }

    private void read(Conn c, long now) throws IOException {
        while (true) {
            int n = c.channel.read(c.in);
            if (n < 0) {
                int status = c.reader.endOfStream();
                if (status > 0) {
                    completed(c, status, now, true);
                } else {
                    failed(c, now, false);
                }
                return;
            }
            if (n == 0) {
                return;
            }
            c.in.flip();
            int status = c.reader.read(c.in);
            c.in.compact();
            if (status > 0) {
                c.in.clear(); // no pipelining: nothing may follow a response
                completed(c, status, now, c.reader.closeAfter());
                return;
            }
            if (!c.in.hasRemaining()) {
                if (c.in.capacity() >= MAX_IN_BUFFER) {
                    throw new IOException("response head too large");
                }
                ByteBuffer bigger = ByteBuffer.allocate(c.in.capacity() * 2);
                c.in.flip();
                bigger.put(c.in);
                c.in = bigger;
            }
        }
    }

    private void completed(Conn c, int status, long now, boolean close) throws IOException {
        if (recording) {
            if (status == 200) {
                ok++;
                long micros = Math.min(HIGHEST_MICROS, Math.max(0, (now - c.sent) / 1000));
                histogram.recordValueWithExpectedInterval(micros, expectedMicros);
            } else {
                statusErrors++;
            }
        }
        if (close) {
            c.closeQuietly();
            connected--;
            c.counted = false;
            open(c, now);
        } else {
            send(c, now);
        }
    }

    /** Counts a failure of {@code c} and opens a replacement (after a pause if connecting failed). */
    private void failed(Conn c, long now, boolean connecting) {
        if (recording) {
            if (connecting) {
                connectErrors++;
            } else {
                resets++;
            }
        }
        replace(c, now, connecting);
    }

    private void replace(Conn c, long now, boolean pause) {
        c.closeQuietly();
        if (c.counted) {
            connected--;
            c.counted = false;
        }
        if (pause) {
            c.phase = Phase.PAUSED;
            c.deadline = now + RECONNECT_PAUSE_NANOS;
        } else {
            open(c, now);
        }
    }

    private void sweep(long now) {
        for (Conn c : conns) {
            if (c == null || now - c.deadline < 0) {
                continue;
            }
            switch (c.phase) {
                case PAUSED -> open(c, now);
                case CONNECTING -> failed(c, now, true);
                case WRITING, READING -> {
                    if (recording) {
                        timeouts++;
                    }
                    replace(c, now, false);
                }
            }
        }
    }

    private static Histogram newHistogram() {
        return new Histogram(HIGHEST_MICROS, 3);
    }

    /** One connection's state; confined to the loop thread. */
    private static final class Conn {
        SocketChannel channel;
        SelectionKey key;
        ByteBuffer in = ByteBuffer.allocate(1024);
        ByteBuffer out;
        ResponseReader reader = new ResponseReader();
        Phase phase = Phase.PAUSED;
        long sent;
        long deadline;
        boolean counted;

        void reset() {
            in.clear();
            reader = new ResponseReader();
        }

        void closeQuietly() {
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException e) {
                    // nothing to do
                }
                channel = null;
                key = null;
            }
        }

        void closeAbortively() {
            if (channel != null) {
                try {
                    channel.setOption(StandardSocketOptions.SO_LINGER, 0);
                } catch (IOException | RuntimeException e) {
                    // close anyway
                }
            }
            closeQuietly();
        }
    }
}
