package io.corral.worker.async;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.Arbiter;
import io.corral.ClientAuth;
import io.corral.Config;
import io.corral.ProxyProtocol;
import io.corral.http.AsyncHandler;
import io.corral.http.Handler;
import io.corral.http.Response;
import io.corral.internal.server.TlsTransport;
import io.corral.testing.Await;
import io.corral.testing.RawClient;
import io.corral.testing.RawResponse;
import io.corral.testing.TestApp;
import io.corral.testing.TestCertificates;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What the async loop must get right with TLS beyond the shared {@link io.corral.testing.TlsSuite}:
 * back-pressure when the transport holds encrypted bytes the socket does not take, records that wait
 * inside the transport where no {@code OP_READ} announces them, delegated tasks off the loop, the
 * PROXY header in the ClientHello's segment, and a renegotiation.
 */
class AsyncTlsTest {

    private static final TestCertificates CERTS = TestCertificates.shared();
    private static final int BIG = 8 * 1024 * 1024; // far beyond what loopback socket buffers hold
    private static final byte[] PAYLOAD = new byte[BIG];

    static {
        new Random(13).nextBytes(PAYLOAD);
    }

    private final Servers servers = new Servers();

    @AfterEach
    void stop() {
        servers.close();
    }

    private static Config.Builder tls() {
        return Servers.settings()
                .certfile(CERTS.server().chainPem())
                .keyfile(CERTS.server().keyPem())
                .limitRequestBody(BIG);
    }

    /** A fixed body, a streamed one, the size and CRC of a posted body, or {@code hello}. */
    private static final Handler APP = request -> switch (request.path()) {
        case "/fixed" ->
            Response.of(200).contentType("application/octet-stream").body(PAYLOAD);
        case "/streamed" ->
            Response.of(200).contentType("application/octet-stream").body(out -> {
                for (int off = 0; off < BIG; off += 32 * 1024) {
                    out.write(PAYLOAD, off, Math.min(32 * 1024, BIG - off));
                }
            });
        case "/sum" -> Response.ok(summary(request.bodyBytes()));
        default -> Response.ok("hello " + request.secure());
    };

    private static String summary(byte[] body) {
        CRC32 crc = new CRC32();
        crc.update(body);
        return "n=" + body.length + " crc=" + Long.toHexString(crc.getValue());
    }

    @Test
    void sendsResponsesLargerThanTheSocketBuffersToAClientThatReadsSlowlyAndKeepsTheConnection() throws Exception {
        Arbiter a = servers.start(tls(), APP);
        SSLContext context = CERTS.clientContext();
        Socket plain = new Socket();
        plain.setReceiveBufferSize(16 * 1024);
        plain.connect(new InetSocketAddress("127.0.0.1", a.port()));
        try (SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket(plain, "localhost", a.port(), true);
                RawClient slow = RawClient.over(s)) {
            slow.send("GET /fixed HTTP/1.1\r\nHost: x\r\n\r\nGET /streamed HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
            // nothing read yet: the loop holds megabytes for this client and serves others meanwhile
            for (int i = 0; i < 3; i++) {
                assertEquals("hello true", get(a, context, "/hello").text(), "others are served meanwhile");
            }
            RawResponse fixed =
                    slow.read(); // through a 16 KiB window: the server finds the socket full again and again
            assertEquals(200, fixed.status());
            assertArrayEquals(PAYLOAD, fixed.body(), "every byte of the fixed body, in order");
            RawResponse streamed = slow.read();
            assertEquals(200, streamed.status());
            assertArrayEquals(PAYLOAD, streamed.body(), "every byte of the streamed body, in order");
            assertEquals("hello true", slow.read().text(), "the connection goes on after both");
        }
    }

    @Test
    void readsABodySentInHundredsOfTinyRecordsAndThePipelinedRequestBehindIt() throws Exception {
        byte[] body = new byte[100_000];
        new Random(5).nextBytes(body);
        AsyncHandler viaPublisher = request -> request.path().equals("/sum")
                ? request.bodyBytesAsync().thenApply(b -> Response.ok(summary(b)))
                : CompletableFuture.completedFuture(Response.ok("hello " + request.secure()));
        List<Arbiter> arbiters = List.of(
                servers.start(tls(), APP), // a blocking handler reads the stream on an offload thread
                servers.startAsync(tls(), viaPublisher, io.corral.Hooks.NONE)); // the loop delivers to a stage
        for (Arbiter a : arbiters) {
            try (EngineClient c = EngineClient.connect(CERTS.clientContext(), a.port(), new byte[0])) {
                byte[] head = ("POST /sum HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length + "\r\n\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1);
                byte[] next = "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                        .getBytes(StandardCharsets.ISO_8859_1);
                byte[] all = new byte[head.length + body.length + next.length];
                System.arraycopy(head, 0, all, 0, head.length);
                System.arraycopy(body, 0, all, head.length, body.length);
                System.arraycopy(next, 0, all, head.length + body.length, next.length);
                // 7 plaintext bytes a record, all of them in one write: one socket read of the server
                // brings hundreds of records, which the transport unwraps one at a time
                c.sendRaw(c.records(all, 7));
                String answers = c.readUntilClosed();
                assertTrue(answers.contains(summary(body)), answers);
                assertTrue(answers.endsWith("hello true"), "the pipelined request is answered: " + answers);
            }
        }
    }

    @Test
    void readsOnWhenTheHandlerMakesRoomWhileTheBodysLastRecordsWaitInsideTheTransport() throws Exception {
        // a chunked body just past the point where the loop stops reading (less than 16 KiB of its
        // 64 KiB buffer free), in tiny records: when it stops, the last records have left the socket
        // and wait, undecrypted, inside the transport; the handler reads only then
        byte[] body = new byte[RequestBody.MAX_BUFFERED - RequestBody.MIN_ROOM + 300];
        new Random(9).nextBytes(body);
        Handler waitsForThePause = request -> {
            RequestBody b = (RequestBody) request.body();
            Await.until("the loop stops reading for want of room", b::paused);
            return Response.ok(summary(request.bodyBytes()));
        };
        Arbiter a = servers.start(tls(), waitsForThePause);
        try (EngineClient c = EngineClient.connect(CERTS.clientContext(), a.port(), new byte[0])) {
            String head = "POST /sum HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                    + Integer.toHexString(body.length) + "\r\n";
            byte[] all = concat(
                    head.getBytes(StandardCharsets.ISO_8859_1),
                    body,
                    "\r\n0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            c.sendRaw(c.records(all, 7));
            String answer = c.readUntilClosed();
            assertTrue(answer.endsWith(summary(body)), answer);
        }
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            all.writeBytes(p);
        }
        return all.toByteArray();
    }

    @Test
    void runsTheEnginesDelegatedTasksOffTheEventLoop() throws Exception {
        TaskRecordingWorker worker = new TaskRecordingWorker();
        Arbiter a = Arbiter.builder()
                .config(tls().caCerts(CERTS.caPem())
                        .certReqs(ClientAuth.REQUIRED)
                        .build())
                .handler(APP)
                .workerFactory(worker)
                .start();
        try {
            SSLContext client = CERTS.clientContext(CERTS.client());
            for (int i = 0; i < 3; i++) {
                assertEquals("hello true", get(a, client, "/hello").text());
            }
            List<Thread> threads = worker.taskThreads();
            assertFalse(threads.isEmpty(), "the engines delegated work (key exchange, certificate checks)");
            for (Thread t : threads) {
                assertTrue(!t.isVirtual() && t.getName().startsWith("corral-tls-task-"), "a task ran on " + t);
            }
        } finally {
            a.shutdown(Duration.ofSeconds(5));
        }
    }

    @Test
    void goesOnAfterATls12ClientRenegotiatesBetweenRequests() throws Exception {
        // a handshake in the middle of a kept-alive connection: its delegated tasks, and the
        // messages both ways, come while the connection waits for its next head
        Arbiter a = servers.start(tls(), APP);
        try (SSLSocket s = (SSLSocket) CERTS.clientContext().getSocketFactory().createSocket("127.0.0.1", a.port());
                RawClient c = RawClient.over(s)) {
            s.setEnabledProtocols(new String[] {"TLSv1.2"});
            AtomicInteger handshakes = new AtomicInteger();
            s.addHandshakeCompletedListener(e -> handshakes.incrementAndGet());
            assertEquals("hello true", c.get("/hello").read().text());
            s.startHandshake(); // renegotiates
            assertEquals("hello true", c.get("/hello").read().text());
            assertEquals("hello true", c.get("/hello").read().text());
            assertEquals("TLSv1.2", s.getSession().getProtocol());
            Await.until("both handshakes completed", () -> handshakes.get() == 2);
        }
    }

    @Test
    void sendsAResponseThatMustFirstReadTheRestOfAHandshakeTheClientBegan() throws Exception {
        // TLS 1.2: the client renegotiates while its request body is still open, so the loop reads
        // the ClientHello and answers it; the response is released while the server waits for the
        // client's last handshake flight, so its write must wait for OP_READ, and go on when it comes
        CompletableFuture<Response> held = new CompletableFuture<>();
        AsyncHandler app = request -> request.path().equals("/held")
                ? held
                : CompletableFuture.completedFuture(Response.ok("hello " + request.secure()));
        TaskRecordingWorker worker = new TaskRecordingWorker();
        Arbiter a = Arbiter.builder()
                .config(tls().build())
                .asyncHandler(app)
                .workerFactory(worker)
                .start();
        try (EngineClient c = EngineClient.connect(CERTS.clientContext(), a.port(), new byte[0], "TLSv1.2")) {
            c.sendRaw(c.records(
                    "POST /held HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n", 1000));
            c.renegotiate();
            c.readServerFlight(); // the server took the ClientHello while reading the body, and answered
            int asked = worker.loopStatusQueries();
            held.complete(Response.ok("released"));
            Await.until("the loop has tried to write the response", () -> worker.loopStatusQueries() > asked);
            c.finishHandshake(); // the flight the server's write waits for
            assertTrue(c.readUntil("released").contains("HTTP/1.1 200"));
            c.sendRaw(c.records("0\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 1000));
            assertTrue(c.readUntilClosed().endsWith("hello true"), "the connection goes on after it");
        } finally {
            a.shutdown(Duration.ofSeconds(5));
        }
    }

    @Test
    void anIdleKeptAliveTlsConnectionHoldsNoBuffer() throws Exception {
        TaskRecordingWorker worker = new TaskRecordingWorker();
        Arbiter a = Arbiter.builder()
                .config(tls().build())
                .handler(APP)
                .workerFactory(worker)
                .start();
        try (SSLSocket s = (SSLSocket) CERTS.clientContext().getSocketFactory().createSocket("127.0.0.1", a.port());
                RawClient c = RawClient.over(s)) {
            byte[] body = new byte[100_000];
            c.send("POST /sum HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length + "\r\n\r\n")
                    .send(body);
            assertEquals(summary(body), c.read().text());
            assertEquals(BIG, c.get("/fixed").read().body().length);
            assertEquals("hello true", c.get("/hello").read().text());
            // what the connection holds between requests, looked at on the loop that owns it
            Await.until("the kept-alive connection holds no TLS buffer", () -> {
                try {
                    return worker.onEachLoop(loop -> loop.connections.stream()
                                    .map(conn -> conn.transport instanceof TlsTransport t ? t.heldBufferBytes() : -1)
                                    .toList())
                            .equals(List.of(List.of(0)));
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
        } finally {
            a.shutdown(Duration.ofSeconds(5));
        }
    }

    @Test
    void takesAProxyHeaderThatArrivesInTheSameSegmentAsTheClientHello() throws Exception {
        Arbiter a = servers.start(tls().proxyProtocol(ProxyProtocol.V1), new TestApp());
        byte[] proxy = "PROXY TCP4 203.0.113.7 127.0.0.1 5555 443\r\n".getBytes(StandardCharsets.US_ASCII);
        try (EngineClient c = EngineClient.connect(CERTS.clientContext(), a.port(), proxy)) {
            c.sendRaw(c.records("GET /whoami HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 1000));
            String answer = c.readUntilClosed();
            assertTrue(answer.contains("client=203.0.113.7:5555 "), answer);
            assertTrue(answer.contains(" scheme=https ") && answer.contains(" secure=true proxy=1 "), answer);
        }
    }

    private static RawResponse get(Arbiter a, SSLContext context, String path) throws IOException {
        try (SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", a.port());
                RawClient c = RawClient.over(s)) {
            return c.send("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    .read();
        }
    }
}
