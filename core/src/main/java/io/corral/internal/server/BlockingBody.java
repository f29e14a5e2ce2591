package io.corral.internal.server;

import io.corral.http.BadMessageException;
import io.corral.internal.http.BodyDecoder;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;

/**
 * A request body as a handler reads it on a blocking connection: decoded from the connection's
 * input buffer, refilled from the socket with {@code header_timeout} as the limit on each wait.
 * Sends {@code 100 Continue} the first time a client that expects it is read from. Remembers how
 * the body broke (cut short, stalled, badly framed), so that the exchange answers the client's
 * error as one ({@link ExchangeRules#clientError}) whatever the handler did with the exception.
 *
 * <p>Confined to the serving thread.
 */
final class BlockingBody extends InputStream {

    /** The connection's side: its input buffer and socket. Serving thread. */
    interface Source {
        /** The buffer that holds the bytes read and not yet consumed. */
        ByteBuffer buffer();

        /** Reads more bytes into {@link #buffer()}, waiting at most {@code timeoutMillis}; -1 at end of stream. */
        int fill(int timeoutMillis) throws IOException;

        /** Sends {@code 100 Continue}; throws if the exchange was aborted. */
        void sendContinue() throws IOException;
    }

    private final BodyDecoder decoder;
    private final Source source;
    private final int waitMillis;
    private boolean expectContinue;
    private int brokenStatus;
    private byte[] one;

    BlockingBody(BodyDecoder decoder, boolean expectContinue, Source source, int waitMillis) {
        this.decoder = decoder;
        this.expectContinue = expectContinue;
        this.source = source;
        this.waitMillis = waitMillis;
    }

    @Override
    public int read() throws IOException {
        if (one == null) {
            one = new byte[1];
        }
        int n;
        do {
            n = read(one, 0, 1);
        } while (n == 0);
        return n < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (brokenStatus != 0) {
            throw new BadMessageException(brokenStatus, "the request body could not be read");
        }
        if (decoder.isComplete()) {
            return -1;
        }
        try {
            return readDecoded(b, off, len);
        } catch (BadMessageException e) {
            brokenStatus = e.status();
            throw e;
        }
    }

    private int readDecoded(byte[] b, int off, int len) throws IOException {
        if (expectContinue) {
            expectContinue = false;
            source.sendContinue();
        }
        while (true) {
            ByteBuffer in = source.buffer(); // a fill may replace it with a larger one
            if (in.hasRemaining()) {
                int before = in.position();
                int n = decoder.read(in, b, off, len);
                if (n != 0) {
                    return n;
                }
                if (in.hasRemaining() && in.position() != before) {
                    continue;
                }
            }
            int r;
            try {
                r = source.fill(waitMillis);
            } catch (SocketTimeoutException e) {
                throw new BadMessageException(408, "the request body stalled for longer than header_timeout");
            }
            if (r < 0) {
                throw ExchangeRules.bodyCutShort();
            }
        }
    }

    @Override
    public int available() {
        return decoder.isComplete() ? 0 : source.buffer().remaining();
    }

    /** Returns the status of the client error that broke the body (400, 408, 413), or 0. */
    int brokenStatus() {
        return brokenStatus;
    }

    /** True if the connection can carry another request once the unread body is drained. */
    boolean reusable() {
        if (brokenStatus != 0) {
            return false;
        }
        if (decoder.isComplete()) {
            return true;
        }
        // the client holds the body back until it sees 100 Continue, or a final response:
        // whether it then sends it or not is unknowable, so the connection must close
        return !expectContinue;
    }

    /** Reads and drops the rest of the body, up to 64 KiB; false if the connection must close instead. */
    boolean drain() {
        if (!reusable()) {
            return false;
        }
        if (decoder.isComplete()) {
            return true;
        }
        byte[] scratch = new byte[4096];
        long drained = 0;
        try {
            int n;
            while ((n = read(scratch, 0, scratch.length)) >= 0) {
                drained += n;
                if (drained > Lingering.MAX_DRAIN) {
                    return false;
                }
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
