package io.corral.worker.async;

import io.corral.Hooks;
import io.corral.http.Request;
import io.corral.http.Response;
import io.corral.internal.http.RequestHead;
import io.corral.internal.http.ResponseEncoder;
import io.corral.internal.http.ResponseEncoder.Framing;
import io.corral.internal.server.ExchangeRules;
import io.corral.internal.server.RequestOrigin;
import io.corral.internal.server.Stages;
import io.corral.metrics.Rejection;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * One request and its response: runs the handler as soon as the head is parsed (an {@link
 * io.corral.http.AsyncHandler} on the loop, a blocking {@link io.corral.http.Handler} on the
 * offload pool) while its {@link RequestBody} streams to it, sends the response (a fixed body
 * straight from the loop, a streamed one through {@link StreamOutput}), then drains what the
 * handler left unread of the body so that the connection can carry the next request; enforces
 * {@code timeout} and, for each wait of the handler for body bytes, {@code header_timeout}; and
 * accounts for the outcome (access log, hooks, {@code requestFinished}), all by the rules of {@link
 * ExchangeRules}, which the blocking engine follows too.
 *
 * <p>Threading: confined to the event loop. Its offload tasks run on pool threads and hand their
 * results back with {@link EventLoop#execute}; a stage completes on any thread and does the same;
 * a body reader on another thread reaches it the same way ({@link #bodyDemanded}, {@link
 * #bodyRoom}). Whatever comes back after the exchange ended (it timed out, the connection closed)
 * is ignored.
 */
final class Exchange {

    private static final int HANDLER = 1; // in the handler: a pending stage or an offload task
    private static final int SENDING = 2; // a fixed response waits for the socket
    private static final int STREAMING = 3; // a body writer streams the response
    private static final int DRAINING = 4; // the response is out; the rest of the request body is read and dropped
    private static final int DONE = 5;

    private static final StackTraceElement[] NO_STACK = new StackTraceElement[0];

    private final Connection conn;
    private final EventLoop loop;
    private final RequestHead head;
    private final long startNanos = System.nanoTime();
    private final RequestOrigin from;
    private int phase = HANDLER;

    private RequestBody body; // null without a body
    private long bodyWait; // when the handler's wait for body bytes ends with 408; 0 while it does not wait
    private boolean continueAsked; // the first demand for the body came: 100 Continue was sent, or is not due

    private final ExchangeRules.Account account;
    private Request request;
    private CompletableFuture<Response> future;
    private OffloadPool.Task task; // the blocking handler's
    private StreamedResponse stream;

    private int status;
    private long bodyBytes;
    private boolean closeAfter;

    Exchange(Connection conn, RequestHead head, RequestOrigin from) {
        this.conn = conn;
        this.loop = conn.loop;
        this.head = head;
        this.from = from;
        this.account = new ExchangeRules.Account(loop.context, EventLoop.LOG, conn.origin, from, head, startNanos);
    }

    // ---- the request body ---------------------------------------------------------------------

    /**
     * Starts the exchange once its head is parsed: takes the body bytes that came with the head
     * from {@code in} (leaving what does not fit, and a pipelined request's bytes), and runs the
     * handler at once, without waiting for the body.
     */
    void begin(ByteBuffer in) {
        if (head.hasBody()) {
            body = new RequestBody(this, loop, head, loop.limits);
            conn.streaming(body);
            body.feed(in);
        }
        dispatch();
    }

    /** Returns true if the connection should read the socket for this exchange's body now. */
    boolean wantsBytes() {
        return body != null && phase != DONE && body.wantsBytes();
    }

    /** Returns how many bytes the connection may read for this exchange's body at most. */
    int readLimit(int max) {
        return body.readLimit(max);
    }

    /**
     * Takes body bytes from {@code in}: into the body's buffer for the handler, or, once the
     * response is out, read and dropped. Leaves in {@code in} what does not fit and the bytes of a
     * pipelined request. May end the exchange.
     */
    void feedBody(ByteBuffer in) {
        if (phase == DRAINING) {
            if (!drainEnded(body.discard(in))) {
                conn.deadline(drainDeadline(System.nanoTime()));
            }
            return;
        }
        if (body.feed(in) && bodyWait != 0) {
            bodyWait = 0; // the wait is over; a reader that waits again starts a new one
            watchBodyWait();
        }
    }

    /** The client closed its side while the connection read the body. */
    void bodyEnded() {
        if (phase == DRAINING) {
            phase = DONE;
            conn.exchangeDone(true);
            return;
        }
        EventLoop.LOG.debug("The client closed in the middle of a request body");
        body.cutShort(); // the rulebook's 400, once the handler reads on, as on every model
        watchBodyWait();
    }

    /**
     * The handler asked for the body (its first read, a read that must wait, a subscriber's
     * demand): sends {@code 100 Continue} on the first demand of a client that expects it, unless
     * the response has begun, and bounds a wait for bytes by {@code header_timeout}.
     */
    void bodyDemanded() {
        if (phase == DONE || phase == DRAINING || body == null) {
            return;
        }
        if (!continueAsked && head.expectContinue() && body.started()) {
            continueAsked = true;
            if (phase == HANDLER || (phase == STREAMING && !stream.committed())) {
                conn.send(ByteBuffer.wrap(ResponseEncoder.CONTINUE), null);
            }
        }
        watchBodyWait();
    }

    /** The handler consumed body bytes after the loop had stopped reading for want of room. */
    void bodyRoom() {
        if (phase == DONE || phase == DRAINING || body == null) {
            return;
        }
        body.resume();
        conn.resumeBody();
    }

    /** Arms the {@code header_timeout} of a wait for body bytes once the handler waits, or disarms it. */
    private void watchBodyWait() {
        if (phase == DONE || phase == DRAINING) {
            return;
        }
        long headerNanos = loop.config.headerTimeout().toNanos();
        long was = bodyWait;
        if (headerNanos <= 0 || !body.awaited()) {
            bodyWait = 0;
        } else if (was == 0) {
            bodyWait = System.nanoTime() + headerNanos;
        }
        if (bodyWait != was) {
            conn.deadline(deadline());
        }
    }

    /** The connection's one deadline while the handler runs: {@code timeout}, or an earlier body wait. */
    private long deadline() {
        long request = requestDeadline();
        if (bodyWait == 0) {
            return request;
        }
        return request == 0 || bodyWait - request < 0 ? bodyWait : request;
    }

    private long drainDeadline(long now) {
        long headerNanos = loop.config.headerTimeout().toNanos();
        return headerNanos > 0 ? now + headerNanos : 0;
    }

    private long requestDeadline() {
        return loop.config.hasTimeout() ? startNanos + loop.config.timeout().toNanos() : 0;
    }

    // ---- the handler --------------------------------------------------------------------------

    /** Runs the handler; the body streams to it as it arrives. */
    private void dispatch() {
        conn.deadline(requestDeadline());
        request = from.toRequest(head, body == null ? InputStream.nullInputStream() : body);
        if (loop.asyncHandler != null) {
            runAsync();
        } else if (!loop.offload.hasRoom()) {
            overloaded();
        } else {
            preRequest();
            task = new HandlerTask();
            loop.offload.submit(task);
        }
    }

    private void runAsync() {
        preRequest();
        CompletionStage<Response> stage;
        try {
            stage = loop.asyncHandler.handle(request);
        } catch (Throwable t) {
            Thread.interrupted(); // the handler's business must not close the loop's channels
            respond(null, t);
            return;
        }
        Thread.interrupted();
        if (stage == null) {
            respond(null, new NullPointerException("the AsyncHandler returned null instead of a stage"));
            return;
        }
        CompletableFuture<Response> f = Stages.future(stage);
        future = f;
        if (f.isDone()) {
            completeFrom(f); // the common fast path: answered on the loop, no hand-off
        } else {
            CompletableFuture<Response> watched = f;
            f.whenComplete((r, t) -> loop.execute(() -> {
                if (future == watched && phase == HANDLER) {
                    completeFrom(watched);
                }
            }));
        }
    }

    private void completeFrom(CompletableFuture<Response> f) {
        Response response = null;
        Throwable failure = null;
        try {
            response = f.join();
        } catch (CompletionException e) {
            failure = e.getCause() != null ? e.getCause() : e;
        } catch (CancellationException e) {
            failure = e;
        }
        respond(response, failure);
    }

    /** Runs the blocking handler on an offload thread. */
    private final class HandlerTask extends OffloadPool.Task {
        private Response response; // written by the pool thread, read by the loop after the hand-off
        private Throwable failure;

        @Override
        void work() {
            try {
                response = loop.blockingHandler.handle(request);
            } catch (Throwable t) {
                failure = t;
            }
        }

        @Override
        void afterWork() {
            loop.execute(() -> {
                loop.offload.release(this);
                if (task == this && phase == HANDLER) {
                    task = null;
                    respond(response, failure);
                }
            });
        }

        @Override
        void refused() {
            loop.execute(() -> {
                if (task == this && phase == HANDLER) {
                    task = null;
                    overloaded();
                }
            });
        }
    }

    private void respond(Response response, Throwable failure) {
        if (loop.aborted) {
            return; // the worker was aborted under a handler that blocked the loop
        }
        int clientError = ExchangeRules.clientError(body == null ? 0 : body.brokenStatus(), failure);
        if (clientError != 0) {
            // the client broke its request body (cut short, stalled, badly framed, too large)
            EventLoop.LOG.debug("Request {} failed: {} ({})", head.requestLine(), clientError, failure.toString());
            conn.origin.rejected(clientError, failure);
            phase = DONE;
            finish(clientError, 0);
            conn.respondErrorAndClose(clientError, failure.getMessage());
            return;
        }
        send(account.answer(response, failure)); // kept for the access log
    }

    // ---- the response -------------------------------------------------------------------------

    private void send(Response response) {
        // counted before the bytes leave, so that a client holding its response sees it in the stats,
        // and so that the last response before max_requests can announce the close
        boolean keepAlive = ExchangeRules.keepAlive(
                head, loop.config, account.count(), !conn.mayKeepAlive(), body == null || body.reusable());
        ResponseEncoder encoder = loop.encoder;
        ByteBuffer encoded = encoder.encode(head, response, keepAlive);
        Framing framing = encoder.framing();
        status = response.status();
        closeAfter = encoder.closeAfter();
        if (framing != Framing.NONE && response.isStreaming()) {
            stream(response, encoded, framing, encoder.contentLength());
            return;
        }
        ByteBuffer fixed = null;
        if (framing != Framing.NONE) {
            fixed = loop.capture.of(response);
            bodyBytes = fixed.remaining();
        }
        phase = SENDING;
        if (conn.send(encoded, fixed)) {
            responseSent();
        }
    }

    private void stream(Response response, ByteBuffer encoded, Framing framing, long contentLength) {
        if (!loop.offload.hasRoom()) {
            overloaded();
            return;
        }
        phase = STREAMING;
        stream = new StreamedResponse(this, conn, response, encoded, framing, contentLength);
        stream.start();
    }

    /** The streamed body went out whole. */
    void streamed(long sentBytes) {
        bodyBytes = sentBytes;
        responseSent();
    }

    /** The body writer failed: 500 if nothing was sent yet, else the connection closes. */
    void streamFailed(Throwable failure, boolean committed, long sentBytes) {
        phase = DONE;
        if (!committed) {
            EventLoop.LOG.error("Error writing the response to {}", head.requestLine(), failure);
            finish(500, 0);
            conn.respondErrorAndClose(500, null);
            return;
        }
        if (failure instanceof IOException) {
            EventLoop.LOG.debug("Writing the response to {} failed: {}", head.requestLine(), failure.toString());
        } else {
            EventLoop.LOG.error("Error writing the response to {}", head.requestLine(), failure);
        }
        finish(0, sentBytes);
        conn.close();
    }

    /** The socket took more bytes: go on with what this exchange is sending. */
    void writable() {
        if (phase == SENDING) {
            responseSent();
        } else if (phase == STREAMING) {
            stream.pump();
        }
    }

    /**
     * The response went out whole: the exchange is counted, and the connection either closes, or
     * waits for the next request once the rest of the body (at most {@link
     * io.corral.internal.server.Lingering#MAX_DRAIN} bytes of it, with what the handler left unread)
     * has been read and dropped, each wait bounded by {@code header_timeout}, as on every model.
     */
    private void responseSent() {
        finish(status, bodyBytes);
        if (closeAfter || body == null || body.isComplete() || !body.reusable()) {
            phase = DONE;
            conn.exchangeDone(closeAfter || (body != null && !body.isComplete()));
            return;
        }
        phase = DRAINING;
        bodyWait = 0;
        if (!drainEnded(body.startDrain())) {
            conn.deadline(drainDeadline(System.nanoTime()));
            conn.resumeBody();
        }
    }

    /** Ends the exchange if the drain is over (the connection kept, or closed); false while more is to come. */
    private boolean drainEnded(RequestBody.Drain drain) {
        if (drain == RequestBody.Drain.MORE) {
            return false;
        }
        phase = DONE;
        conn.exchangeDone(drain == RequestBody.Drain.CLOSE);
        return true;
    }

    /** No offload thread is free and the queue is full: 503, as for a full worker. */
    private void overloaded() {
        conn.origin.rejected(Rejection.OVERLOAD);
        phase = DONE;
        finish(503, 0);
        conn.respondErrorAndClose(503, "every offload thread is busy");
    }

    // ---- timeouts and losses ------------------------------------------------------------------

    /**
     * The connection's deadline passed: the handler waited for body bytes for longer than {@code
     * header_timeout} (its read fails with 408), or the request ran past {@code timeout}, or a drain
     * stalled (the connection closes).
     */
    void expired(long nowNanos) {
        if (phase == DRAINING) {
            phase = DONE;
            conn.exchangeDone(true);
            return;
        }
        long request = requestDeadline();
        boolean late = request != 0 && nowNanos - request >= 0;
        if (!late && bodyWait != 0 && nowNanos - bodyWait >= 0) {
            bodyWait = 0;
            body.stalled(); // a reader's read throws 408, a subscriber gets onError: the handler answers it
            if (phase != DONE) {
                conn.deadline(deadline());
            }
            return;
        }
        if (!late) {
            conn.deadline(deadline());
            return;
        }
        abortPastTimeout(nowNanos);
    }

    /** Aborts a request past {@code timeout}: cancels its stage or interrupts its thread, then 504 or a close. */
    private void abortPastTimeout(long nowNanos) {
        boolean started = phase == SENDING;
        OffloadPool.StuckThread stuck = stopWork(true);
        if (stream != null) {
            started |= stream.committed();
        }
        if (stuck != null) {
            loop.context.threadAbandoned(stuck.thread());
        }
        account.timedOut(); // the connection closes for a timeout
        String threadName = stuck != null ? stuck.name() : loop.thread.getName();
        StackTraceElement[] stack = stuck != null ? stuck.stack() : NO_STACK;
        int code = 0;
        phase = DONE;
        if (started) {
            finish(0, bodyBytes);
            conn.close();
        } else {
            code = 504;
            finish(504, 0);
            conn.respondErrorAndClose(504, "the request took too long");
        }
        loop.context.requestAborted(new Hooks.AbortedRequest(
                loop.context.workerId(),
                head.requestLine(),
                Duration.ofNanos(nowNanos - startNanos),
                code,
                threadName,
                stack));
    }

    /**
     * Stops the work in progress: abandons the handler's offload task, cancels its stage, stops a
     * streaming writer. Returns the thread found stuck in that work (with its stack if {@code
     * withStack}), the writer's before the task's, or null.
     */
    private OffloadPool.StuckThread stopWork(boolean withStack) {
        OffloadPool.StuckThread stuck = null;
        if (task != null) {
            stuck = loop.offload.abandon(task, withStack);
            task = null;
        }
        if (future != null) {
            future.cancel(true);
        }
        if (stream != null) {
            OffloadPool.StuckThread writer = stream.stop(withStack);
            if (writer != null) {
                stuck = writer;
            }
        }
        return stuck;
    }

    /** The connection closed under this exchange; a request the handler had counts as finished, unanswered. */
    void connectionLost() {
        if (phase == DONE) {
            return;
        }
        if (phase == DRAINING) {
            phase = DONE; // answered and counted already
            return;
        }
        stopWork(false);
        long sent = 0;
        if (stream != null) {
            sent = stream.bodyBytes();
        } else if (phase == SENDING) {
            sent = bodyBytes;
        }
        boolean hadRequest = request != null;
        phase = DONE;
        if (hadRequest) {
            finish(0, sent);
        }
    }

    // ---- accounting ---------------------------------------------------------------------------

    private void preRequest() {
        account.preRequest(request);
        Thread.interrupted(); // the hook's business must not close the loop's channels
    }

    /**
     * Logs, counts (if not yet) and reports the exchange, once; the body is over for the handler
     * from then on (a reader still waiting fails, and so does a subscriber).
     */
    private void finish(int code, long sentBytes) {
        if (body != null) {
            body.exchangeOver(code == 0 ? "the connection was closed" : "the response has been sent");
        }
        account.finish(code, sentBytes);
        Thread.interrupted();
    }
}
