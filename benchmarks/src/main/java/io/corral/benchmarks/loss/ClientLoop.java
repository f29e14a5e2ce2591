package io.corral.benchmarks.loss;

import io.corral.benchmarks.compare.ResponseReader;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;

/**
 * One closed-loop client that never retries: it writes a request, reads the whole response,
 * records the outcome in a {@link LossTally}, and repeats.
 *
 * <p>A keep-alive client reuses its connection and opens a new one only once the server has closed
 * the old one cleanly: after a response that says {@code Connection: close} (the client then
 * waits for the EOF), or when a look at the idle connection just before the next request finds
 * it closed. A fresh client sends {@code Connection: close} and opens a connection per request.
 * Once a request has been written, an EOF, a reset or a read timeout before its response is
 * complete is a loss ({@code failed_after_write}), never a reason to send it again.
 *
 * <p>The connection is a blocking {@link SocketChannel}: reads and writes go through its socket's
 * streams, which honour the read timeout; the look at the idle connection is one non-blocking
 * read, which (unlike {@code Socket.getInputStream().available()}) tells an EOF from silence.
 *
 * <p>Confined to the thread that runs it; only the tally is shared.
 */
final class ClientLoop {

    /** What a look at an idle connection found. */
    enum Idle {
        /** Nothing to read: the server still holds the connection open. */
        OPEN,
        /** EOF or reset, or no connection: the next request needs a new one. */
        CLOSED,
        /** The server sent bytes that answer no request; they were consumed and counted. */
        STRAY_BYTES
    }

    private static final Duration CONNECT_FAILURE_PAUSE = Duration.ofMillis(10);

    private final Target target;
    private final boolean keepAlive;
    private final LossTally tally;
    private final int connectTimeoutMillis;
    private final int readTimeoutMillis;
    private final boolean stopOnRefused;
    private final byte[] request;
    private final ByteBuffer buf = ByteBuffer.allocate(64 * 1024).flip();
    private final ByteBuffer peek = ByteBuffer.allocate(256);

    private SocketChannel channel;
    private InputStream in;
    private OutputStream out;
    private ResponseReader reader;
    private long connectionsOpened;
    private long requestsOnConnection;
    private long responseBytes;
    private boolean stopped;

    /**
     * @param target where to send {@code GET} requests
     * @param keepAlive true to reuse a connection, false for a new connection (and {@code
     *     Connection: close}) per request
     * @param stopOnRefused true to stop this client at the first refused connect (the server no
     *     longer listens), false to count it and try again after a short pause
     */
    ClientLoop(
            Target target,
            boolean keepAlive,
            LossTally tally,
            Duration connectTimeout,
            Duration readTimeout,
            boolean stopOnRefused) {
        this.target = target;
        this.keepAlive = keepAlive;
        this.tally = tally;
        this.connectTimeoutMillis = Math.toIntExact(connectTimeout.toMillis());
        this.readTimeoutMillis = Math.toIntExact(readTimeout.toMillis());
        this.stopOnRefused = stopOnRefused;
        this.request = ("GET " + target.path() + " HTTP/1.1\r\nHost: " + target.host()
                        + "\r\nUser-Agent: corral-loss-client\r\n" + (keepAlive ? "" : "Connection: close\r\n")
                        + "\r\n")
                .getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Runs requests until {@code deadlineNanos} ({@link System#nanoTime()}) or a stop; the last one completes. */
    void run(long deadlineNanos) {
        try {
            while (!stopped && System.nanoTime() - deadlineNanos < 0) {
                step();
            }
        } finally {
            closeQuietly();
        }
    }

    /** Returns true once this client has stopped (a refused connect with stop-on-refused, or an interrupt). */
    boolean stopped() {
        return stopped;
    }

    /**
     * One turn of the loop: makes sure of a connection (a refused or failed connect ends the turn
     * with nothing written), then writes one request and reads and classifies its response.
     */
    void step() {
        if (channel != null) {
            Idle idle = idle();
            if (idle != Idle.OPEN) {
                if (idle == Idle.CLOSED) {
                    tally.onIdleClose();
                }
                closeQuietly();
            }
        }
        if (channel == null && !connect()) {
            return;
        }
        tally.onWritten();
        responseBytes = 0;
        try {
            out.write(request);
            out.flush();
        } catch (IOException e) {
            lose("write failed", e);
            return;
        }
        int status;
        try {
            status = readResponse();
        } catch (SocketTimeoutException e) {
            lose("no complete response within the read timeout", e);
            return;
        } catch (EOFException e) {
            lose("EOF", e);
            return;
        } catch (MalformedResponse e) {
            lose("malformed response", e);
            return;
        } catch (IOException e) {
            lose("read failed", e);
            return;
        }
        if (status >= 200 && status < 300) {
            tally.onOk();
        } else {
            tally.onStatus(status);
        }
        requestsOnConnection++;
        afterResponse();
    }

    /**
     * Looks at the idle connection without blocking: has the server closed it, or sent something,
     * since the last response? Stray bytes are consumed and counted as an anomaly.
     */
    Idle idle() {
        if (channel == null) {
            return Idle.CLOSED;
        }
        try {
            channel.configureBlocking(false);
            int n;
            try {
                n = channel.read(peek.clear());
            } finally {
                channel.configureBlocking(true);
            }
            if (n == 0) {
                return Idle.OPEN;
            }
            if (n < 0) {
                return Idle.CLOSED;
            }
            tally.onAnomaly("bytes on an idle connection", quote(peek.flip()));
            return Idle.STRAY_BYTES;
        } catch (IOException e) {
            return Idle.CLOSED; // a reset between requests: nothing was written, nothing is lost
        }
    }

    private boolean connect() {
        SocketChannel ch = null;
        try {
            ch = SocketChannel.open();
            ch.socket().connect(target.address(), connectTimeoutMillis);
            ch.socket().setTcpNoDelay(true);
            ch.socket().setSoTimeout(readTimeoutMillis);
            in = ch.socket().getInputStream();
            out = ch.socket().getOutputStream();
        } catch (IOException e) {
            closeQuietly(ch);
            if (e instanceof ConnectException && refused(e)) {
                tally.onRefusedConnect();
                if (stopOnRefused) {
                    tally.onStoppedOnRefused();
                    stopped = true;
                    return false;
                }
            } else {
                tally.onConnectError(e.toString());
            }
            pause();
            return false;
        }
        channel = ch;
        reader = new ResponseReader();
        buf.clear().flip();
        requestsOnConnection = 0;
        tally.onConnected(keepAlive && connectionsOpened > 0);
        connectionsOpened++;
        return true;
    }

    /** Reads until one final response is complete; returns its status. */
    private int readResponse() throws IOException {
        while (true) {
            int status;
            try {
                status = reader.read(buf);
            } catch (IOException e) {
                throw new MalformedResponse(e);
            }
            if (status >= 200) {
                return status;
            }
            if (status >= 100) {
                continue; // an interim response: the final one follows
            }
            buf.compact();
            int n = in.read(buf.array(), buf.arrayOffset() + buf.position(), buf.remaining());
            if (n < 0) {
                buf.flip();
                int last = reader.endOfStream();
                if (last >= 200) {
                    return last; // a body that runs until the server closes
                }
                throw new EOFException("the server closed the connection");
            }
            responseBytes += n;
            buf.position(buf.position() + n).flip();
        }
    }

    /** After a complete response: keeps the connection, or closes it once the server has. */
    private void afterResponse() {
        if (buf.hasRemaining()) {
            tally.onAnomaly("bytes after a complete response", quote(buf));
            closeQuietly();
        } else if (reader.closeAfter() || !keepAlive) {
            if (keepAlive) {
                tally.onAnnouncedClose();
            }
            awaitClose();
        }
    }

    /** The server said (or was asked) to close: waits for its EOF, then closes this side. */
    private void awaitClose() {
        byte[] scratch = new byte[256];
        try {
            int n;
            while ((n = in.read(scratch)) >= 0) {
                tally.onAnomaly(
                        "bytes after the last response on a closing connection", quote(ByteBuffer.wrap(scratch, 0, n)));
            }
        } catch (SocketTimeoutException e) {
            tally.onAnomaly("no EOF within the read timeout after the last response", e.toString());
        } catch (IOException e) {
            // a reset after a complete response: the server closed, the response was whole
        }
        closeQuietly();
    }

    private void lose(String what, IOException e) {
        String when = responseBytes == 0 ? "before any response byte" : "mid-response";
        String connection = requestsOnConnection == 0 ? "new connection" : "reused connection";
        String client = keepAlive ? "keep-alive" : "fresh";
        tally.onFailedAfterWrite(
                what + " " + when + ", " + connection + ", " + client + " client",
                e + " (request " + (requestsOnConnection + 1) + " on the connection, " + responseBytes
                        + " response bytes read)");
        closeQuietly();
    }

    private void pause() {
        try {
            Thread.sleep(CONNECT_FAILURE_PAUSE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopped = true;
        }
    }

    private void closeQuietly() {
        closeQuietly(channel);
        channel = null;
        in = null;
        out = null;
    }

    private static void closeQuietly(SocketChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException e) {
                // closing is best effort; the outcome is already counted
            }
        }
    }

    private static boolean refused(IOException e) {
        String message = e.getMessage();
        return message != null && message.toLowerCase(Locale.ROOT).contains("refused");
    }

    private static String quote(ByteBuffer bytes) {
        int n = Math.min(bytes.remaining(), 80);
        byte[] head = new byte[n];
        bytes.get(head);
        String text = new String(head, StandardCharsets.ISO_8859_1)
                .replace("\r", "\\r")
                .replace("\n", "\\n");
        return "'" + text + "'" + (bytes.hasRemaining() ? "..." : "");
    }

    /** The server's bytes are not an HTTP/1.x response: the request is lost. */
    private static final class MalformedResponse extends IOException {
        private static final long serialVersionUID = 1L;

        MalformedResponse(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }
}
