package io.corral.jdkhttp;

import io.corral.http.Headers;
import io.corral.http.Response;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The response body stream of one exchange ({@code getResponseBody()}), and the bridge from the JDK
 * handler's way of answering (status and headers, then bytes written while it runs, then close) to
 * Corral's (a {@link Response} that a stage completes with).
 *
 * <p>A body that ends while it still fits in {@link #BUFFER} bytes goes out whole, with its length:
 * the stage completes once, with the head and the body together, the way most handlers answer. A
 * larger body, or one the handler flushes, is handed over: the stage completes with a streaming
 * response that the worker model writes from a {@link ResponsePipe} while the handler goes on
 * writing into it. A fixed length ({@code sendResponseHeaders(code, n)} with {@code n > 0}) is
 * declared either way and enforced here: a write past it throws, a close short of it throws, and
 * both abort the exchange (a 500 if nothing was sent yet, else the connection closes).
 *
 * <p>Threading: written by the handler's thread (or whichever thread it hands the exchange to, one
 * at a time); the serving side only reads the pipe. State guarded by {@code lock}.
 */
final class ResponseStream extends OutputStream {

    /** A body up to this size goes out whole once the exchange ends; a larger one streams. */
    static final int BUFFER = 32 * 1024;

    private enum Mode {
        NOT_STARTED,
        FIXED, // exactly length bytes
        CHUNKED, // any number of bytes, ended by close
        DISCARD, // HEAD: what the handler writes is dropped
        NONE, // -1, 204, 304: nothing may be written
        DONE
    }

    private final CorralExchange exchange;
    private final CompletableFuture<Response> result;
    private final ReentrantLock lock = new ReentrantLock();

    // guarded by lock
    private Mode mode = Mode.NOT_STARTED;
    private int status;
    private Headers headers;
    private long length; // FIXED
    private long written;
    private byte[] buffer;
    private int buffered;
    private ResponsePipe pipe; // once handed over

    ResponseStream(CorralExchange exchange, CompletableFuture<Response> result) {
        this.exchange = exchange;
        this.result = result;
    }

    /**
     * Starts the final response: {@code length > 0} a body of exactly that many bytes, 0 a chunked
     * body, -1 none. A response that can carry no body (HEAD, 204, 304, -1) goes out at once and
     * the exchange ends.
     *
     * @return true if the exchange ended with it (no body follows)
     */
    boolean start(int status, Headers headers, long length, boolean toHead) {
        Response bodyless = null;
        lock.lock();
        try {
            this.status = status;
            this.headers = headers;
            if (toHead) {
                mode = Mode.DISCARD;
                // HEAD keeps the length a GET would carry: the handler's, else the one passed here
                Headers h = headers;
                if (length > 0 && !h.contains("Content-Length")) {
                    h = h.with("Content-Length", Long.toString(length));
                }
                bodyless = Response.of(status).headers(h).body(out -> {});
            } else if (status == 204 || status == 304 || length < 0) {
                mode = Mode.NONE;
                bodyless = Response.of(status).headers(headers.without("Content-Length"));
            } else if (length == 0) {
                mode = Mode.CHUNKED;
                this.headers = headers.without("Content-Length");
            } else {
                mode = Mode.FIXED;
                this.length = length;
                this.headers = headers.withReplaced("Content-Length", Long.toString(length));
            }
        } finally {
            lock.unlock();
        }
        if (bodyless != null) {
            result.complete(bodyless);
            return true;
        }
        return false;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        ResponsePipe to;
        Response whole = null;
        boolean complete = false;
        lock.lock();
        try {
            switch (mode) {
                case NOT_STARTED ->
                    throw new IOException("response headers not sent yet: call sendResponseHeaders"
                            + " before writing the response body");
                case DISCARD -> {
                    return; // a response to HEAD has no body
                }
                case NONE ->
                    throw new IOException(
                            "no response body may be written: the response was sent with length -1, 204 or 304");
                case DONE -> throw new IOException("the response body is closed");
                default -> {}
            }
            if (mode == Mode.FIXED && len > length - written) {
                mode = Mode.DONE;
                to = null;
            } else {
                if (len == 0) {
                    return;
                }
                written += len;
                complete = mode == Mode.FIXED && written == length;
                if (pipe == null && buffered + len <= BUFFER) {
                    if (buffer == null) {
                        buffer = new byte[complete && buffered == 0 ? len : BUFFER];
                    }
                    System.arraycopy(b, off, buffer, buffered, len);
                    buffered += len;
                    if (!complete) {
                        return;
                    }
                    // every declared byte is in: the response goes now, whether or not the handler closes
                    mode = Mode.DONE;
                    whole = takeWhole();
                    to = null;
                } else {
                    to = handOver();
                    if (complete) {
                        mode = Mode.DONE;
                    }
                }
            }
        } finally {
            lock.unlock();
        }
        if (whole != null) {
            finishWhole(whole);
            return;
        }
        if (to == null) {
            IOException tooMany =
                    new IOException("too many bytes to write to stream: the response declared " + length + " bytes");
            exchange.abort(tooMany);
            throw tooMany;
        }
        to.write(b, off, len);
        if (complete) {
            to.close();
            exchange.ended();
        }
    }

    /** Sends what was written so far: a response still buffered starts streaming now. */
    @Override
    public void flush() throws IOException {
        ResponsePipe to;
        lock.lock();
        try {
            if (mode == Mode.NOT_STARTED || mode == Mode.DISCARD || mode == Mode.NONE || mode == Mode.DONE) {
                return;
            }
            to = handOver();
        } finally {
            lock.unlock();
        }
        to.flush();
    }

    /**
     * Ends the body, and with it the exchange (the request body closes first).
     *
     * @throws IOException if fewer bytes were written than the length declared (the exchange is
     *     aborted: the connection closes, or a 500 goes out if nothing was sent)
     */
    @Override
    public void close() throws IOException {
        exchange.closeRequestBody();
        ResponsePipe to = null;
        Response whole = null;
        IOException failure = null;
        lock.lock();
        try {
            Mode was = mode;
            mode = Mode.DONE;
            switch (was) {
                case NOT_STARTED ->
                    failure = new IOException("the handler closed the exchange without sending response headers");
                case DISCARD, NONE, DONE -> {
                    return;
                }
                default -> {
                    if (was == Mode.FIXED && written < length) {
                        failure = new IOException(
                                "insufficient bytes written to stream: " + written + " of the " + length + " declared");
                    } else if (pipe == null) {
                        whole = takeWhole();
                    } else {
                        to = pipe;
                    }
                }
            }
        } finally {
            lock.unlock();
        }
        if (failure != null) {
            exchange.abort(failure);
            if (failure.getMessage().startsWith("insufficient")) {
                throw failure;
            }
            return;
        }
        if (whole != null) {
            finishWhole(whole);
        } else {
            to.close();
            exchange.ended();
        }
    }

    /** The handler returned without closing: what it wrote goes out now, the rest when it closes. */
    void handlerReturned() throws IOException {
        flush();
    }

    /** Aborts the body after a failure: the pipe fails the send; a response not yet started is the caller's. */
    void abort(Throwable cause) {
        ResponsePipe to;
        lock.lock();
        try {
            mode = Mode.DONE;
            to = pipe;
        } finally {
            lock.unlock();
        }
        if (to != null) {
            to.fail(cause);
        }
    }

    /** Returns true once the body is over: complete, or aborted. */
    boolean ended() {
        lock.lock();
        try {
            return mode == Mode.DONE;
        } finally {
            lock.unlock();
        }
    }

    private void finishWhole(Response whole) {
        result.complete(whole);
        exchange.ended();
    }

    // ---- under lock ---------------------------------------------------------------------------

    /** The response with the whole body, buffered: its length if it declared one, else chunked. */
    private Response takeWhole() {
        byte[] body =
                buffered == 0 ? new byte[0] : buffered == buffer.length ? buffer : Arrays.copyOf(buffer, buffered);
        buffer = null;
        buffered = 0;
        if (headers.contains("Content-Length")) {
            return Response.of(status)
                    .headers(headers.without("Content-Length"))
                    .body(body);
        }
        return Response.of(status).headers(headers).body(out -> out.write(body));
    }

    private ResponsePipe handOver() {
        if (pipe != null) {
            return pipe;
        }
        ResponsePipe p = new ResponsePipe(exchange.sendWaitNanos(), exchange::clientGone);
        pipe = p;
        byte[] seed = buffered == 0 ? null : Arrays.copyOf(buffer, buffered);
        buffer = null;
        buffered = 0;
        // completing under the lock is safe: the stage's dependents only hand the response to the engine
        result.complete(Response.of(status).headers(headers).body(out -> {
            if (seed != null) {
                out.write(seed, 0, seed.length);
            }
            p.drainTo(out);
        }));
        return p;
    }
}
