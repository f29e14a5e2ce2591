package io.corral.internal.server;

import io.corral.internal.http.ResponseEncoder;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lingering close that ends a connection after a final response, and the 503 for a client there
 * is no room for, which ends the same way. Closing a socket whose client still sends makes the
 * kernel answer with a reset, which can destroy the response in flight; so the output is shut
 * first, and what the client still sends is read and dropped, at most {@link #MAX_DRAIN} bytes for
 * at most a second in all (a client that dribbles cannot stretch it). The selector loops ({@link
 * Poller}, the async event loop) linger without a thread; this class holds the shared limits, the
 * blocking version for the Arbiter's last resort at shutdown, and the fallback beyond {@link
 * #MAX_REFUSING}. Stateless; runs on the calling thread.
 */
public final class Lingering {

    /** The most a lingering close (or an unread request body) reads and drops. */
    public static final int MAX_DRAIN = 64 * 1024;

    /**
     * The most refused clients a worker answers 503 with a lingering close at once; beyond that each
     * gets {@link #answerAndClose}.
     */
    public static final int MAX_REFUSING = 4096;

    private static final byte[] REFUSED = ResponseEncoder.errorResponse(503, "the server is at capacity");

    private static final Logger LOG = LoggerFactory.getLogger("io.corral.server");
    private static final long LINGER_NANOS = TimeUnit.SECONDS.toNanos(1);

    private Lingering() {}

    /**
     * Shuts the output down and reads and drops what the client still sends, until it closes, or
     * {@link #MAX_DRAIN} bytes, or a second; the caller closes the socket afterwards.
     */
    private static void drain(Socket socket, InputStream input, byte[] scratch) {
        try {
            socket.shutdownOutput();
            long deadline = System.nanoTime() + LINGER_NANOS;
            int drained = 0;
            while (drained < MAX_DRAIN) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                socket.setSoTimeout((int) Math.max(1, left / 1_000_000));
                int n = input.read(scratch, 0, scratch.length);
                if (n < 0) {
                    break;
                }
                drained += n;
            }
        } catch (IOException e) {
            // closing anyway
        }
    }

    /**
     * Answers a connection the worker has no room for with {@code 503} and {@code Retry-After},
     * then closes it; runs on the calling thread and takes at most about a second.
     */
    public static void reject(SocketChannel channel) {
        try (channel) {
            channel.configureBlocking(true);
            ByteBuffer buffer = ByteBuffer.wrap(REFUSED);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            Socket socket = channel.socket();
            drain(socket, socket.getInputStream(), new byte[4096]);
        } catch (IOException e) {
            LOG.debug("Could not send 503: {}", e.toString());
        }
    }

    /**
     * The fallback beyond {@link #MAX_REFUSING}: the 503 written at once, what the client sent so
     * far read and dropped, then closed; any thread, never blocks.
     */
    public static void answerAndClose(SocketChannel channel) {
        closeNow(channel, REFUSED);
    }

    /**
     * The fallback beyond {@link #MAX_REFUSING} on a TLS port, whose client could not read a 503
     * without a handshake: the output shut (a clean end of stream, no reset), what the client sent so
     * far read and dropped, then closed; any thread, never blocks.
     */
    public static void closeUnanswered(SocketChannel channel) {
        closeNow(channel, null);
    }

    private static void closeNow(SocketChannel channel, byte[] answer) {
        try (channel) {
            channel.configureBlocking(false);
            if (answer != null) {
                channel.write(ByteBuffer.wrap(answer)); // a fresh socket's buffer takes it whole
            }
            channel.shutdownOutput();
            ByteBuffer drop = ByteBuffer.allocate(4096);
            while (channel.read(drop.clear()) > 0) {
                // dropped
            }
        } catch (IOException e) {
            LOG.debug("Could not refuse a client: {}", e.toString());
        }
    }
}
