package io.corral.internal.http;

import io.corral.http.BadMessageException;
import java.nio.ByteBuffer;

/**
 * The incremental HTTP/1.1 request-head parser that every worker shares. STUB: to be implemented.
 *
 * <p>Fed whatever bytes have arrived, in as many pieces as the network delivers (one byte at a
 * time included), it returns the same head as if the bytes had come at once. It allocates nothing
 * per byte. Confined to the one thread that serves the connection at a time.
 */
public final class RequestParser {

    /** Creates a parser that enforces {@code limits}. */
    public RequestParser(Limits limits) {
        throw new UnsupportedOperationException("stub");
    }

    /**
     * Consumes bytes of {@code in}, from its position to its limit, until a head is complete.
     *
     * @return the head, with {@code in} positioned just after the empty line that ends it (body or
     *     pipelined bytes stay in {@code in}); or {@code null} if every byte was consumed and more are
     *     needed
     * @throws BadMessageException if the bytes cannot begin a valid head, with the status to answer;
     *     the parser must not be used again
     */
    public RequestHead parse(ByteBuffer in) throws BadMessageException {
        throw new UnsupportedOperationException("stub");
    }

    /** Returns true if part of a head has been consumed but it is not complete yet. */
    public boolean inProgress() {
        throw new UnsupportedOperationException("stub");
    }
}
