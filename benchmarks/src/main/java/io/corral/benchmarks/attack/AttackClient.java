package io.corral.benchmarks.attack;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Hostile clients against a server's request limits, with a {@code /hello} prober beside them: the
 * attack mix of issue 10, for {@code benchmarks/scripts/attack-rss.sh} to measure how much memory a
 * server holds while every attacker gets its 4xx or a close.
 *
 * <pre>
 * java -cp benchmarks/target/compare.jar io.corral.benchmarks.attack.AttackClient \
 *     --port 8000 --attackers 50 --duration 10
 * </pre>
 *
 * <p>Each attacker (a virtual thread) opens a connection, sends one attack as fast as the server
 * takes it, reads the response until the server closes, and starts over with the next attack:
 *
 * <ul>
 *   <li>{@code line}: a request line of 100 KiB (414 expected);
 *   <li>{@code headers}: 200 header fields of 8 KiB each (431);
 *   <li>{@code length}: a Content-Length of 20 digits (400 or 413);
 *   <li>{@code chunk}: a chunk size of 17 hex digits (400 or 413);
 *   <li>{@code big-body}: a declared and sent 20 MiB body (413);
 *   <li>{@code endless}: a chunked body that never ends, 64 KiB chunks (413 at the body limit, or
 *       the answer and a close once the server stops reading);
 * </ul>
 *
 * <p>Body attacks go to {@code /hello}, whose handler reads no body, so that what is held is the
 * server's buffering, not an application's. The prober sends {@code GET /hello} on a kept-alive
 * connection in a loop (a new connection after a failure) and records each latency. The summary
 * goes to stdout: per attack, how many got a 4xx, another status, or only a close; and the
 * prober's count, failures and latency percentiles.
 */
public final class AttackClient {

    private static final String[] KINDS = {"line", "headers", "length", "chunk", "big-body", "endless"};
    private static final byte[] CHUNK = new byte[64 * 1024];

    private final int port;
    private final long endNanos;
    private final Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();
    private final List<Long> probeLatencies = new ArrayList<>(); // prober thread only
    private final AtomicLong probeFailures = new AtomicLong();

    private AttackClient(int port, long endNanos) {
        this.port = port;
        this.endNanos = endNanos;
    }

    /** Runs the attack; see the class documentation. */
    public static void main(String[] args) throws Exception {
        int port = 8000;
        int attackers = 50;
        int seconds = 10;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(args[i + 1]);
                case "--attackers" -> attackers = Integer.parseInt(args[i + 1]);
                case "--duration" -> seconds = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Arrays.fill(CHUNK, (byte) 'x');
        AttackClient client = new AttackClient(port, System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds));
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < attackers; i++) {
            int first = i;
            threads.add(Thread.ofVirtual().name("attacker-" + i).start(() -> client.attack(first)));
        }
        Thread prober = Thread.ofPlatform().name("prober").start(client::probe);
        for (Thread t : threads) {
            t.join();
        }
        prober.join();
        client.report();
    }

    private void attack(int first) {
        for (int n = first; System.nanoTime() - endNanos < 0; n++) {
            String kind = KINDS[n % KINDS.length];
            String outcome;
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
                s.setSoTimeout(15_000);
                String[] status = new String[1];
                Thread reader = Thread.ofVirtual().start(() -> status[0] = readStatus(s));
                try {
                    send(kind, s.getOutputStream());
                } catch (IOException e) {
                    // the server stopped reading and closed: expected for most attacks
                }
                reader.join(20_000);
                outcome = status[0] == null ? "closed" : status[0];
            } catch (IOException e) {
                outcome = "connect failed";
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            String key = kind + " " + outcome;
            outcomes.computeIfAbsent(key, k -> new LongAdder()).increment();
        }
    }

    private void send(String kind, OutputStream out) throws IOException {
        switch (kind) {
            case "line" ->
                out.write(("GET /" + "a".repeat(100 * 1024) + " HTTP/1.1\r\nHost: x\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
            case "headers" -> {
                out.write("GET /hello HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
                String value = "v".repeat(8 * 1024 - 16);
                for (int i = 0; i < 200; i++) {
                    out.write(("X-H" + i + ": " + value + "\r\n").getBytes(StandardCharsets.US_ASCII));
                }
                out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            case "length" ->
                out.write("POST /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
            case "chunk" ->
                out.write("POST /hello HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\nxx"
                        .getBytes(StandardCharsets.US_ASCII));
            case "big-body" -> {
                int size = 20 * 1024 * 1024;
                out.write(("POST /hello HTTP/1.1\r\nHost: x\r\nContent-Length: " + size + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                for (int sent = 0; sent < size; sent += CHUNK.length) {
                    out.write(CHUNK);
                }
            }
            case "endless" -> {
                out.write("POST /hello HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                byte[] size = (Integer.toHexString(CHUNK.length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
                byte[] crlf = {'\r', '\n'};
                while (System.nanoTime() - endNanos < 0) {
                    out.write(size);
                    out.write(CHUNK);
                    out.write(crlf);
                }
            }
            default -> throw new IllegalArgumentException(kind);
        }
        out.flush();
    }

    /** Reads the status code of the first response and then until the server closes; null if none came. */
    private static String readStatus(Socket s) {
        try {
            InputStream in = s.getInputStream();
            byte[] buf = new byte[8192];
            StringBuilder first = new StringBuilder();
            int n;
            while ((n = in.read(buf)) > 0) {
                if (first.length() < 12) {
                    first.append(new String(buf, 0, Math.min(n, 12 - first.length()), StandardCharsets.ISO_8859_1));
                }
            }
            return first.length() >= 12 ? first.substring(9, 12) : null;
        } catch (IOException e) {
            return null;
        }
    }

    private void probe() {
        Socket s = null;
        byte[] request = "GET /hello HTTP/1.1\r\nHost: probe\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] buf = new byte[4096];
        while (System.nanoTime() - endNanos < 0) {
            long start = System.nanoTime();
            try {
                if (s == null) {
                    s = new Socket();
                    s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
                    s.setSoTimeout(10_000);
                    s.setTcpNoDelay(true);
                }
                s.getOutputStream().write(request);
                String response = readResponse(s.getInputStream(), buf);
                if (!response.startsWith("HTTP/1.1 200")) {
                    throw new IOException("status " + response.substring(0, Math.min(12, response.length())));
                }
                probeLatencies.add(System.nanoTime() - start);
            } catch (IOException e) {
                probeFailures.incrementAndGet();
                closeQuietly(s);
                s = null;
            }
        }
        closeQuietly(s);
    }

    /** Reads one response with a Content-Length body; returns it as text. */
    private static String readResponse(InputStream in, byte[] buf) throws IOException {
        int len = 0;
        while (true) {
            int n = in.read(buf, len, buf.length - len);
            if (n < 0) {
                throw new IOException("closed");
            }
            len += n;
            String text = new String(buf, 0, len, StandardCharsets.ISO_8859_1);
            int end = text.indexOf("\r\n\r\n");
            if (end >= 0) {
                int cl = text.toLowerCase(java.util.Locale.ROOT).indexOf("content-length: ");
                int length = cl < 0
                        ? 0
                        : Integer.parseInt(text.substring(cl + 16, text.indexOf("\r\n", cl))
                                .trim());
                if (len >= end + 4 + length) {
                    return text;
                }
            }
        }
    }

    private static void closeQuietly(Socket s) {
        if (s != null) {
            try {
                s.close();
            } catch (IOException e) {
                // gone anyway
            }
        }
    }

    private void report() {
        Map<String, Long> sorted = new TreeMap<>();
        outcomes.forEach((k, v) -> sorted.put(k, v.sum()));
        sorted.forEach((k, v) -> System.out.println("attack " + k + " " + v));
        long[] l = probeLatencies.stream().mapToLong(Long::longValue).sorted().toArray();
        System.out.printf(
                "PROBE requests=%d failures=%d p50_ms=%.2f p99_ms=%.2f max_ms=%.2f%n",
                l.length,
                probeFailures.get(),
                percentile(l, 0.50),
                percentile(l, 0.99),
                l.length == 0 ? 0.0 : l[l.length - 1] / 1e6);
    }

    private static double percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[(int) Math.min(sorted.length - 1, Math.ceil(sorted.length * p) - 1)] / 1e6;
    }
}
