package io.corral.internal.http;

import io.corral.internal.http.ResponseEncoder.Framing;
import java.io.IOException;

/**
 * Counts the body bytes a handler writes against the framing its response head announced: no write
 * after the end, no more than a declared {@code Content-Length} and, at the end, no less. Every
 * worker's body stream counts through one of these, so the rule and its messages are the same
 * everywhere. Confined to the writing thread.
 */
public final class BodyCount {

    private Framing framing = Framing.NONE;
    private long remaining; // LENGTH: bytes still owed
    private long written;
    private boolean finished;

    /** Starts counting a new body, framed as {@code encoder} decided. */
    public void begin(ResponseEncoder encoder) {
        begin(encoder.framing(), encoder.contentLength());
    }

    /** Starts counting a new body with this framing and, for {@link Framing#LENGTH}, this length. */
    public void begin(Framing framing, long contentLength) {
        this.framing = framing;
        this.remaining = contentLength;
        this.written = 0;
        this.finished = false;
    }

    /**
     * Counts a write of {@code len} bytes.
     *
     * @return false if the bytes are to be dropped: the response has no body (HEAD, 204, 304)
     * @throws IOException if the body is complete, or the write goes past the declared length
     */
    public boolean add(int len) throws IOException {
        if (finished) {
            throw new IOException("the response body is already complete");
        }
        if (framing == Framing.NONE) {
            return false;
        }
        if (framing == Framing.LENGTH) {
            if (len > remaining) {
                throw new IOException("the handler wrote more than the declared Content-Length of the response");
            }
            remaining -= len;
        }
        written += len;
        return true;
    }

    /**
     * Ends the body; later writes fail.
     *
     * @throws IOException if a length-delimited body is short of its declared length
     */
    public void finish() throws IOException {
        finished = true;
        if (framing == Framing.LENGTH && remaining > 0) {
            throw new IOException("the handler wrote " + remaining + " bytes less than the declared Content-Length");
        }
    }

    /** Ends the body after a failure, without checking its length; later writes fail. */
    public void abandon() {
        finished = true;
    }

    /** Returns true once the body has ended. */
    public boolean finished() {
        return finished;
    }

    /** Returns the body bytes counted so far (without framing). */
    public long written() {
        return written;
    }

    /** Returns the framing being counted. */
    public Framing framing() {
        return framing;
    }
}
