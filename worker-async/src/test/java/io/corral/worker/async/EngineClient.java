package io.corral.worker.async;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;

/**
 * A TLS client driven by an {@link SSLEngine} over a blocking socket, so that a test decides how its
 * bytes become records and segments, which the JDK's own clients do not let it: a request body in
 * hundreds of tiny records sent in one write, or a PROXY protocol header in the same segment as the
 * ClientHello. Reads wait at most 20 seconds. Not thread-safe.
 *
 * <pre>{@code
 * try (EngineClient c = EngineClient.connect(context, port, new byte[0])) {
 *     c.sendRaw(c.records(request, 7));       // 7 plaintext bytes per record, all in one write
 *     String answer = c.readUntilClosed();     // plaintext, until close_notify or the end of stream
 * }
 * }</pre>
 */
final class EngineClient implements AutoCloseable {

    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final SSLEngine engine;
    private final ByteArrayOutputStream plain = new ByteArrayOutputStream(); // application bytes read
    private ByteBuffer netIn; // read mode: network bytes not yet unwrapped
    private boolean closed; // close_notify or the end of stream came

    private EngineClient(Socket socket, SSLEngine engine) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
        this.engine = engine;
        this.netIn =
                ByteBuffer.allocate(engine.getSession().getPacketBufferSize()).flip();
    }

    /**
     * Connects to 127.0.0.1:{@code port} as {@code localhost} and completes the handshake, sending
     * {@code prefix} (a PROXY header, or nothing) in the same write as the ClientHello.
     */
    static EngineClient connect(SSLContext context, int port, byte[] prefix) throws IOException {
        return connect(context, port, prefix, null);
    }

    /** As {@link #connect(SSLContext, int, byte[])}, offering only {@code protocol} (null: the defaults). */
    static EngineClient connect(SSLContext context, int port, byte[] prefix, String protocol) throws IOException {
        Socket s = new Socket();
        s.setTcpNoDelay(true);
        s.connect(new InetSocketAddress("127.0.0.1", port), 20_000);
        s.setSoTimeout(20_000);
        SSLEngine engine = context.createSSLEngine("localhost", port);
        engine.setUseClientMode(true);
        if (protocol != null) {
            engine.setEnabledProtocols(new String[] {protocol});
        }
        EngineClient c = new EngineClient(s, engine);
        c.engine.beginHandshake();
        c.drive(prefix);
        return c;
    }

    /**
     * TLS 1.2: starts a new handshake on the open connection and sends the ClientHello; {@link
     * #readServerFlight()} and {@link #finishHandshake()} go on with it.
     */
    void renegotiate() throws IOException {
        engine.beginHandshake();
        while (engine.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_WRAP) {
            ByteBuffer record = wrap(EMPTY);
            sendRaw(java.util.Arrays.copyOf(record.array(), record.limit()));
        }
    }

    /** Reads the server's handshake messages until the client must answer (or the handshake is over). */
    void readServerFlight() throws IOException {
        while (true) {
            switch (engine.getHandshakeStatus()) {
                case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                    if (!unwrapOne()) {
                        throw new EOFException("the server closed during the handshake");
                    }
                }
                case NEED_TASK -> runTasks();
                default -> {
                    return; // NEED_WRAP: the client's turn; or done
                }
            }
        }
    }

    /** Sends the client's answers and reads the server's until the handshake is over. */
    void finishHandshake() throws IOException {
        drive(null);
    }

    private void runTasks() {
        Runnable task;
        while ((task = engine.getDelegatedTask()) != null) {
            task.run();
        }
    }

    private void drive(byte[] prefix) throws IOException {
        byte[] first = prefix;
        while (true) {
            switch (engine.getHandshakeStatus()) {
                case NEED_WRAP -> {
                    ByteBuffer record = wrap(EMPTY);
                    ByteArrayOutputStream segment = new ByteArrayOutputStream();
                    if (first != null) {
                        segment.write(first);
                        first = null;
                    }
                    segment.write(record.array(), 0, record.limit());
                    sendRaw(segment.toByteArray());
                }
                case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                    if (!unwrapOne()) {
                        throw new EOFException("the server closed during the handshake");
                    }
                }
                case NEED_TASK -> runTasks();
                default -> {
                    return; // FINISHED, NOT_HANDSHAKING
                }
            }
        }
    }

    /** Encrypts {@code bytes} as records of at most {@code recordSize} plaintext bytes each, end to end. */
    byte[] records(byte[] bytes, int recordSize) throws SSLException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (int off = 0; off < bytes.length; off += recordSize) {
            ByteBuffer record = wrap(ByteBuffer.wrap(bytes, off, Math.min(recordSize, bytes.length - off)));
            all.write(record.array(), 0, record.limit());
        }
        return all.toByteArray();
    }

    /** Encrypts {@code text} (ISO-8859-1) as records of at most {@code recordSize} bytes each. */
    byte[] records(String text, int recordSize) throws SSLException {
        return records(text.getBytes(StandardCharsets.ISO_8859_1), recordSize);
    }

    /** Writes {@code bytes} to the socket as they are, in one write. */
    void sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Reads and decrypts until the server's {@code close_notify} or the end of the stream; returns all plaintext read. */
    String readUntilClosed() throws IOException {
        while (!closed) {
            unwrapOne();
        }
        return plain.toString(StandardCharsets.ISO_8859_1);
    }

    /** Reads and decrypts until the plaintext read so far contains {@code marker}; returns all of it. */
    String readUntil(String marker) throws IOException {
        while (!plain.toString(StandardCharsets.ISO_8859_1).contains(marker)) {
            if (closed) {
                throw new EOFException("closed before " + marker + "; read: " + plain);
            }
            unwrapOne();
        }
        return plain.toString(StandardCharsets.ISO_8859_1);
    }

    private ByteBuffer wrap(ByteBuffer src) throws SSLException {
        ByteBuffer record = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        SSLEngineResult r = engine.wrap(src, record);
        if (r.getStatus() != SSLEngineResult.Status.OK) {
            throw new SSLException("wrap: " + r);
        }
        if (src.hasRemaining()) {
            throw new SSLException("a record too large for one wrap: " + src.remaining() + " left");
        }
        return record.flip();
    }

    /** Unwraps one record, reading from the socket as needed; false at the end of the stream. */
    private boolean unwrapOne() throws IOException {
        ByteBuffer app = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize());
        while (true) {
            SSLEngineResult r = engine.unwrap(netIn, app);
            switch (r.getStatus()) {
                case OK -> {
                    plain.write(app.array(), 0, app.position());
                    return true;
                }
                case CLOSED -> {
                    closed = true;
                    return true;
                }
                case BUFFER_UNDERFLOW -> {
                    if (!readNetwork()) {
                        closed = true;
                        return false;
                    }
                }
                default -> throw new SSLException("unwrap: " + r);
            }
        }
    }

    private boolean readNetwork() throws IOException {
        if (netIn.capacity() - netIn.remaining() < 4096) {
            ByteBuffer larger = ByteBuffer.allocate(netIn.capacity() * 2);
            larger.put(netIn).flip();
            netIn = larger;
        }
        netIn.compact();
        int n = in.read(netIn.array(), netIn.position(), netIn.remaining());
        if (n > 0) {
            netIn.position(netIn.position() + n);
        }
        netIn.flip();
        return n > 0;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
