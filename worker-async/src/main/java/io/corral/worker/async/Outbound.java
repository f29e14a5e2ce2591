package io.corral.worker.async;

import io.corral.internal.server.Transport;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * Non-blocking writes of one connection: {@link #writeNow} offers bytes to its {@link Transport},
 * and what it does not take waits here, in order, for the socket (and, with TLS, what the transport
 * took but holds waits in the transport until {@link #flush} sends it). A connection only has one
 * while bytes wait, so an idle connection holds no write buffer.
 *
 * <p>Heap buffers are written in slices of at most {@link #MAX_WRITE} bytes: the JDK copies a heap
 * buffer into a temporary direct buffer as large as what is offered, and offering a large body
 * whole on every {@code OP_WRITE} would copy it again and again.
 *
 * <p>Confined to the event loop.
 */
final class Outbound {

    /** The most bytes of one buffer offered to the socket at once. */
    static final int MAX_WRITE = 256 * 1024;

    private final ArrayDeque<ByteBuffer> queue = new ArrayDeque<>(4);

    /**
     * Offers {@code first}, then {@code second} (may be null), until the transport has taken them or
     * takes no more now; uses {@code gather} (two slots, the loop's) for one gathering write of both.
     *
     * @return true if both went out: the transport took them whole and flushed them (with TLS it may
     *     take bytes and hold them); false if bytes are left in the buffers or the transport
     */
    static boolean writeNow(Transport transport, ByteBuffer[] gather, ByteBuffer first, ByteBuffer second)
            throws IOException {
        if (second != null && second.hasRemaining()) {
            while (first.hasRemaining()) {
                int limit = second.limit();
                second.limit(second.position() + Math.min(second.remaining(), MAX_WRITE));
                long want = first.remaining() + second.remaining();
                gather[0] = first;
                gather[1] = second;
                long written;
                try {
                    written = transport.write(gather, 0, 2);
                } finally {
                    second.limit(limit);
                    gather[0] = null;
                    gather[1] = null;
                }
                if (written < want) {
                    return false;
                }
            }
            first = second;
        }
        while (first.hasRemaining()) {
            int want = Math.min(first.remaining(), MAX_WRITE);
            if (writeSlice(transport, first) < want) {
                return false;
            }
        }
        return transport.flush();
    }

    /** Keeps what is left of {@code b} for later; copies it if {@code copy} (the buffer will be reused). */
    void add(ByteBuffer b, boolean copy) {
        if (!b.hasRemaining()) {
            return;
        }
        if (copy) {
            byte[] rest = new byte[b.remaining()];
            b.get(rest);
            b = ByteBuffer.wrap(rest);
        }
        queue.add(b);
    }

    /** Writes what waits, then flushes the transport; returns true once nothing is left anywhere. */
    boolean flush(Transport transport) throws IOException {
        ByteBuffer b;
        while ((b = queue.peek()) != null) {
            int want = Math.min(b.remaining(), MAX_WRITE);
            int written = writeSlice(transport, b);
            if (!b.hasRemaining()) {
                queue.poll();
            } else if (written < want) {
                return false;
            }
        }
        return transport.flush();
    }

    private static int writeSlice(Transport transport, ByteBuffer b) throws IOException {
        int limit = b.limit();
        if (b.remaining() > MAX_WRITE) {
            b.limit(b.position() + MAX_WRITE);
        }
        try {
            return transport.write(b);
        } finally {
            b.limit(limit);
        }
    }
}
