package io.corral.worker.async;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.internal.http.ResponseEncoder.Framing;
import io.corral.internal.server.Transport;
import io.corral.testing.Await;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The bounded hand-off between a body writer's thread and the loop, driven over a pipe. */
class StreamOutputTest {

    private static final ByteBuffer HEAD = ByteBuffer.wrap("HEAD\r\n\r\n".getBytes(StandardCharsets.US_ASCII));

    private final ExecutorService writers = Executors.newCachedThreadPool();
    private final AtomicInteger notified = new AtomicInteger();
    private final Pipe pipe;
    private final Transport sink;

    StreamOutputTest() throws IOException {
        pipe = Pipe.open();
        pipe.sink().configureBlocking(false);
        pipe.source().configureBlocking(false);
        sink = new PipeTransport(pipe.sink());
    }

    /** The pipe's sink as a plain transport, which is what the loop drains a stream to. */
    private record PipeTransport(Pipe.SinkChannel sink) implements Transport {
        @Override
        public SocketChannel channel() {
            throw new UnsupportedOperationException("a pipe");
        }

        @Override
        public int read(ByteBuffer dst) {
            throw new UnsupportedOperationException("write only");
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            return sink.write(srcs, offset, length);
        }

        @Override
        public boolean flush() {
            return true;
        }

        @Override
        public int interestOps(int natural) {
            return natural;
        }

        @Override
        public void runTasks() {}

        @Override
        public void shutdownOutput() throws IOException {
            sink.close();
        }

        @Override
        public Optional<SSLSession> session() {
            return Optional.empty();
        }
    }

    @AfterEach
    void stop() throws IOException {
        writers.shutdownNow();
        pipe.sink().close();
        pipe.source().close();
    }

    private StreamOutput stream(Framing framing, long length) {
        return new StreamOutput(HEAD.duplicate(), framing, length, notified::incrementAndGet);
    }

    /** Reads what the pipe holds now. */
    private String received() throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        ByteBuffer b = ByteBuffer.allocate(64 * 1024);
        while (pipe.source().read(b.clear()) > 0) {
            all.write(b.array(), 0, b.position());
        }
        return all.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void framesAChunkedBodyBehindTheHeadAndEndsItWithTheLastChunk() throws Exception {
        StreamOutput out = stream(Framing.CHUNKED, -1);
        out.write("abc".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        assertEquals(1, notified.get(), "the loop is told once about bytes it has not seen");
        out.write("de".getBytes(StandardCharsets.US_ASCII));
        out.complete();
        assertEquals(StreamOutput.Drain.DONE, out.drainTo(sink));
        assertEquals("HEAD\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n", received());
        assertEquals(5, out.bodyBytes());
    }

    @Test
    void isNotDoneWhileTheTransportHoldsBytesItTook() throws Exception {
        StreamOutput out = stream(Framing.LENGTH, 3);
        out.write("abc".getBytes(StandardCharsets.US_ASCII));
        out.complete();
        HoldingTransport tls = new HoldingTransport();
        assertEquals(StreamOutput.Drain.BLOCKED, out.drainTo(tls), "taken, but not flushed: the body is not out");
        tls.open();
        assertEquals(StreamOutput.Drain.DONE, out.drainTo(tls));
        assertEquals("HEAD\r\n\r\nabc", tls.sent());
    }

    @Test
    void sendsTheHeadAloneForAnEmptyBody() throws Exception {
        StreamOutput out = stream(Framing.LENGTH, 0);
        assertFalse(out.committed());
        out.complete();
        assertTrue(out.committed());
        assertEquals(StreamOutput.Drain.DONE, out.drainTo(sink));
        assertEquals("HEAD\r\n\r\n", received());
    }

    @Test
    void refusesALengthDelimitedBodyThatIsShortOrLong() throws Exception {
        StreamOutput shortBody = stream(Framing.LENGTH, 5);
        shortBody.write(new byte[3]);
        assertThrows(IOException.class, shortBody::complete);
        StreamOutput longBody = stream(Framing.LENGTH, 2);
        assertThrows(IOException.class, () -> longBody.write(new byte[3]));
    }

    @Test
    void blocksTheWriterWhileTheQueueIsFullAndReleasesItAsTheChannelDrains() throws Exception {
        StreamOutput out = stream(Framing.CLOSE, -1);
        long total = 420 * 10_000L; // whole pieces
        AtomicLong written = new AtomicLong();
        AtomicReference<Thread> writer = new AtomicReference<>();
        Future<?> done = writers.submit(() -> {
            writer.set(Thread.currentThread());
            byte[] piece = new byte[10_000];
            for (long n = 0; n < total; n += piece.length) {
                out.write(piece);
                written.addAndGet(piece.length);
            }
            out.complete();
            return null;
        });
        Await.until(
                "the writer waits for room",
                () -> writer.get() != null && writer.get().getState() == Thread.State.WAITING);
        assertTrue(
                written.get() <= StreamOutput.MAX_QUEUED + 20_000,
                "the writer got " + written.get() + " bytes ahead of the channel");

        // the loop's side: drain whenever the pipe has room, until the writer is done
        long received = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        StreamOutput.Drain drain;
        do {
            assertTrue(System.nanoTime() < deadline, "the stream never completed");
            drain = out.drainTo(sink);
            received += received().length();
        } while (drain != StreamOutput.Drain.DONE);
        done.get(30, TimeUnit.SECONDS);
        assertEquals(HEAD.remaining() + total, received);
    }

    @Test
    void cancellingWakesABlockedWriterWithAnIOException() throws Exception {
        StreamOutput out = stream(Framing.CHUNKED, -1);
        AtomicReference<Thread> writer = new AtomicReference<>();
        Future<?> done = writers.submit(() -> {
            writer.set(Thread.currentThread());
            byte[] piece = new byte[10_000];
            while (true) {
                out.write(piece);
            }
        });
        Await.until(
                "the writer waits for room",
                () -> writer.get() != null && writer.get().getState() == Thread.State.WAITING);
        assertTrue(out.cancel(), "the head had gone out with the first bytes");
        Exception e = assertThrows(Exception.class, () -> done.get(30, TimeUnit.SECONDS));
        assertInstanceOf(IOException.class, e.getCause());
    }

    @Test
    void aWriterThatFailsBeforeWritingLeavesTheResponseUncommitted() throws Exception {
        StreamOutput out = stream(Framing.CHUNKED, -1);
        IllegalStateException failure = new IllegalStateException("no");
        out.fail(failure);
        assertFalse(out.committed(), "a 500 can still be sent");
        assertEquals(StreamOutput.Drain.FAILED, out.drainTo(sink));
        assertEquals(failure, out.failure());
        assertEquals("", received());
    }
}
