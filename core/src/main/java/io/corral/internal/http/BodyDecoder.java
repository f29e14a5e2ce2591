package io.corral.internal.http;

import io.corral.http.BadMessageException;
import io.corral.http.Headers;
import java.nio.ByteBuffer;

/**
 * Decodes one request body: Content-Length delimited or chunked. STUB: to be implemented.
 * Confined to the connection's thread.
 */
public final class BodyDecoder {

    /** Returns the decoder for the body that follows {@code head}, enforcing {@code limits.body()}. */
    public static BodyDecoder forHead(RequestHead head, Limits limits) {
        throw new UnsupportedOperationException("stub");
    }

    /**
     * Decodes bytes of {@code in} into {@code dst}.
     *
     * @return the number of body bytes written to {@code dst} (0 if {@code in} held only framing or
     *     nothing), or -1 once the body is complete and all of its framing consumed
     * @throws BadMessageException for bad framing (400) or a body over the limit (413)
     */
    public int read(ByteBuffer in, byte[] dst, int off, int len) throws BadMessageException {
        throw new UnsupportedOperationException("stub");
    }

    /** Returns true once the whole body, with its framing and trailers, has been consumed. */
    public boolean isComplete() {
        throw new UnsupportedOperationException("stub");
    }

    /** Returns the trailer fields of a chunked body, once complete; empty otherwise. */
    public Headers trailers() {
        throw new UnsupportedOperationException("stub");
    }
}
