package io.corral.worker.async;

import io.corral.http.Response;
import io.corral.internal.http.ResponseBodies;
import io.corral.internal.http.ResponseEncoder.Framing;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The loop's side of a response whose body a {@link io.corral.http.BodyWriter} streams: runs the
 * writer on the offload pool, moves what it queues in its {@link StreamOutput} to the socket as
 * the socket allows, and tells its {@link Exchange} how the body ended.
 *
 * <p>Threading: confined to the event loop. The writer runs on an offload thread and reaches the
 * loop only through its {@code StreamOutput} and {@link EventLoop#execute}.
 */
final class StreamedResponse {

    private final Exchange exchange;
    private final Connection conn;
    private final EventLoop loop;
    private final StreamOutput out;
    private final WriterTask task;
    private boolean over;

    /** Prepares the stream; {@code head} is the encoded head, copied here because the encoder is reused. */
    StreamedResponse(
            Exchange exchange, Connection conn, Response response, ByteBuffer head, Framing framing, long length) {
        this.exchange = exchange;
        this.conn = conn;
        this.loop = conn.loop;
        ByteBuffer ownHead = ByteBuffer.allocate(head.remaining()).put(head).flip();
        this.out = new StreamOutput(ownHead, framing, length, () -> loop.execute(this::pump));
        this.task = new WriterTask(response);
    }

    /** Hands the writer to the offload pool; the caller checked that it has room. */
    void start() {
        loop.offload.submit(task);
    }

    /** Moves queued bytes to the socket; runs when the writer queued some or ended, or the socket drained. */
    void pump() {
        if (over) {
            return;
        }
        if (conn.writePending()) {
            conn.streamBlocked(
                    true); // earlier bytes (100 Continue) go first, or a TLS task runs: writable() comes back
            return;
        }
        StreamOutput.Drain drain;
        try {
            drain = out.drainTo(conn.transport);
        } catch (IOException e) {
            EventLoop.LOG.debug("Writing a streamed response failed: {}", e.toString());
            conn.close(); // the exchange hears of it as a lost connection
            return;
        }
        conn.rereadSoon();
        switch (drain) {
            case BLOCKED -> conn.streamStalled();
            case IDLE -> conn.streamBlocked(false);
            case DONE -> {
                over = true;
                conn.streamBlocked(false);
                exchange.streamed(out.bodyBytes());
            }
            case FAILED -> {
                over = true;
                Throwable failure = out.failure();
                boolean committed = out.cancel();
                exchange.streamFailed(failure, committed, out.bodyBytes());
            }
        }
    }

    /**
     * Stops the stream (a timeout, a lost connection): the writer's next write fails and its thread
     * is interrupted and no longer waited for.
     *
     * @param stack true to capture the writer's stack, for the report of a request past {@code timeout}
     * @return the writer's thread, or null if it was not running
     */
    OffloadPool.StuckThread stop(boolean stack) {
        over = true;
        out.cancel();
        return loop.offload.abandon(task, stack);
    }

    /** Returns true once the head has gone to the socket: a 504 can no longer be sent. */
    boolean committed() {
        return out.committed();
    }

    /** Returns the body bytes the writer produced, once it ended. */
    long bodyBytes() {
        return out.bodyBytes();
    }

    /** Runs the writer on an offload thread. */
    private final class WriterTask extends OffloadPool.Task {
        private final Response response;

        WriterTask(Response response) {
            this.response = response;
        }

        @Override
        void work() {
            try {
                ResponseBodies.write(response, out);
                out.complete();
            } catch (Throwable t) {
                out.fail(t);
            }
        }

        @Override
        void afterWork() {
            loop.execute(() -> {
                loop.offload.release(this);
                pump();
            });
        }
    }
}
