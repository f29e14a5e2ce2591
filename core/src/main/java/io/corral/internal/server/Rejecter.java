package io.corral.internal.server;

import io.corral.internal.http.ResponseEncoder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.Iterator;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers the clients a full worker has no room for with {@code 503} and {@code Retry-After}, on
 * one selector thread per worker, so that a flood of them costs a socket and a few bytes each, no
 * thread: the 503 is written without blocking, the output shut, and what the client sent is read
 * and dropped until it closes, for at most a second (a lingering close, so that the kernel never
 * turns the unread request into a reset that destroys the 503). At most {@link #MAX_IN_FLIGHT}
 * clients are in that state at once; beyond that a client gets the 503 written at once and what it
 * had sent read, then the socket is closed (it may see a reset if it sends more).
 *
 * <p>Threading: {@link #reject} from any thread; the selector thread (a daemon, started on the
 * first refusal) owns the channels it was given; {@link #close()} from any thread.
 */
public final class Rejecter {

    /** The most clients being answered 503 at once, per worker. */
    public static final int MAX_IN_FLIGHT = 4096;

    private static final Logger LOG = LoggerFactory.getLogger("io.corral.server");
    private static final byte[] RESPONSE = ResponseEncoder.errorResponse(503, "the server is at capacity");
    private static final long LINGER_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final String name;
    private final ConcurrentLinkedQueue<SocketChannel> incoming = new ConcurrentLinkedQueue<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final ByteBuffer scratch = ByteBuffer.allocate(4096); // selector thread
    private volatile Selector selector; // null until the first refusal
    private volatile boolean closed;

    /** Creates it; its thread, named {@code name}, starts with the first refusal. */
    public Rejecter(String name) {
        this.name = name;
    }

    /** Answers {@code channel} 503 and closes it; any thread, never blocks. */
    public void reject(SocketChannel channel) {
        if (closed || inFlight.incrementAndGet() > MAX_IN_FLIGHT || !started()) {
            inFlight.decrementAndGet();
            answerAndClose(channel);
            return;
        }
        incoming.add(channel);
        selector.wakeup();
    }

    /** Takes no more clients; the thread ends once the 503s in progress are done. Any thread. */
    public void close() {
        closed = true;
        Selector sel = selector;
        if (sel != null) {
            sel.wakeup();
        }
    }

    private synchronized boolean started() {
        if (selector != null) {
            return true;
        }
        try {
            selector = Selector.open();
        } catch (IOException e) {
            LOG.warn("Could not open the selector that answers 503: {}", e.toString());
            return false;
        }
        CorralThreads.daemon(name, this::run).start();
        return true;
    }

    /**
     * The fallback beyond {@link #MAX_IN_FLIGHT}: the 503 written at once, what the client sent so
     * far read and dropped, then closed; any thread, never blocks.
     */
    public static void answerAndClose(SocketChannel channel) {
        try (channel) {
            channel.configureBlocking(false);
            channel.write(ByteBuffer.wrap(RESPONSE)); // a fresh socket's buffer takes it whole
            channel.shutdownOutput();
            ByteBuffer drop = ByteBuffer.allocate(4096);
            while (channel.read(drop.clear()) > 0) {
                // dropped
            }
        } catch (IOException e) {
            LOG.debug("Could not send 503: {}", e.toString());
        }
    }

    /** One refused client: what is left of its 503, and when it is given up. */
    private static final class Refused {
        final ByteBuffer out = ByteBuffer.wrap(RESPONSE);
        final long deadline = System.nanoTime() + LINGER_NANOS;
    }

    private void run() {
        Selector sel = selector;
        try {
            // once closed, the 503s in progress still finish (each within a second)
            while (!(closed && sel.keys().isEmpty() && incoming.isEmpty())) {
                sel.select(100);
                SocketChannel c;
                while ((c = incoming.poll()) != null) {
                    admit(sel, c);
                }
                Iterator<SelectionKey> it = sel.selectedKeys().iterator();
                while (it.hasNext()) {
                    SelectionKey key = it.next();
                    it.remove();
                    if (key.isValid()) {
                        serve(key);
                    }
                }
                long now = System.nanoTime();
                for (SelectionKey key : sel.keys()) {
                    if (key.isValid() && now - ((Refused) key.attachment()).deadline > 0) {
                        finish(key);
                    }
                }
            }
        } catch (IOException | ClosedSelectorException e) {
            LOG.debug("The 503 selector stopped: {}", e.toString());
        } finally {
            for (SelectionKey key : sel.keys()) {
                finish(key);
            }
            SocketChannel c;
            while ((c = incoming.poll()) != null) {
                closeQuietly(c);
                inFlight.decrementAndGet();
            }
            try {
                sel.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }

    private void admit(Selector sel, SocketChannel channel) {
        try {
            channel.configureBlocking(false);
            SelectionKey key = channel.register(sel, 0, new Refused());
            serve(key);
        } catch (IOException e) {
            closeQuietly(channel);
            inFlight.decrementAndGet();
        }
    }

    /** Writes what is left of the 503, then shuts the output and reads and drops until the client closes. */
    private void serve(SelectionKey key) {
        SocketChannel channel = (SocketChannel) key.channel();
        Refused r = (Refused) key.attachment();
        try {
            if (r.out.hasRemaining()) {
                channel.write(r.out);
                if (r.out.hasRemaining()) {
                    key.interestOps(SelectionKey.OP_WRITE);
                    return;
                }
                channel.shutdownOutput();
            }
            int n;
            while ((n = channel.read(scratch.clear())) > 0) {
                // dropped
            }
            if (n < 0) {
                finish(key);
            } else {
                key.interestOps(SelectionKey.OP_READ);
            }
        } catch (IOException e) {
            finish(key);
        }
    }

    private void finish(SelectionKey key) {
        key.cancel();
        closeQuietly((SocketChannel) key.channel());
        inFlight.decrementAndGet();
    }

    private static void closeQuietly(SocketChannel c) {
        try {
            c.close();
        } catch (IOException e) {
            // nothing to do
        }
    }
}
