package io.corral.worker.async;

import io.corral.http.BadMessageException;
import io.corral.internal.http.BodyDecoder;
import io.corral.internal.http.Limits;
import io.corral.internal.http.RequestHead;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A request body read whole into memory before the handler runs, through core's {@link
 * BodyDecoder}: bounded by {@code limit_request_body} (the decoder refuses more with 413), and by
 * the largest array Java allows. The buffer starts small and doubles as bytes arrive, so a client
 * that announces a large body and sends little costs little.
 *
 * <p>Confined to the event loop.
 */
final class RequestBody {

    /** The largest body an array holds. */
    static final long MAX_BYTES = Integer.MAX_VALUE - 16;

    private static final int FIRST_BUFFER = 8192;

    private final BodyDecoder decoder;
    private final long capacityLimit;
    private byte[] bytes;
    private int length;

    /**
     * Starts the body that follows {@code head}.
     *
     * @throws BadMessageException with 413 if its declared length cannot be held in memory
     */
    RequestBody(RequestHead head, Limits limits) throws BadMessageException {
        if (head.contentLength() > MAX_BYTES) {
            throw new BadMessageException(413, "request body is larger than " + MAX_BYTES + " bytes");
        }
        this.decoder = BodyDecoder.forHead(head, limits);
        if (head.contentLength() > 0) {
            capacityLimit = head.contentLength();
        } else {
            // chunked: one byte more than the limit lets the decoder see, and refuse, an excess
            capacityLimit = limits.body() > 0 ? Math.min(limits.body() + 1, MAX_BYTES) : MAX_BYTES;
        }
    }

    /**
     * Decodes body bytes from {@code in}: stops when {@code in} is used up or the body is complete,
     * leaving the bytes of a pipelined request in {@code in}.
     *
     * @return true once the whole body, with its framing, is in
     * @throws BadMessageException for bad framing (400) or a body over {@code limit_request_body} (413)
     */
    boolean read(ByteBuffer in) throws BadMessageException {
        while (!decoder.isComplete()) {
            ensureRoom();
            int position = in.position();
            int n = decoder.read(in, bytes, length, bytes.length - length);
            if (n < 0) {
                break;
            }
            length += n;
            if (n == 0 && (!in.hasRemaining() || in.position() == position)) {
                return false;
            }
        }
        return true;
    }

    /** Returns how many body bytes have arrived. */
    int length() {
        return length;
    }

    /** Returns the body as the handler reads it. */
    InputStream stream() {
        return length == 0 ? InputStream.nullInputStream() : new ByteArrayInputStream(bytes, 0, length);
    }

    private void ensureRoom() {
        if (bytes != null && length < bytes.length) {
            return;
        }
        int capacity = (int) Math.min(capacityLimit, Math.max(FIRST_BUFFER, 2L * length));
        bytes = bytes == null ? new byte[Math.max(1, capacity)] : Arrays.copyOf(bytes, Math.max(capacity, length + 1));
    }
}
