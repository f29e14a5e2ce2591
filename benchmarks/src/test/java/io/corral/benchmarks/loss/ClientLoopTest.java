package io.corral.benchmarks.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.testing.Await;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Drives one {@link ClientLoop} turn by turn against a scripted in-test server, and checks how
 * each request is classified. Every turn is run from the test thread, so no count is racy.
 */
class ClientLoopTest {

    private static final String OK = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
    private static final String OK_CLOSE = "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello";
    private static final String OK_CHUNKED =
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
    private static final String UNAVAILABLE = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n";

    private final ExecutorService serverThread = Executors.newSingleThreadExecutor();
    private final List<String> requestsSeen = new CopyOnWriteArrayList<>();
    private final LossTally tally = new LossTally(10);

    /** One accepted connection's part of the script. */
    private interface Conn {
        void serve(Socket socket) throws IOException;
    }

    @AfterEach
    void stopServer() {
        serverThread.shutdownNow();
    }

    @Test
    void countsAnsweredRequestsAndReconnectsAfterConnectionClose() throws Exception {
        try (ServerSocket server = listen()) {
            Future<?> script = serve(
                    server,
                    s -> {
                        answer(s, OK);
                        answer(s, OK_CLOSE);
                        s.close();
                    },
                    s -> answer(s, OK_CHUNKED));
            ClientLoop loop = keepAlive(server);
            for (int i = 0; i < 3; i++) {
                loop.step();
            }
            script.get(30, TimeUnit.SECONDS);
            assertCounts(3, 3, 0);
            assertEquals(1, tally.reconnects(), "a new connection after Connection: close");
            assertEquals(1, tally.announcedCloses());
            assertEquals(0, tally.idleCloses());
            assertEquals(0, tally.anomalies());
            assertEquals(3, requestsSeen.size());
        }
    }

    @Test
    void countsARequestClosedWithoutAnAnswerAsFailedAfterWriteAndDoesNotRetryIt() throws Exception {
        try (ServerSocket server = listen()) {
            Future<?> script = serve(
                    server,
                    s -> {
                        readRequest(s);
                        s.close(); // a FIN after reading the request: the client reads EOF
                    },
                    s -> answer(s, OK));
            ClientLoop loop = keepAlive(server);
            loop.step();
            assertCounts(1, 0, 1);
            loop.step();
            script.get(30, TimeUnit.SECONDS);
            assertCounts(2, 1, 1);
            assertEquals(2, requestsSeen.size(), "the lost request was not sent again");
            assertEquals(1, tally.reconnects());
            assertTrue(tally.breakdown().contains("EOF before any response byte, new connection"), tally.breakdown());
        }
    }

    @Test
    void countsAResetAndATruncatedResponseAsFailedAfterWrite() throws Exception {
        try (ServerSocket server = listen()) {
            Future<?> script = serve(
                    server,
                    s -> {
                        answer(s, OK);
                        readRequest(s);
                        s.setSoLinger(true, 0);
                        s.close(); // a reset on a reused connection
                    },
                    s -> {
                        readRequest(s);
                        write(s, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nhel");
                        s.close(); // 3 of 100 body bytes
                    });
            ClientLoop loop = keepAlive(server);
            for (int i = 0; i < 3; i++) {
                loop.step();
            }
            script.get(30, TimeUnit.SECONDS);
            assertCounts(3, 1, 2);
            String breakdown = tally.breakdown();
            assertTrue(breakdown.contains("before any response byte, reused connection"), breakdown);
            assertTrue(breakdown.contains("EOF mid-response, new connection"), breakdown);
        }
    }

    @Test
    void reconnectsWithoutLossWhenTheServerClosedBetweenRequests() throws Exception {
        try (ServerSocket server = listen()) {
            Future<?> script = serve(
                    server,
                    s -> {
                        answer(s, OK); // keep-alive, then closed while idle
                        s.close();
                    },
                    s -> answer(s, OK));
            ClientLoop loop = keepAlive(server);
            loop.step();
            Await.until("the client sees the idle connection closed", () -> loop.idle() == ClientLoop.Idle.CLOSED);
            loop.step();
            script.get(30, TimeUnit.SECONDS);
            assertCounts(2, 2, 0);
            assertEquals(1, tally.reconnects());
            assertEquals(1, tally.idleCloses());
        }
    }

    @Test
    void freshClientSendsConnectionCloseAndOpensAConnectionPerRequest() throws Exception {
        Conn once = s -> {
            answer(s, OK);
            s.close();
        };
        try (ServerSocket server = listen()) {
            Future<?> script = serve(server, once, once);
            ClientLoop loop = new ClientLoop(target(server), false, tally, seconds(10), seconds(30), false);
            loop.step();
            loop.step();
            script.get(30, TimeUnit.SECONDS);
            assertCounts(2, 2, 0);
            assertEquals(0, tally.reconnects(), "a fresh client's connections are not reconnects");
            assertTrue(
                    requestsSeen.stream().allMatch(r -> r.contains("\r\nConnection: close\r\n")),
                    requestsSeen::toString);
        }
    }

    @Test
    void countsNon2xxPerStatus() throws Exception {
        try (ServerSocket server = listen()) {
            Future<?> script = serve(server, s -> answer(s, UNAVAILABLE));
            ClientLoop loop = keepAlive(server);
            loop.step();
            script.get(30, TimeUnit.SECONDS);
            assertEquals(1, tally.written());
            assertEquals(1, tally.non2xx());
            assertEquals(0, tally.inFlight());
            assertTrue(tally.summaryLine(0).endsWith(" non2xx_by_status=503:1"), tally.summaryLine(0));
        }
    }

    @Test
    void aRefusedConnectWritesNothingAndStopsTheClientWithStopOnRefused() throws IOException {
        Target closed;
        try (ServerSocket server = listen()) {
            closed = target(server);
        }
        ClientLoop loop = new ClientLoop(closed, true, tally, seconds(10), seconds(30), true);
        loop.step();
        assertTrue(loop.stopped());
        assertEquals(1, tally.refusedConnects());
        assertEquals(0, tally.written());
        assertEquals(0, tally.failedAfterWrite());
    }

    @Test
    void aRefusedConnectWithoutStopOnRefusedIsCountedAndTheClientGoesOn() throws IOException {
        Target closed;
        try (ServerSocket server = listen()) {
            closed = target(server);
        }
        ClientLoop loop = new ClientLoop(closed, true, tally, seconds(10), seconds(30), false);
        loop.step();
        assertFalse(loop.stopped());
        assertEquals(1, tally.refusedConnects());
        assertEquals(0, tally.written());
    }

    // ---- the scripted server -------------------------------------------------------------

    private static ServerSocket listen() throws IOException {
        return new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    }

    private static Target target(ServerSocket server) {
        return Target.parse("--url", "http://127.0.0.1:" + server.getLocalPort() + "/hello");
    }

    private ClientLoop keepAlive(ServerSocket server) {
        return new ClientLoop(target(server), true, tally, seconds(10), seconds(30), false);
    }

    /** Accepts one connection per {@code conns} entry, in order, and runs it; the future fails if one does. */
    private Future<?> serve(ServerSocket server, Conn... conns) {
        return serverThread.submit(() -> {
            for (Conn conn : conns) {
                try (Socket s = server.accept()) {
                    conn.serve(s);
                }
            }
            return null;
        });
    }

    private void answer(Socket s, String response) throws IOException {
        readRequest(s);
        write(s, response);
    }

    private static void write(Socket s, String bytes) throws IOException {
        s.getOutputStream().write(bytes.getBytes(StandardCharsets.ISO_8859_1));
        s.getOutputStream().flush();
    }

    /** Reads one request head (the client sends no body) and records it. */
    private void readRequest(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("the client closed before a whole request: " + head);
            }
            head.write(b);
        }
        requestsSeen.add(head.toString(StandardCharsets.ISO_8859_1));
    }

    private void assertCounts(long written, long ok, long failedAfterWrite) {
        String summary = tally.summaryLine(0) + "\n" + tally.breakdown();
        assertEquals(written, tally.written(), summary);
        assertEquals(ok, tally.ok(), summary);
        assertEquals(failedAfterWrite, tally.failedAfterWrite(), summary);
        assertEquals(0, tally.non2xx(), summary);
        assertEquals(0, tally.inFlight(), summary);
    }

    private static Duration seconds(long n) {
        return Duration.ofSeconds(n);
    }
}
