package io.corral.benchmarks;

import io.corral.benchmarks.compare.CompareOptions;
import io.corral.benchmarks.compare.ResponseReader;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Measures what an idle keep-alive connection costs a running server's heap: the live heap of the
 * server's JVM before and after {@code N} connections that each completed one {@code GET /hello}
 * and now sit idle, divided by {@code N}.
 *
 * <pre>
 * java -cp benchmarks/target/compare.jar io.corral.benchmarks.IdleHeap --port 8000 --pid 12345 \
 *     --connections 10000 [--jcmd $JAVA_HOME/bin/jcmd]
 * </pre>
 *
 * <p>Live heap is the {@code Total} bytes of {@code jcmd PID GC.class_histogram}, which runs a
 * full GC first and counts every reachable object, so it is exact to the byte and free of
 * region or TLAB slack; it is read twice, once the heap has settled, and the smaller reading kept.
 * The classes whose bytes grew most are printed to show where the cost lies. The server's resident
 * set ({@code VmRSS} in {@code /proc/PID/status}) is reported beside it: it includes what the heap
 * does not, such as platform thread stacks and native buffers, but also heap the JVM committed and
 * has not returned, so it is an upper bound, not a per-connection cost.
 *
 * <p>Prints one {@code RESULT} line that scripts can read: {@code RESULT connections=N
 * heap_before=B heap_after=A bytes_per_connection=X rss_before=R rss_after=S}.
 */
public final class IdleHeap {

    private static final Pattern TOTAL = Pattern.compile("^Total\\s+(\\d+)\\s+(\\d+)", Pattern.MULTILINE);
    private static final Pattern ROW = Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+)", Pattern.MULTILINE);

    private static final java.util.concurrent.atomic.LongAdder RETRIES = new java.util.concurrent.atomic.LongAdder();

    private IdleHeap() {}

    /** Runs the measurement; see the class documentation for the options. */
    public static void main(String[] args) throws Exception {
        Map<String, String> o = CompareOptions.pairs(args);
        int port = Integer.parseInt(o.get("port"));
        long pid = Long.parseLong(o.get("pid"));
        int n = Integer.parseInt(o.getOrDefault("connections", "10000"));
        String jcmd = o.getOrDefault(
                "jcmd", Path.of(System.getProperty("java.home"), "bin", "jcmd").toString());

        Histogram before = settledHistogram(jcmd, pid);
        long rssBefore = rss(pid);
        System.out.printf(Locale.ROOT, "live heap before: %,d bytes; opening %,d connections%n", before.total, n);
        List<Socket> sockets = open(port, n);
        Thread.sleep(2000);
        int stillOpen = countOpen(sockets);
        Histogram after = settledHistogram(jcmd, pid);
        long rssAfter = rss(pid);
        long perConnection = (after.total - before.total) / n;
        System.out.printf(
                Locale.ROOT,
                "live heap after:  %,d bytes with %,d idle connections (%,d still open)%n",
                after.total,
                n,
                stillOpen);
        System.out.printf(Locale.ROOT, "per idle connection: %,d bytes of heap%n", perConnection);
        if (RETRIES.sum() > 0) {
            System.out.printf(
                    Locale.ROOT, "connections answered with Connection: close and opened again: %,d%n", RETRIES.sum());
        }
        if (rssBefore > 0 && rssAfter > 0) {
            System.out.printf(
                    Locale.ROOT,
                    "resident set: %,d -> %,d KiB (%,d bytes per connection, an upper bound)%n",
                    rssBefore / 1024,
                    rssAfter / 1024,
                    (rssAfter - rssBefore) / n);
        }
        System.out.println("grew most (bytes per connection, class):");
        for (Map.Entry<String, Long> e : after.growthOver(before, 10)) {
            System.out.printf(Locale.ROOT, "  %,8d  %s%n", e.getValue() / n, e.getKey());
        }
        System.out.printf(
                Locale.ROOT,
                "RESULT connections=%d open=%d heap_before=%d heap_after=%d bytes_per_connection=%d rss_before=%d"
                        + " rss_after=%d%n",
                n,
                stillOpen,
                before.total,
                after.total,
                perConnection,
                rssBefore,
                rssAfter);
        for (Socket s : sockets) {
            s.setSoLinger(true, 0);
            s.close();
        }
    }

    /** Opens {@code n} connections, each completing one GET /hello, from 32 virtual threads. */
    private static List<Socket> open(int port, int n) throws Exception {
        List<Socket> sockets = Collections.synchronizedList(new ArrayList<>(n));
        int parallel = 32;
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Void>> done = new ArrayList<>();
            for (int t = 0; t < parallel; t++) {
                int share = n / parallel + (t < n % parallel ? 1 : 0);
                done.add(pool.submit(() -> {
                    for (int i = 0; i < share; i++) {
                        sockets.add(helloOnce(port));
                    }
                    return null;
                }));
            }
            for (Future<Void> f : done) {
                f.get(10, TimeUnit.MINUTES);
            }
        }
        return sockets;
    }

    /**
     * Opens a connection and completes one GET /hello on it; a server that answers with {@code
     * Connection: close} (the sync worker does when it believes no thread is free) is tried again
     * on a new connection, up to 100 times, and counted in {@link #RETRIES}.
     */
    private static Socket helloOnce(int port) throws IOException {
        for (int attempt = 0; ; attempt++) {
            Socket s = helloAttempt(port);
            if (s != null) {
                return s;
            }
            RETRIES.increment();
            if (attempt == 100) {
                throw new IOException("GET /hello was answered with Connection: close 100 times in a row");
            }
        }
    }

    private static Socket helloAttempt(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 30_000);
        s.setSoTimeout(30_000);
        s.getOutputStream().write("GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        InputStream in = s.getInputStream();
        ResponseReader reader = new ResponseReader();
        ByteBuffer buf = ByteBuffer.allocate(1024).flip();
        while (true) {
            int status = reader.read(buf);
            if (status > 0) {
                if (status != 200) {
                    s.close();
                    throw new IOException("GET /hello answered " + status);
                }
                if (reader.closeAfter()) {
                    s.close();
                    return null;
                }
                return s;
            }
            buf.compact();
            int r = in.read(buf.array(), buf.position(), buf.remaining());
            if (r < 0) {
                throw new IOException("the server closed the connection before answering");
            }
            buf.position(buf.position() + r).flip();
        }
    }

    /** Counts the connections the server has not closed: a read that times out means open. */
    private static int countOpen(List<Socket> sockets) throws IOException {
        int open = 0;
        for (Socket s : sockets) {
            s.setSoTimeout(1);
            try {
                if (s.getInputStream().read() >= 0) {
                    open++; // unexpected bytes, but open
                }
            } catch (java.net.SocketTimeoutException e) {
                open++;
            } catch (IOException e) {
                // reset: closed
            }
        }
        return open;
    }

    private static Histogram settledHistogram(String jcmd, long pid) throws IOException, InterruptedException {
        Histogram first = histogram(jcmd, pid);
        Thread.sleep(500);
        Histogram second = histogram(jcmd, pid);
        return second.total <= first.total ? second : first;
    }

    private static Histogram histogram(String jcmd, long pid) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(jcmd, Long.toString(pid), "GC.class_histogram")
                .redirectErrorStream(true)
                .start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(2, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IOException("jcmd " + pid + " GC.class_histogram failed: " + text);
        }
        return Histogram.parse(text);
    }

    private static long rss(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return -1;
    }

    /** A parsed {@code GC.class_histogram}: total live bytes and bytes per class. */
    record Histogram(long total, Map<String, Long> bytesByClass) {

        static Histogram parse(String text) throws IOException {
            Matcher total = TOTAL.matcher(text);
            if (!total.find()) {
                throw new IOException(
                        "no Total line in the class histogram: " + text.substring(0, Math.min(200, text.length())));
            }
            Map<String, Long> byClass = new HashMap<>();
            Matcher row = ROW.matcher(text);
            while (row.find()) {
                byClass.merge(row.group(3), Long.parseLong(row.group(2)), Long::sum);
            }
            return new Histogram(Long.parseLong(total.group(2)), byClass);
        }

        /** Returns the {@code limit} classes whose bytes grew most since {@code before}. */
        List<Map.Entry<String, Long>> growthOver(Histogram before, int limit) {
            Map<String, Long> growth = new HashMap<>();
            bytesByClass.forEach((k, v) -> growth.put(k, v - before.bytesByClass.getOrDefault(k, 0L)));
            return growth.entrySet().stream()
                    .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                    .limit(limit)
                    .toList();
        }
    }
}
