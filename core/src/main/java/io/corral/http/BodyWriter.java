package io.corral.http;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes a response body of unknown length as it is produced; it goes out chunked on HTTP/1.1 (or
 * with the {@code Content-Length} the response declares).
 *
 * <p>The stream blocks while the client is slow to read, so a producer never buffers more than the
 * socket and a small fixed buffer hold. {@code flush()} pushes what was written so far to the
 * client. Do not close the stream; returning ends the body.
 */
@FunctionalInterface
public interface BodyWriter {

    /**
     * Writes the body.
     *
     * @param out the body stream, valid only during this call
     * @throws IOException if the client went away or writing failed; the connection is then closed
     */
    void writeTo(OutputStream out) throws IOException;
}
