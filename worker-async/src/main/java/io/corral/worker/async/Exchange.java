package io.corral.worker.async;

import io.corral.Hooks;
import io.corral.http.BadMessageException;
import io.corral.http.Request;
import io.corral.http.Response;
import io.corral.internal.http.RequestHead;
import io.corral.internal.http.ResponseEncoder;
import io.corral.internal.http.ResponseEncoder.Framing;
import io.corral.internal.server.ExchangeRules;
import io.corral.internal.server.RequestOrigin;
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
 * One request and its response: reads the whole body into memory, runs the handler (an {@link
 * io.corral.http.AsyncHandler} on the loop, a blocking {@link io.corral.http.Handler} on the
 * offload pool), sends the response (a fixed body straight from the loop, a streamed one through
 * {@link StreamOutput}), enforces {@code timeout}, and accounts for the outcome (access log, hooks,
 * {@code requestFinished}), all by the rules of {@link ExchangeRules}, which the blocking engine
 * follows too.
 *
 * <p>Threading: confined to the event loop. Its offload tasks run on pool threads and hand their
 * results back with {@link EventLoop#execute}; a stage completes on any thread and does the same.
 * Whatever comes back after the exchange ended (it timed out, the connection closed) is ignored.
 */
final class Exchange {

    private static final int BODY = 0; // reading the request body
    private static final int HANDLER = 1; // in the handler: a pending stage or an offload task
    private static final int SENDING = 2; // a fixed response waits for the socket
    private static final int STREAMING = 3; // a body writer streams the response
    private static final int DONE = 4;

    private static final StackTraceElement[] NO_STACK = new StackTraceElement[0];

    private final Connection conn;
    private final EventLoop loop;
    private final RequestHead head;
    private final long startNanos = System.nanoTime();
    private final RequestOrigin from;
    private int phase = BODY;

    private RequestBody body; // null without a body

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

    /** Starts the exchange once its head is parsed; {@code in} holds whatever followed the head. */
    void begin(ByteBuffer in) throws BadMessageException {
        long now = System.nanoTime();
        if (head.hasBody()) {
            body = new RequestBody(head, loop.limits);
            if (head.expectContinue() && !in.hasRemaining()) {
                // the loop reads the body itself, so a client that holds it back is told to send it
                conn.send(ByteBuffer.wrap(ResponseEncoder.CONTINUE), null);
            }
            conn.deadline(bodyDeadline(now));
        } else {
            conn.deadline(requestDeadline());
        }
    }

    /**
     * Reads body bytes from {@code in}.
     *
     * @return true once the whole body is in
     * @throws BadMessageException for bad framing or a body over {@code limit_request_body}
     */
    boolean readBody(ByteBuffer in) throws BadMessageException {
        if (body == null) {
            return true;
        }
        int before = body.length();
        if (body.read(in)) {
            return true;
        }
        if (body.length() != before) {
            conn.deadline(bodyDeadline(System.nanoTime())); // each wait for body bytes has header_timeout
        }
        return false;
    }

    private long bodyDeadline(long now) {
        long headerNanos = loop.config.headerTimeout().toNanos();
        long request = requestDeadline();
        if (headerNanos <= 0) {
            return request;
        }
        long wait = now + headerNanos;
        return request == 0 || wait - request < 0 ? wait : request;
    }

    private long requestDeadline() {
        return loop.config.hasTimeout() ? startNanos + loop.config.timeout().toNanos() : 0;
    }

    /** The body was refused (400, 413) or stalled (408): the request counts, answered with {@code code}. */
    void refused(int code) {
        phase = DONE;
        finish(code, 0);
    }

    // ---- the handler --------------------------------------------------------------------------

    /** Runs the handler on the complete request. */
    void dispatch() {
        phase = HANDLER;
        conn.deadline(requestDeadline());
        InputStream bodyStream = body == null ? InputStream.nullInputStream() : body.stream();
        body = null;
        request = from.toRequest(head, bodyStream); // hook: attributed as the connection resolved it
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
        CompletableFuture<Response> f;
        try {
            f = stage.toCompletableFuture();
        } catch (UnsupportedOperationException e) {
            CompletableFuture<Response> copy = new CompletableFuture<>();
            stage.whenComplete((r, t) -> {
                if (t != null) {
                    copy.completeExceptionally(t);
                } else {
                    copy.complete(r);
                }
            });
            f = copy;
        }
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
        if (failure instanceof BadMessageException bad) {
            conn.origin.rejected(bad); // hook
            phase = DONE;
            finish(bad.status(), 0);
            conn.respondErrorAndClose(bad.status(), bad.getMessage());
            return;
        }
        send(account.answer(response, failure)); // hook: kept for the access log
    }

    // ---- the response -------------------------------------------------------------------------

    private void send(Response response) {
        // counted before the bytes leave, so that a client holding its response sees it in the stats,
        // and so that the last response before max_requests can announce the close
        boolean keepAlive = ExchangeRules.keepAlive(head, loop.config, account.count(), !conn.mayKeepAlive(), true);
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

    private void responseSent() {
        phase = DONE;
        finish(status, bodyBytes);
        conn.exchangeDone(closeAfter);
    }

    /** No offload thread is free and the queue is full: 503, as for a full worker. */
    private void overloaded() {
        conn.origin.rejected(Rejection.OVERLOAD); // hook
        phase = DONE;
        finish(503, 0);
        conn.respondErrorAndClose(503, "every offload thread is busy");
    }

    // ---- timeouts and losses ------------------------------------------------------------------

    /** The connection's deadline passed while this exchange read its body or ran. */
    void expired(long nowNanos) {
        long request = requestDeadline();
        if (phase == BODY && (request == 0 || nowNanos - request < 0)) {
            conn.origin.rejected(Rejection.HEADER_TIMEOUT); // hook
            refused(408);
            conn.respondErrorAndClose(408, "the request body stalled for longer than header_timeout");
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
        account.timedOut(); // hook: the connection closes for a timeout
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

    /** Logs, counts (if not yet) and reports the exchange, once. */
    private void finish(int code, long sentBytes) {
        account.finish(code, sentBytes);
        Thread.interrupted();
    }
}
