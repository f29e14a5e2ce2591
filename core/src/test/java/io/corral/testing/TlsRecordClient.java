package io.corral.testing;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;

/**
 * A TLS client that controls its records: each {@link #record} call becomes one TLS record, and
 * {@link #send} writes records built earlier in one socket write, so that a test can put several
 * records in front of the server at once (one read then brings them all, which a {@code
 * SSLSocket}, one write per record, cannot arrange). Blocking, over a {@link SocketChannel}; for
 * tests only, not thread-safe.
 */
public final class TlsRecordClient implements AutoCloseable {

    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    private final SocketChannel channel;
    private final SSLEngine engine;
    private final ByteBuffer netIn;
    private final ByteBuffer appIn;
    private final ByteBuffer pending; // records built, not yet sent

    private TlsRecordClient(SocketChannel channel, SSLEngine engine) {
        this.channel = channel;
        this.engine = engine;
        int packet = engine.getSession().getPacketBufferSize();
        this.netIn = ByteBuffer.allocate(packet).flip();
        this.appIn = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize() * 2)
                .flip();
        this.pending = ByteBuffer.allocate(packet * 8);
    }

    /** Connects to 127.0.0.1:{@code port} and completes a handshake with {@code tls}. */
    public static TlsRecordClient connect(int port, SSLContext tls) throws IOException {
        SocketChannel channel = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
        SSLEngine engine = tls.createSSLEngine("localhost", port);
        engine.setUseClientMode(true);
        TlsRecordClient c = new TlsRecordClient(channel, engine);
        engine.beginHandshake();
        c.handshake();
        return c;
    }

    private void handshake() throws IOException {
        while (true) {
            HandshakeStatus s = engine.getHandshakeStatus();
            switch (s) {
                case NEED_WRAP -> {
                    ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
                    engine.wrap(EMPTY, out);
                    writeAll(out.flip());
                }
                case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> unwrapSome();
                case NEED_TASK -> {
                    Runnable t;
                    while ((t = engine.getDelegatedTask()) != null) {
                        t.run();
                    }
                }
                default -> {
                    return;
                }
            }
        }
    }

    /** Builds one TLS record of {@code text} and keeps it for {@link #send}. */
    public TlsRecordClient record(String text) throws IOException {
        SSLEngineResult r = engine.wrap(ByteBuffer.wrap(text.getBytes(StandardCharsets.ISO_8859_1)), pending);
        if (r.getStatus() != SSLEngineResult.Status.OK) {
            throw new IOException("wrap: " + r);
        }
        return this;
    }

    /** Writes every record built so far in one socket write. */
    public TlsRecordClient send() throws IOException {
        writeAll(pending.flip());
        pending.clear();
        return this;
    }

    /** Reads application bytes until {@code text} has arrived; returns everything read up to there. */
    public String readUntil(String text) throws IOException {
        StringBuilder seen = new StringBuilder();
        while (seen.indexOf(text) < 0) {
            if (!appIn.hasRemaining()) {
                appIn.clear();
                unwrapInto(appIn);
                appIn.flip();
            }
            while (appIn.hasRemaining()) {
                seen.append((char) (appIn.get() & 0xFF));
            }
        }
        return seen.toString();
    }

    private void unwrapSome() throws IOException {
        ByteBuffer scratch = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize());
        unwrapInto(scratch);
    }

    private void unwrapInto(ByteBuffer dst) throws IOException {
        while (true) {
            if (netIn.hasRemaining()) {
                SSLEngineResult r = engine.unwrap(netIn, dst);
                if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                    throw new EOFException("the server closed the TLS session");
                }
                if (r.getStatus() == SSLEngineResult.Status.OK) {
                    return;
                }
            }
            netIn.compact();
            int n = channel.read(netIn);
            netIn.flip();
            if (n < 0) {
                throw new EOFException("the server closed the connection");
            }
        }
    }

    private void writeAll(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            channel.write(b);
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
