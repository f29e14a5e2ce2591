package io.corral.worker.async;

import io.corral.http.Response;
import io.corral.internal.http.ResponseBodies;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;

/**
 * Takes the array of a fixed response body without copying it: {@link ResponseBodies#write} hands a
 * fixed body over in one {@code write}, which this stream wraps. Confined to the event loop, which
 * reuses one.
 */
final class FixedBody extends OutputStream {

    private ByteBuffer captured;

    /** Returns the fixed body of {@code response} as a buffer over the response's own array. */
    ByteBuffer of(Response response) {
        captured = null;
        try {
            ResponseBodies.write(response, this);
        } catch (IOException e) {
            throw new IllegalStateException("a fixed body cannot fail to write", e);
        }
        ByteBuffer body = captured != null ? captured : ByteBuffer.allocate(0);
        captured = null;
        return body;
    }

    @Override
    public void write(int b) {
        throw new IllegalStateException("a fixed body is written in one piece");
    }

    @Override
    public void write(byte[] b, int off, int len) {
        if (captured != null) {
            throw new IllegalStateException("a fixed body is written in one piece");
        }
        captured = ByteBuffer.wrap(b, off, len);
    }
}
