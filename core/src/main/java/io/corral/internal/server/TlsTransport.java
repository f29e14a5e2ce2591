package io.corral.internal.server;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;

/**
 * A TLS session over a non-blocking socket, driven by an {@link SSLEngine}: reads unwrap, writes
 * wrap, and either drives the handshake as far as the socket allows, so that the engines need no
 * handshake step of their own: a selector loop that reads a request head simply gets no bytes until
 * the handshake is over.
 *
 * <p>Lean while idle: the network buffers ({@code packetBufferSize}, about 17 KiB each way) and the
 * decrypted overflow buffer exist only while they hold bytes, so an idle TLS connection costs its
 * engine's session state, not three buffers.
 *
 * <p>Thread-safe: every operation holds {@code lock}, so that the rare overlap of two threads (the
 * selector loop sending an aborted request's 504 while the serving thread is inside a read) cannot
 * corrupt the buffers; one thread at a time is the normal use (see {@link Transport}). The lock is
 * never held while waiting for the socket.
 */
public final class TlsTransport implements Transport {

    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    private final SocketChannel channel;
    private final SSLEngine engine;
    private final ReentrantLock lock = new ReentrantLock();
    private final ByteBuffer[] single = new ByteBuffer[1]; // for write(ByteBuffer); guarded by lock
    private ByteBuffer netIn; // read mode: network bytes not yet unwrapped; null when none
    private ByteBuffer netOut; // read mode: network bytes not yet written; null when none
    private ByteBuffer spareOut; // an empty network buffer kept for the next wrap while the connection is busy
    private ByteBuffer appIn; // read mode: application bytes unwrapped and not yet read; null when none
    private int wants; // what the last call that made no progress waits for
    private boolean inboundDone;
    private boolean handshaken;
    private byte firstByte = -1; // the first byte the client sent, to tell plain HTTP from TLS

    /**
     * Wraps {@code channel} in a server-side session of {@code engine}; {@code alreadyRead} holds
     * network bytes read before TLS began (after a PROXY protocol header), or is empty.
     */
    public TlsTransport(SocketChannel channel, SSLEngine engine, ByteBuffer alreadyRead) {
        this.channel = channel;
        this.engine = engine;
        if (alreadyRead.hasRemaining()) {
            netIn = ByteBuffer.allocate(Math.max(packetSize(), alreadyRead.remaining()));
            netIn.put(alreadyRead).flip();
            firstByte = netIn.get(0);
        }
    }

    @Override
    public SocketChannel channel() {
        return channel;
    }

    @Override
    public Optional<SSLSession> session() {
        return handshaken ? Optional.of(engine.getSession()) : Optional.empty();
    }

    /** Returns the engine, for the facts of the session once the handshake is over. */
    public SSLEngine engine() {
        return engine;
    }

    /** Returns true if the handshake is over (application bytes can flow). */
    public boolean handshaken() {
        return handshaken;
    }

    /**
     * Returns true if the client began with something other than a TLS record: an ASCII letter, as
     * plain HTTP sent to a TLS port does, which deserves a plain 400 rather than a silent close.
     */
    public boolean clientSpokePlainText() {
        return firstByte >= 'A' && firstByte <= 'Z';
    }

    // ---- reading ------------------------------------------------------------------------------

    @Override
    public int read(ByteBuffer dst) throws IOException {
        lock.lock();
        try {
            return readLocked(dst);
        } finally {
            lock.unlock();
        }
    }

    private int readLocked(ByteBuffer dst) throws IOException {
        while (true) {
            if (appIn != null) {
                int n = transfer(appIn, dst);
                if (!appIn.hasRemaining()) {
                    appIn = null;
                }
                if (n > 0) {
                    return n;
                }
            }
            if (inboundDone) {
                return -1;
            }
            if (!stepHandshake(SelectionKey.OP_READ)) {
                return 0;
            }
            if (netIn == null || !netIn.hasRemaining()) {
                int r = readNetwork();
                if (r < 0) {
                    return endOfStream();
                }
                if (r == 0) {
                    wants = SelectionKey.OP_READ;
                    return 0;
                }
            }
            int n = unwrap(dst);
            if (n == WAIT) {
                return 0;
            }
            if (n > 0) {
                return n;
            }
        }
    }

    /** What {@link #unwrap} returns when a partial record waits for bytes the socket does not have yet. */
    private static final int WAIT = -2;

    /**
     * Unwraps one record from {@code netIn} into {@code dst} (or into {@code appIn} when {@code dst}
     * is too small); returns the bytes put in {@code dst}, 0 if there were none but progress was made
     * (a handshake message, more network bytes read), or {@link #WAIT}.
     */
    private int unwrap(ByteBuffer dst) throws IOException {
        ByteBuffer target = dst.remaining() >= appSize() ? dst : appBuffer();
        int before = target.position();
        SSLEngineResult result = engine.unwrap(netIn, target);
        releaseNetIn();
        switch (result.getStatus()) {
            case OK -> {
                noteHandshake(result);
                int produced = target.position() - before;
                if (target == dst) {
                    return produced;
                }
                target.flip();
                appIn = target.hasRemaining() ? target : null;
                return appIn == null ? 0 : transfer(appIn, dst);
            }
            case BUFFER_UNDERFLOW -> {
                // a partial record: make room for the whole one and read on
                int r = readNetwork();
                if (r < 0) {
                    endOfStream();
                    return 0;
                }
                if (r == 0) {
                    wants = SelectionKey.OP_READ;
                    return WAIT;
                }
                return 0;
            }
            case CLOSED -> {
                inboundDone = true; // close_notify: the client is done sending
                return 0;
            }
            default -> throw new SSLException("unexpected unwrap status " + result.getStatus());
        }
    }

    private int endOfStream() throws IOException {
        inboundDone = true;
        if (!handshaken && netIn == null && appIn == null) {
            return -1;
        }
        try {
            engine.closeInbound(); // without close_notify: a truncation, which TLS reports
        } catch (SSLException e) {
            // the peer closed without close_notify: the HTTP layer sees the end of the stream
        }
        return -1;
    }

    /** Reads network bytes into {@code netIn}, making room for a whole record; the count read. */
    private int readNetwork() throws IOException {
        if (netIn == null) {
            netIn = ByteBuffer.allocate(packetSize());
            netIn.flip();
        }
        if (netIn.capacity() < packetSize()) {
            ByteBuffer larger = ByteBuffer.allocate(packetSize());
            larger.put(netIn).flip();
            netIn = larger;
        }
        netIn.compact();
        int n;
        try {
            n = channel.read(netIn);
        } finally {
            netIn.flip();
        }
        if (n > 0 && firstByte == -1) {
            firstByte = netIn.get(0);
        }
        return n;
    }

    private void releaseNetIn() {
        if (netIn != null && !netIn.hasRemaining()) {
            netIn = null;
        }
    }

    // ---- writing ------------------------------------------------------------------------------

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        lock.lock();
        try {
            return writeLocked(srcs, offset, length);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        lock.lock();
        try {
            single[0] = src;
            return (int) writeLocked(single, 0, 1);
        } finally {
            single[0] = null;
            lock.unlock();
        }
    }

    private long writeLocked(ByteBuffer[] srcs, int offset, int length) throws IOException {
        if (!flushLocked()) {
            wants = SelectionKey.OP_WRITE;
            return 0;
        }
        long consumed = 0;
        while (remaining(srcs, offset, length) > 0) {
            if (!stepHandshake(SelectionKey.OP_WRITE)) {
                return consumed;
            }
            ByteBuffer out = netOutForWrap();
            SSLEngineResult result = engine.wrap(srcs, offset, length, out);
            pendingOut(out);
            consumed += result.bytesConsumed();
            switch (result.getStatus()) {
                case OK, BUFFER_OVERFLOW -> noteHandshake(result);
                case CLOSED -> throw new SSLException("the TLS session is closed");
                default -> throw new SSLException("unexpected wrap status " + result.getStatus());
            }
            if (!flushLocked()) {
                wants = SelectionKey.OP_WRITE;
                return consumed;
            }
        }
        return consumed;
    }

    @Override
    public boolean flush() throws IOException {
        lock.lock();
        try {
            if (flushLocked()) {
                return true;
            }
            wants = SelectionKey.OP_WRITE; // what interestOps tells next, whatever an earlier call waited for
            return false;
        } finally {
            lock.unlock();
        }
    }

    private boolean flushLocked() throws IOException {
        if (netOut == null) {
            return true;
        }
        channel.write(netOut);
        if (netOut.hasRemaining()) {
            return false;
        }
        spareOut = netOut;
        netOut = null;
        return true;
    }

    /** Returns an empty buffer in write mode for the next wrap; {@code netOut} is null (flushed). */
    private ByteBuffer netOutForWrap() {
        ByteBuffer out =
                spareOut != null && spareOut.capacity() >= packetSize() ? spareOut : ByteBuffer.allocate(packetSize());
        spareOut = null;
        return out.clear();
    }

    /** Makes what a wrap put in {@code out} the bytes to send (or keeps the buffer for reuse if none). */
    private void pendingOut(ByteBuffer out) {
        out.flip();
        if (out.hasRemaining()) {
            netOut = out;
        } else {
            spareOut = out;
        }
    }

    /**
     * The connection goes idle: drops the buffers kept for reuse, and an empty read buffer a read that
     * found nothing left behind, so that an idle TLS connection holds none (those still holding bytes
     * stay).
     */
    @Override
    public void idle() {
        lock.lock();
        try {
            spareOut = null;
            releaseNetIn();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Returns true if bytes taken from the socket wait here: decrypted ones not yet read, or records
     * (or part of one) not yet unwrapped. No readiness of the socket tells of them, so a selector
     * loop reads on while this is true.
     */
    @Override
    public boolean hasBufferedInput() {
        lock.lock();
        try {
            return appIn != null || (netIn != null && netIn.hasRemaining());
        } finally {
            lock.unlock();
        }
    }

    /** Returns the bytes of buffer this transport holds now, for tests and diagnostics: 0 when idle. */
    public int heldBufferBytes() {
        lock.lock();
        try {
            return capacity(netIn) + capacity(netOut) + capacity(spareOut) + capacity(appIn);
        } finally {
            lock.unlock();
        }
    }

    private static int capacity(ByteBuffer b) {
        return b == null ? 0 : b.capacity();
    }

    // ---- the handshake ------------------------------------------------------------------------

    /**
     * Does what the handshake needs before application bytes can flow in the direction of {@code
     * natural}: wraps and sends handshake messages, or unwraps the peer's (keeping any application
     * bytes that come with them). Returns true when the caller may go on; false when it must wait
     * ({@link #interestOps} says for what).
     */
    private boolean stepHandshake(int natural) throws IOException {
        while (true) {
            HandshakeStatus status = engine.getHandshakeStatus();
            switch (status) {
                case NEED_TASK -> {
                    wants = 0;
                    return false;
                }
                case NEED_WRAP -> {
                    if (!flushLocked()) {
                        wants = SelectionKey.OP_WRITE;
                        return false;
                    }
                    ByteBuffer out = netOutForWrap();
                    SSLEngineResult result = engine.wrap(EMPTY, out);
                    pendingOut(out);
                    noteHandshake(result);
                    if (result.getStatus() == SSLEngineResult.Status.CLOSED && !out.hasRemaining()) {
                        return true;
                    }
                    if (!flushLocked()) {
                        wants = SelectionKey.OP_WRITE;
                        return false;
                    }
                }
                case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                    if (natural == SelectionKey.OP_READ) {
                        return true; // read() unwraps next
                    }
                    // a write during a handshake: read the peer's messages, keeping application bytes
                    if (netIn == null || !netIn.hasRemaining()) {
                        int r = readNetwork();
                        if (r < 0) {
                            throw new EOFException("the client closed during the TLS handshake");
                        }
                        if (r == 0) {
                            wants = SelectionKey.OP_READ;
                            return false;
                        }
                    }
                    if (unwrap(EMPTY) == WAIT) {
                        return false;
                    }
                }
                default -> {
                    return true; // FINISHED, NOT_HANDSHAKING
                }
            }
        }
    }

    private void noteHandshake(SSLEngineResult result) {
        HandshakeStatus s = result.getHandshakeStatus();
        if (s == HandshakeStatus.FINISHED) {
            handshaken = true;
        }
    }

    @Override
    public void runTasks() {
        lock.lock();
        try {
            runTasksLocked();
        } finally {
            lock.unlock();
        }
    }

    private void runTasksLocked() {
        Runnable task;
        while ((task = engine.getDelegatedTask()) != null) {
            task.run();
        }
    }

    @Override
    public int interestOps(int natural) {
        return wants;
    }

    @Override
    public void shutdownOutput() throws IOException {
        lock.lock();
        try {
            shutdownOutputLocked();
        } finally {
            lock.unlock();
        }
    }

    private void shutdownOutputLocked() throws IOException {
        engine.closeOutbound();
        try {
            while (!engine.isOutboundDone() && flushLocked()) {
                ByteBuffer out = netOutForWrap();
                engine.wrap(EMPTY, out);
                pendingOut(out);
                if (!flushLocked()) {
                    break; // the close_notify goes out as far as the socket takes it now
                }
            }
        } catch (SSLException e) {
            // closing anyway
        }
        channel.shutdownOutput();
    }

    // ---- buffers ------------------------------------------------------------------------------

    private ByteBuffer appBuffer() {
        return ByteBuffer.allocate(appSize());
    }

    private int appSize() {
        return engine.getSession().getApplicationBufferSize();
    }

    private int packetSize() {
        return engine.getSession().getPacketBufferSize();
    }

    private static int transfer(ByteBuffer from, ByteBuffer to) {
        int n = Math.min(from.remaining(), to.remaining());
        if (n == from.remaining()) {
            to.put(from);
        } else {
            to.put(from.slice(from.position(), n));
            from.position(from.position() + n);
        }
        return n;
    }

    private static long remaining(ByteBuffer[] srcs, int offset, int length) {
        long n = 0;
        for (int i = offset; i < offset + length; i++) {
            n += srcs[i].remaining();
        }
        return n;
    }
}
