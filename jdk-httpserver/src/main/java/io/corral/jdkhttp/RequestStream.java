package io.corral.jdkhttp;

import java.io.IOException;
import java.io.InputStream;

/**
 * The request body as the JDK handler reads it ({@code getRequestBody()}): the Corral request's
 * body, closable. Reading after close fails, as the JDK's does. Closing early reads nothing here:
 * once the response is sent the worker model drains what is left, up to 64 KiB (the JDK's {@code
 * drainAmount}), and closes the connection instead if more is left; a body cut short by the client
 * fails the read, and the exchange is answered as the client's error.
 *
 * <p>Threading: read by the handler's thread; {@link #close()} from any thread.
 */
final class RequestStream extends InputStream {

    private final InputStream body;
    private volatile boolean closed;

    RequestStream(InputStream body) {
        this.body = body;
    }

    @Override
    public int read() throws IOException {
        checkOpen();
        return body.read();
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        checkOpen();
        return body.read(b, off, len);
    }

    @Override
    public long skip(long n) throws IOException {
        checkOpen();
        return body.skip(n);
    }

    @Override
    public int available() throws IOException {
        return closed ? 0 : body.available();
    }

    @Override
    public void close() {
        closed = true;
    }

    private void checkOpen() throws IOException {
        if (closed) {
            throw new IOException("Stream is closed");
        }
    }
}
