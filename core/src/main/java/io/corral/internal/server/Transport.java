package io.corral.internal.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Optional;
import javax.net.ssl.SSLSession;

/**
 * The bytes of one connection as the engines read and write them, in non-blocking mode: the
 * socket itself ({@link #plain}), or a TLS session over it ({@link TlsTransport}). A read or write
 * that makes no progress returns 0, and {@link #interestOps(int)} then says what the socket must
 * become ready for: with TLS a read may need to write (a handshake message), a write to read, and
 * either to wait for a delegated task ({@link #runTasks()}).
 *
 * <p>Threading: used by one thread at a time, the one that holds the connection (its selector loop,
 * or the thread running its exchange); the hand-overs between them order the accesses.
 */
public interface Transport {

    /** Returns the socket. */
    SocketChannel channel();

    /**
     * Reads application bytes into {@code dst}.
     *
     * @return how many, or 0 if none can be had now (wait for {@link #interestOps(int)}), or -1 at
     *     the end of the stream
     */
    int read(ByteBuffer dst) throws IOException;

    /**
     * Writes application bytes from {@code srcs[offset..offset+length)}.
     *
     * @return how many were taken, perhaps 0 (wait for {@link #interestOps(int)}); bytes taken may
     *     still wait in the transport until {@link #flush()} returns true
     */
    long write(ByteBuffer[] srcs, int offset, int length) throws IOException;

    /**
     * Writes application bytes from {@code src}: {@link #write(ByteBuffer[], int, int)} for one
     * buffer, which the plain transport hands to the socket as one {@code write}, not a gathering one.
     *
     * @return how many were taken, perhaps 0; as for the gathering write
     */
    default int write(ByteBuffer src) throws IOException {
        return (int) write(new ByteBuffer[] {src}, 0, 1);
    }

    /**
     * Sends what the transport holds of earlier writes.
     *
     * @return true once nothing is held; false if the socket must become writable first ({@link
     *     #interestOps(int)} then says {@code OP_WRITE})
     */
    boolean flush() throws IOException;

    /**
     * After a read or write that made no progress: the selector operations to wait for, given the
     * {@code natural} one of the call ({@code OP_READ} for a read, {@code OP_WRITE} for a write or
     * flush); 0 if a delegated task must run first ({@link #runTasks()}).
     */
    int interestOps(int natural);

    /**
     * Runs the work the TLS engine delegated (certificate checks, key exchange), which may take
     * milliseconds: on the thread running an exchange, inline; a selector loop runs it on another
     * thread and then tries again. Nothing for a plain connection.
     */
    void runTasks();

    /**
     * Ends the output: with TLS, sends {@code close_notify} (as far as the socket takes it) before
     * the TCP half-close.
     */
    void shutdownOutput() throws IOException;

    /**
     * Returns true if bytes read from the socket wait inside the transport (a TLS record unwrapped
     * only in part, or not yet): a selector will not report them, so a reader that stops before they
     * are used must come back for them by itself. Always false for a plain connection.
     */
    default boolean hasBufferedInput() {
        return false;
    }

    /** The connection goes idle: drop what is kept only for reuse. Nothing for a plain connection. */
    default void idle() {}

    /** Returns the TLS session once its handshake is done; empty for a plain connection. */
    Optional<SSLSession> session();

    /** Returns the plain transport of {@code channel}: reads and writes go straight to the socket. */
    static Transport plain(SocketChannel channel) {
        return new Plain(channel);
    }

    /** The socket as it is. */
    record Plain(SocketChannel channel) implements Transport {
        @Override
        public int read(ByteBuffer dst) throws IOException {
            return channel.read(dst);
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            return channel.write(srcs, offset, length);
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            return channel.write(src);
        }

        @Override
        public boolean flush() {
            return true;
        }

        @Override
        public int interestOps(int natural) {
            return natural;
        }

        @Override
        public void runTasks() {
            // none
        }

        @Override
        public void shutdownOutput() throws IOException {
            channel.shutdownOutput();
        }

        @Override
        public Optional<SSLSession> session() {
            return Optional.empty();
        }
    }
}
