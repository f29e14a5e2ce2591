package io.corral.worker.async;

import io.corral.internal.server.Transport;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import javax.net.ssl.SSLSession;

/**
 * A transport that behaves as TLS can when the socket is full: it takes every byte offered, and
 * holds them until the test lets it flush. For unit tests of the rule that bytes are out only once
 * the transport has flushed them. Not thread-safe.
 */
final class HoldingTransport implements Transport {

    private final ByteArrayOutputStream held = new ByteArrayOutputStream();
    private final ByteArrayOutputStream sent = new ByteArrayOutputStream();
    private boolean open;

    /** Lets what it holds, and what it takes from now on, go out. */
    void open() {
        open = true;
    }

    /** Returns what went out, as ISO-8859-1 text. */
    String sent() {
        return sent.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public SocketChannel channel() {
        throw new UnsupportedOperationException("no socket");
    }

    @Override
    public int read(ByteBuffer dst) {
        throw new UnsupportedOperationException("write only");
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) {
        long n = 0;
        for (int i = offset; i < offset + length; i++) {
            n += write(srcs[i]);
        }
        return n;
    }

    @Override
    public int write(ByteBuffer src) {
        int n = src.remaining();
        byte[] bytes = new byte[n];
        src.get(bytes);
        held.writeBytes(bytes);
        flush();
        return n;
    }

    @Override
    public boolean flush() {
        if (open) {
            sent.writeBytes(held.toByteArray());
            held.reset();
        }
        return held.size() == 0;
    }

    @Override
    public int interestOps(int natural) {
        return SelectionKey.OP_WRITE;
    }

    @Override
    public void runTasks() {}

    @Override
    public void shutdownOutput() {}

    @Override
    public Optional<SSLSession> session() {
        return Optional.empty();
    }
}
