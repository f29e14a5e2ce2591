package io.corral.internal.server;

import io.corral.internal.http.BodyCount;
import io.corral.internal.http.ResponseEncoder;
import io.corral.internal.http.ResponseEncoder.Framing;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;

/**
 * The body stream of one response of a {@link BlockingConnection}: frames what the handler writes
 * (length-delimited, chunked or until close) and sends the head with the first bytes, in one
 * gathering write through the connection's {@link Sink}, which waits for the socket as long as it
 * must.
 *
 * <p>A fixed body reaches {@link #write(byte[], int, int)} as one array and goes out with the head
 * without being copied; small writes of a streaming body are gathered in a buffer that is only
 * allocated when needed. Confined to the thread serving the exchange; one serves every exchange the
 * thread runs on the connection.
 */
final class ChannelOutput extends OutputStream {

    private static final int BUFFER_SIZE = 8192;

    private final Sink sink;
    private final Committer committer;
    private final ByteBuffer[] gather = new ByteBuffer[4];
    private final byte[] chunkHeader = new byte[18];
    private final byte[] crlf = {'\r', '\n'};

    private final BodyCount count = new BodyCount();
    private ByteBuffer head; // pending until the first flush
    private byte[] buffer;
    private int buffered;

    /** Called before the first byte of a response goes out; throws if the exchange was aborted. */
    interface Committer {
        void commit() throws IOException;
    }

    /** Writes every byte of {@code buffers[0..count)} to the client, or throws. */
    interface Sink {
        void write(ByteBuffer[] buffers, int count) throws IOException;
    }

    ChannelOutput(Sink sink, Committer committer) {
        this.sink = sink;
        this.committer = committer;
    }

    /** Starts a response whose head is {@code head}, framed as the encoder decided. */
    void begin(ByteBuffer head, ResponseEncoder encoder) {
        this.head = head;
        this.buffered = 0;
        count.begin(encoder);
    }

    /** Returns the body bytes written so far (without framing). */
    long bodyBytes() {
        return count.written();
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (!count.add(len) || len == 0) {
            return; // HEAD, 204, 304: the body is dropped
        }
        if (buffer != null && buffered + len <= buffer.length) {
            System.arraycopy(b, off, buffer, buffered, len);
            buffered += len;
            return;
        }
        // the first write goes out with the head (a fixed body: one gathering write, no copy);
        // large writes skip the buffer
        if (buffered == 0 && (head != null || len >= BUFFER_SIZE / 2) || len > BUFFER_SIZE) {
            flushBuffer(false);
            send(ByteBuffer.wrap(b, off, len));
            return;
        }
        if (buffer == null) {
            buffer = new byte[BUFFER_SIZE];
        }
        if (buffered + len > buffer.length) {
            flushBuffer(false);
        }
        System.arraycopy(b, off, buffer, buffered, len);
        buffered += len;
    }

    /** Sends what is buffered (and the head, if still pending) to the client. */
    @Override
    public void flush() throws IOException {
        if (!count.finished()) {
            flushBuffer(true);
        }
    }

    /**
     * Ends the body: sends what is buffered, the last chunk of a chunked body, or the head alone of
     * an empty body.
     *
     * @throws IOException if a length-delimited body is short of its declared length
     */
    void finish() throws IOException {
        if (count.finished()) {
            return;
        }
        flushBuffer(false);
        count.finish();
        if (count.framing() == Framing.CHUNKED) {
            sendFramed(ByteBuffer.wrap(ResponseEncoder.LAST_CHUNK), false);
        } else if (head != null) {
            sendFramed(null, false);
        }
        buffer = null; // an idle connection keeps no buffer
    }

    /** Returns true once the head has gone out (or at least been handed to the socket). */
    boolean committed() {
        return head == null;
    }

    @Override
    public void close() throws IOException {
        // the server ends the body, not the handler; closing early is a harmless no-op
    }

    private void flushBuffer(boolean force) throws IOException {
        if (buffered > 0) {
            ByteBuffer data = ByteBuffer.wrap(buffer, 0, buffered);
            buffered = 0;
            send(data);
        } else if (force && head != null) {
            sendFramed(null, false);
        }
    }

    private void send(ByteBuffer data) throws IOException {
        sendFramed(data, count.framing() == Framing.CHUNKED);
    }

    private void sendFramed(ByteBuffer data, boolean chunk) throws IOException {
        int n = 0;
        if (head != null) {
            committer.commit();
            gather[n++] = head;
            head = null;
        }
        if (data != null) {
            if (chunk) {
                int h = ResponseEncoder.chunkHeader(data.remaining(), chunkHeader, 0);
                gather[n++] = ByteBuffer.wrap(chunkHeader, 0, h);
                gather[n++] = data;
                gather[n++] = ByteBuffer.wrap(crlf);
            } else {
                gather[n++] = data;
            }
        }
        sink.write(gather, n);
        java.util.Arrays.fill(gather, null);
    }
}
