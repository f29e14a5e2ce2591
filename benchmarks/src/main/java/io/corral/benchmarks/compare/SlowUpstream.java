package io.corral.benchmarks.compare;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The slow external service of the comparison: an HTTP/1.1 server on loopback that answers every
 * request with {@code 200 upstream ok} exactly {@code latency} after its head arrived, holding no
 * thread while it waits.
 *
 * <pre>{@code
 * try (SlowUpstream upstream = SlowUpstream.start(Duration.ofMillis(100))) {
 *     URI uri = URI.create("http://127.0.0.1:" + upstream.port() + "/");
 * }
 * }</pre>
 *
 * <p>One NIO selector loop accepts, reads request heads and writes responses. Because every
 * request waits the same {@code latency}, due times arrive in the order requests did, so the timer
 * is a FIFO queue whose head bounds the selector's wait: thousands of waiting requests cost one
 * queue entry each and no thread, so the upstream is never the bottleneck of a gateway in front of
 * it. Keep-alive and pipelined requests are served; request bodies are not expected (the gateway
 * sends GETs) and a request with one is answered and its connection closed.
 *
 * <p>Threading: everything runs on the loop thread; {@link #close()} may be called from any.
 */
public final class SlowUpstream implements AutoCloseable {

    private static final byte[] RESPONSE =
            ("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 12\r\n\r\nupstream ok\n")
                    .getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_HEAD = 16 * 1024;

    private final long latencyNanos;
    private final ServerSocketChannel listener;
    private final Selector selector;
    private final Thread loop;
    private final ArrayDeque<Due> due = new ArrayDeque<>();
    private final AtomicLong served = new AtomicLong();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean running = true;

    private SlowUpstream(Duration latency, int backlog) throws IOException {
        this.latencyNanos = latency.toNanos();
        this.selector = Selector.open();
        this.listener = ServerSocketChannel.open();
        listener.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), backlog);
        listener.configureBlocking(false);
        listener.register(selector, SelectionKey.OP_ACCEPT);
        this.loop = new Thread(this::run, "slow-upstream");
        loop.setDaemon(true);
    }

    /** Starts an upstream on 127.0.0.1 and a free port that answers after {@code latency}. */
    public static SlowUpstream start(Duration latency) throws IOException {
        SlowUpstream upstream = new SlowUpstream(latency, 8192);
        upstream.loop.start();
        return upstream;
    }

    /** Returns the port it listens on (on 127.0.0.1). */
    public int port() {
        return listener.socket().getLocalPort();
    }

    /** Returns how many responses it has sent. */
    public long served() {
        return served.get();
    }

    /** Stops the loop and closes every connection. */
    @Override
    public void close() {
        running = false;
        selector.wakeup();
        try {
            stopped.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        try {
            while (running) {
                long wait = 0;
                Due head = due.peek();
                if (head != null) {
                    long left = head.at - System.nanoTime();
                    wait = left <= 0 ? -1 : Math.max(1, (left + 999_999) / 1_000_000);
                }
                if (wait < 0) {
                    selector.selectNow();
                } else {
                    selector.select(wait);
                }
                for (SelectionKey key : selector.selectedKeys()) {
                    handle(key);
                }
                selector.selectedKeys().clear();
                long now = System.nanoTime();
                while ((head = due.peek()) != null && now - head.at >= 0) {
                    due.poll();
                    respond(head.conn);
                }
            }
        } catch (IOException | ClosedSelectorException e) {
            if (running) {
                System.err.println("slow upstream failed: " + e);
            }
        } finally {
            for (SelectionKey key : selector.keys()) {
                closeQuietly(key);
            }
            try {
                selector.close();
                listener.close();
            } catch (IOException e) {
                // closing anyway
            }
            stopped.countDown();
        }
    }

    private void handle(SelectionKey key) throws IOException {
        if (!key.isValid()) {
            return;
        }
        if (key.isAcceptable()) {
            SocketChannel ch;
            while ((ch = listener.accept()) != null) {
                ch.configureBlocking(false);
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                Conn conn = new Conn();
                conn.key = ch.register(selector, SelectionKey.OP_READ, conn);
            }
            return;
        }
        Conn conn = (Conn) key.attachment();
        try {
            if (key.isReadable()) {
                read(conn);
            }
            if (key.isValid() && key.isWritable()) {
                flush(conn);
            }
        } catch (IOException e) {
            closeQuietly(key);
        }
    }

    private void read(Conn conn) throws IOException {
        SocketChannel ch = (SocketChannel) conn.key.channel();
        int n = ch.read(conn.in);
        if (n < 0) {
            conn.closed = true;
            closeQuietly(conn.key);
            return;
        }
        conn.in.flip();
        int heads = 0;
        while (true) {
            int end = ResponseReader.headEnd(conn.in);
            if (end < 0) {
                break;
            }
            if (hasBody(conn.in, end)) {
                conn.closeAfterResponses = true;
            }
            conn.in.position(end);
            heads++;
        }
        conn.in.compact();
        if (conn.in.position() >= MAX_HEAD) {
            closeQuietly(conn.key);
            return;
        }
        if (conn.in.position() == conn.in.capacity()) {
            ByteBuffer bigger = ByteBuffer.allocate(conn.in.capacity() * 2);
            conn.in.flip();
            bigger.put(conn.in);
            conn.in = bigger;
        }
        long at = System.nanoTime() + latencyNanos;
        for (int i = 0; i < heads; i++) {
            due.add(new Due(conn, at));
        }
    }

    private void respond(Conn conn) {
        if (conn.closed || !conn.key.isValid()) {
            return;
        }
        conn.pendingResponses++;
        try {
            flush(conn);
        } catch (IOException e) {
            closeQuietly(conn.key);
        }
    }

    /** Writes what is owed: a partly written response first, then whole ones. */
    private void flush(Conn conn) throws IOException {
        SocketChannel ch = (SocketChannel) conn.key.channel();
        while (true) {
            if (conn.out == null) {
                if (conn.pendingResponses == 0) {
                    break;
                }
                conn.pendingResponses--;
                conn.out = ByteBuffer.wrap(RESPONSE);
            }
            ch.write(conn.out);
            if (conn.out.hasRemaining()) {
                conn.key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
                return;
            }
            conn.out = null;
            served.incrementAndGet();
        }
        conn.key.interestOps(SelectionKey.OP_READ);
        if (conn.closeAfterResponses) {
            closeQuietly(conn.key);
        }
    }

    private static boolean hasBody(ByteBuffer in, int end) {
        String head = StandardCharsets.ISO_8859_1
                .decode(in.duplicate().limit(end))
                .toString()
                .toLowerCase(java.util.Locale.ROOT);
        return head.contains("\ncontent-length:") && !head.contains("\ncontent-length: 0")
                || head.contains("\ntransfer-encoding:");
    }

    private static void closeQuietly(SelectionKey key) {
        Object a = key.attachment();
        if (a instanceof Conn c) {
            c.closed = true;
        }
        key.cancel();
        try {
            key.channel().close();
        } catch (IOException e) {
            // nothing to do
        }
    }

    private record Due(Conn conn, long at) {}

    /** One client connection; confined to the loop thread. */
    private static final class Conn {
        SelectionKey key;
        ByteBuffer in = ByteBuffer.allocate(1024);
        ByteBuffer out;
        int pendingResponses;
        boolean closeAfterResponses;
        boolean closed;
    }
}
