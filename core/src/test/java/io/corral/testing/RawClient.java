package io.corral.testing;

import io.corral.http.Headers;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A raw-socket HTTP/1.1 client for tests: sends exactly the bytes it is given and parses responses
 * strictly, so tests see what the server really put on the wire. Reads wait at most {@link
 * #TIMEOUT} (generous: CI machines are slow). Not thread-safe.
 */
public final class RawClient implements AutoCloseable {

    /** How long any read waits before the test fails. */
    public static final Duration TIMEOUT = Duration.ofSeconds(20);

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private RawClient(Socket socket) throws IOException {
        this.socket = socket;
        socket.setSoTimeout((int) TIMEOUT.toMillis());
        socket.setTcpNoDelay(true);
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /** Connects to 127.0.0.1:{@code port}. */
    public static RawClient connect(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), (int) TIMEOUT.toMillis());
        return new RawClient(s);
    }

    /**
     * Connects to 127.0.0.1:{@code port} from {@code localIp} (another loopback address such as
     * 127.0.0.2), so that the server sees a client other than 127.0.0.1.
     */
    public static RawClient connectFrom(String localIp, int port) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(localIp, 0));
        s.connect(new InetSocketAddress("127.0.0.1", port), (int) TIMEOUT.toMillis());
        return new RawClient(s);
    }

    /**
     * Speaks over a socket the test connected itself: a TLS socket, or one with small buffers. Its
     * read timeout becomes {@link #TIMEOUT}.
     */
    public static RawClient over(Socket connected) throws IOException {
        return new RawClient(connected);
    }

    /** Sends text (ISO-8859-1, so any byte can be written as a char). */
    public RawClient send(String text) throws IOException {
        return send(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Sends bytes. */
    public RawClient send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    /** Sends a simple GET for {@code target} with a Host header. */
    public RawClient get(String target) throws IOException {
        return send("GET " + target + " HTTP/1.1\r\nHost: test\r\n\r\n");
    }

    /** Reads one response to a request that was not HEAD. */
    public RawResponse read() throws IOException {
        return read(false);
    }

    /** Reads one response; {@code toHead} says the request was HEAD, so no body follows. */
    public RawResponse read(boolean toHead) throws IOException {
        String statusLine = line();
        if (statusLine == null) {
            throw new EOFException("the server closed the connection before a response");
        }
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
            throw new IOException("not a status line: " + statusLine);
        }
        int status = Integer.parseInt(parts[1]);
        Headers headers = fields();
        if (status / 100 == 1) {
            return new RawResponse(statusLine, status, headers, new byte[0], Headers.empty());
        }
        byte[] body;
        Headers trailers = Headers.empty();
        String te = headers.firstOrNull("Transfer-Encoding");
        String cl = headers.firstOrNull("Content-Length");
        if (toHead || status == 204 || status == 304) {
            body = new byte[0];
        } else if (te != null) {
            if (!te.equalsIgnoreCase("chunked")) {
                throw new IOException("unexpected Transfer-Encoding " + te);
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            while (true) {
                String sizeLine = line();
                if (sizeLine == null) {
                    throw new EOFException("eof in chunked body");
                }
                int size = Integer.parseInt(sizeLine.split(";", 2)[0].trim(), 16);
                if (size == 0) {
                    trailers = fields();
                    break;
                }
                bytes.write(in.readNBytes(size));
                if (!"".equals(line())) {
                    throw new IOException("chunk data not followed by CRLF");
                }
            }
            body = bytes.toByteArray();
        } else if (cl != null) {
            int n = Integer.parseInt(cl);
            body = in.readNBytes(n);
            if (body.length != n) {
                throw new EOFException("body shorter than Content-Length " + n);
            }
        } else {
            body = in.readAllBytes();
        }
        return new RawResponse(statusLine, status, headers, body, trailers);
    }

    /**
     * Returns true if the server closed the connection: a read sees end of stream (or a reset)
     * within {@link #TIMEOUT}. Consumes nothing else: fails if bytes arrive instead.
     */
    public boolean closedByServer() throws IOException {
        try {
            int b = in.read();
            if (b >= 0) {
                throw new IOException("expected the connection to close, but got byte " + b);
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (SocketException e) {
            return true; // reset
        }
    }

    /** Returns true if no byte and no close arrives within {@code wait}. */
    public boolean silentFor(Duration wait) throws IOException {
        socket.setSoTimeout((int) wait.toMillis());
        try {
            int b = in.read();
            if (b >= 0) {
                throw new IOException("expected silence, got byte " + b);
            }
            return false;
        } catch (SocketTimeoutException e) {
            return true;
        } finally {
            socket.setSoTimeout((int) TIMEOUT.toMillis());
        }
    }

    /** Reads one line without its CRLF, or null at end of stream. */
    public String line() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int n = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, n, StandardCharsets.ISO_8859_1);
            }
            line.write(b);
        }
        return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
    }

    private Headers fields() throws IOException {
        Headers.Builder h = Headers.builder();
        String l;
        while ((l = line()) != null && !l.isEmpty()) {
            int colon = l.indexOf(':');
            h.add(l.substring(0, colon), l.substring(colon + 1).trim());
        }
        return h.build();
    }

    /** Reads up to {@code n} bytes as they come, fewer only at the end of the stream. */
    public byte[] readBytes(int n) throws IOException {
        return in.readNBytes(n);
    }

    /** Half-closes: the server sees end of stream, the client can still read. */
    public void shutdownOutput() throws IOException {
        socket.shutdownOutput();
    }

    /** Returns the socket, for tests that need more. */
    public Socket socket() {
        return socket;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
