package io.corral.jdkhttp;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.BasicAuthenticator;
import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.corral.testing.Await;
import io.corral.testing.RawClient;
import io.corral.testing.RawResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The JDK {@code com.sun.net.httpserver} API's documented behaviour, written against the API alone
 * and replayed on every provider: Corral's on each worker model, and the JDK's own. Where the
 * JDK's own implementation departs from its javadoc (or from the JDK 26+ behaviour the javadoc
 * now describes), its subclass disables the test and says why: that list is the built-in's
 * deviations. Every server binds 127.0.0.1, port 0.
 */
abstract class JdkApiSuite {

    private static final Duration WAIT = Duration.ofSeconds(20);

    /** Creates an unstarted server of the provider under test, bound to {@code addr} unless null. */
    protected abstract HttpServer create(InetSocketAddress addr, int backlog) throws IOException;

    private final List<HttpServer> servers = new CopyOnWriteArrayList<>();
    private final List<ExecutorService> executors = new CopyOnWriteArrayList<>();
    protected final HttpClient client =
            HttpClient.newBuilder().connectTimeout(WAIT).build();

    @AfterEach
    void stopServers() {
        for (HttpServer s : servers) {
            s.stop(0);
        }
        for (ExecutorService e : executors) {
            e.shutdownNow();
        }
    }

    /** Creates, bound to 127.0.0.1:0, with {@code handler} at {@code path}, and starts with a pool executor. */
    protected HttpServer serve(String path, HttpHandler handler) throws IOException {
        HttpServer s = bound();
        s.createContext(path, handler);
        s.setExecutor(pool());
        s.start();
        return s;
    }

    protected HttpServer bound() throws IOException {
        HttpServer s = create(new InetSocketAddress("127.0.0.1", 0), 0);
        servers.add(s);
        return s;
    }

    protected ExecutorService pool() {
        ExecutorService e = Executors.newCachedThreadPool();
        executors.add(e);
        return e;
    }

    protected static int port(HttpServer s) {
        return s.getAddress().getPort();
    }

    protected HttpResponse<String> get(HttpServer s, String target) throws Exception {
        return client.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port(s) + target))
                        .timeout(WAIT)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void respond(HttpExchange x, int code, String body) throws IOException {
        byte[] b = body.getBytes(UTF_8);
        x.sendResponseHeaders(code, b.length == 0 ? -1 : b.length);
        try (OutputStream os = x.getResponseBody()) {
            os.write(b);
        }
    }

    // ---- framing ------------------------------------------------------------------------------

    @Test
    void fixedLengthResponseCarriesItsLength() throws Exception {
        HttpServer s = serve("/", x -> respond(x, 200, "Hello, World!"));
        try (RawClient c = RawClient.connect(port(s))) {
            RawResponse r = c.get("/").read();
            assertEquals(200, r.status());
            assertEquals("13", r.header("Content-Length"));
            assertNull(r.header("Transfer-Encoding"));
            assertEquals("Hello, World!", r.text());
            assertNotNull(r.header("Date"), "Date is set");
        }
    }

    @Test
    void aPlainServersExchangeIsNotAnHttpsExchange() throws Exception {
        List<Boolean> https = new CopyOnWriteArrayList<>();
        HttpServer s = serve("/", x -> {
            https.add(x instanceof com.sun.net.httpserver.HttpsExchange);
            respond(x, 200, "plain");
        });
        assertEquals("plain", get(s, "/").body());
        assertEquals(List.of(false), https, "handlers tell HTTPS apart by the exchange's type");
    }

    @Test
    void zeroLengthMeansChunked() throws Exception {
        HttpServer s = serve("/", x -> {
            x.sendResponseHeaders(200, 0);
            try (OutputStream os = x.getResponseBody()) {
                os.write("one,".getBytes(UTF_8));
                os.write("two".getBytes(UTF_8));
            }
        });
        try (RawClient c = RawClient.connect(port(s))) {
            RawResponse r = c.get("/").read();
            assertEquals("chunked", r.header("Transfer-Encoding"));
            assertEquals("one,two", r.text());
        }
    }

    @Test
    void minusOneMeansNoBody() throws Exception {
        HttpServer s = serve("/", x -> {
            x.sendResponseHeaders(201, -1);
            x.close();
        });
        try (RawClient c = RawClient.connect(port(s))) {
            RawResponse r = c.get("/").read();
            assertEquals(201, r.status());
            assertEquals("0", r.header("Content-Length"));
            assertEquals(0, r.body().length);
            // the connection is reusable
            assertEquals(201, c.get("/").read().status());
        }
    }

    @Test
    void largeBodiesArriveWholeInBothFramings() throws Exception {
        byte[] big = new byte[3 * 1024 * 1024 + 7];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i * 31);
        }
        HttpServer s = serve("/", x -> {
            boolean fixed = x.getRequestURI().getPath().endsWith("fixed");
            x.sendResponseHeaders(200, fixed ? big.length : 0);
            try (OutputStream os = x.getResponseBody()) {
                for (int off = 0; off < big.length; off += 10_000) {
                    os.write(big, off, Math.min(10_000, big.length - off));
                }
            }
        });
        try (RawClient c = RawClient.connect(port(s))) {
            RawResponse fixed = c.get("/fixed").read();
            assertEquals(Integer.toString(big.length), fixed.header("Content-Length"));
            assertArrayEquals(big, fixed.body());
            RawResponse chunked = c.get("/chunked").read();
            assertEquals("chunked", chunked.header("Transfer-Encoding"));
            assertArrayEquals(big, chunked.body());
        }
    }

    @Test
    void aStreamedBodyReachesTheClientWhileTheHandlerStillWrites() throws Exception {
        CountDownLatch clientGotFirstPart = new CountDownLatch(1);
        HttpServer s = serve("/", x -> {
            x.sendResponseHeaders(200, 0);
            OutputStream os = x.getResponseBody();
            os.write("first part\n".getBytes(UTF_8));
            os.flush();
            try {
                if (!clientGotFirstPart.await(WAIT.toSeconds(), TimeUnit.SECONDS)) {
                    throw new IOException("the client never saw the first part");
                }
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
            os.write("second part\n".getBytes(UTF_8));
            os.close();
        });
        try (RawClient c = RawClient.connect(port(s))) {
            c.get("/");
            String status = c.line();
            assertTrue(status.startsWith("HTTP/1.1 200"), status);
            String line;
            while (!(line = c.line()).isEmpty()) {
                assertNotNull(line);
            }
            assertEquals("b", c.line()); // the first chunk's size: 11 bytes
            assertEquals("first part", c.line());
            clientGotFirstPart.countDown();
            c.line(); // end of the first chunk
            StringBuilder rest = new StringBuilder();
            String l;
            while ((l = c.line()) != null && !l.equals("0")) {
                rest.append(l).append('\n');
            }
            assertTrue(rest.toString().contains("second part"), rest.toString());
        }
    }

    @Test
    void aClientThatDoesNotReadHoldsTheHandlerNotTheHeap() throws Exception {
        long total = 512L * 1024 * 1024;
        java.util.concurrent.atomic.AtomicLong written = new java.util.concurrent.atomic.AtomicLong();
        CountDownLatch over = new CountDownLatch(1);
        HttpServer s = serve("/", x -> {
            byte[] piece = new byte[256 * 1024];
            x.sendResponseHeaders(200, 0);
            try (OutputStream os = x.getResponseBody()) {
                while (written.get() < total) {
                    os.write(piece);
                    written.addAndGet(piece.length);
                }
            } finally {
                over.countDown();
            }
        });
        try (RawClient c = RawClient.connect(port(s))) {
            c.get("/"); // and never read
            // blocked: in the JDK's socket write a platform thread stays RUNNABLE, so the sign is that
            // the count stops growing
            Await.until("the handler's writes stall", () -> {
                long before = written.get();
                try {
                    Thread.sleep(300);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return before > 0 && written.get() == before;
            });
            long held = written.get();
            // socket buffers on both sides plus the server's bounded buffers, far from the 512 MiB
            assertTrue(held < 64L * 1024 * 1024, "the handler wrote " + held + " bytes into a client that reads none");
        }
        assertTrue(over.await(WAIT.toSeconds(), TimeUnit.SECONDS), "the handler's write fails once the client is gone");
    }

    @Test
    void writingMoreThanTheDeclaredLengthThrows() throws Exception {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        HttpServer s = serve("/", x -> {
            x.sendResponseHeaders(200, 3);
            OutputStream os = x.getResponseBody();
            try {
                os.write("four".getBytes(UTF_8));
            } catch (IOException e) {
                thrown.set(e);
            }
            x.close();
        });
        sendAndIgnore(s, "/");
        Await.until("the write threw", () -> thrown.get() != null);
        assertInstanceOf(IOException.class, thrown.get());
        assertServes(s);
    }

    @Test
    void closingShortOfTheDeclaredLengthThrows() throws Exception {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        HttpServer s = serve("/", x -> {
            x.sendResponseHeaders(200, 10);
            OutputStream os = x.getResponseBody();
            os.write("four".getBytes(UTF_8));
            try {
                os.close();
            } catch (IOException e) {
                thrown.set(e);
            }
        });
        try (RawClient c = RawClient.connect(port(s))) {
            c.get("/");
            // the client never gets ten bytes: a 500 instead, or a response cut short by a close
            try {
                RawResponse r = c.read();
                assertTrue(r.status() == 500, "got " + r.status());
            } catch (IOException expected) {
                // cut short
            }
        }
        Await.until("the close threw", () -> thrown.get() != null);
        assertServes(s);
    }

    @Test
    void headNeverCarriesABodyEvenWhenZeroIsPassed() throws Exception {
        HttpServer s = serve("/", x -> {
            x.sendResponseHeaders(200, 0); // the common misuse: chunked for a HEAD
            x.close();
        });
        try (RawClient c = RawClient.connect(port(s))) {
            c.send("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n");
            RawResponse r = c.read(true);
            assertEquals(200, r.status());
            c.get("/"); // and the connection carries on, no stray body bytes in the way
            assertEquals(200, c.read().status());
        }
    }

    @Test
    void headKeepsTheLengthTheHandlerSet() throws Exception {
        HttpServer s = serve("/", x -> {
            x.getResponseHeaders().set("Content-Length", "42");
            x.sendResponseHeaders(200, -1);
            x.close();
        });
        try (RawClient c = RawClient.connect(port(s))) {
            c.send("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n");
            RawResponse r = c.read(true);
            assertEquals("42", r.header("Content-Length"));
            assertTrue(c.silentFor(Duration.ofMillis(200)), "no body follows a response to HEAD");
        }
    }

    @Test
    void noContentAndNotModifiedNeverCarryABodyAndDoNotHang() throws Exception {
        HttpServer s = serve("/", x -> {
            int code = x.getRequestURI().getPath().equals("/204") ? 204 : 304;
            x.sendResponseHeaders(code, 0); // misuse: 0 asks for chunked
            x.close();
        });
        try (RawClient c = RawClient.connect(port(s))) {
            for (String code : List.of("204", "304")) {
                RawResponse r = c.get("/" + code).read();
                assertEquals(Integer.parseInt(code), r.status());
                assertNull(r.header("Transfer-Encoding"), code);
            }
            assertEquals(204, c.get("/204").read().status(), "the connection is still in step");
        }
    }

    @Test
    void aSecondSendResponseHeadersThrows() throws Exception {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        HttpServer s = serve("/", x -> {
            x.sendResponseHeaders(200, 2);
            try {
                x.sendResponseHeaders(500, -1);
            } catch (IOException e) {
                thrown.set(e);
            }
            try (OutputStream os = x.getResponseBody()) {
                os.write("ok".getBytes(UTF_8));
            }
        });
        assertEquals("ok", get(s, "/").body());
        assertInstanceOf(IOException.class, thrown.get());
    }

    @Test
    void informationalResponsesMayPrecedeTheFinalOne() throws Exception {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        HttpServer s = serve("/", x -> {
            try {
                x.getResponseHeaders().set("Link", "</style.css>; rel=preload");
                x.sendResponseHeaders(103, -1);
                x.sendResponseHeaders(103, -1);
                x.getResponseHeaders().remove("Link");
            } catch (IOException e) {
                thrown.set(e);
            }
            respond(x, 200, "final");
        });
        try (RawClient c = RawClient.connect(port(s))) {
            c.get("/");
            RawResponse r;
            do {
                r = c.read();
            } while (r.status() / 100 == 1);
            assertEquals(200, r.status());
            assertEquals("final", r.text());
        }
        assertNull(thrown.get(), () -> "a 1xx then a final status threw " + thrown.get());
    }

    @Test
    void connectionCloseSetByTheHandlerClosesTheConnection() throws Exception {
        HttpServer s = serve("/", x -> {
            x.getResponseHeaders().set("Connection", "close");
            respond(x, 200, "bye");
        });
        try (RawClient c = RawClient.connect(port(s))) {
            RawResponse r = c.get("/").read();
            assertEquals("bye", r.text());
            assertTrue(r.closes(), "the response announces the close");
            assertTrue(c.closedByServer(), "the server closes after the exchange");
        }
    }

    // ---- the request ------------------------------------------------------------------------

    @Test
    void requestBodyIsOneStreamAndAnEarlyCloseKeepsTheConnection() throws Exception {
        HttpServer s = serve("/", x -> {
            InputStream in = x.getRequestBody();
            assertSame(in, x.getRequestBody());
            byte[] two = in.readNBytes(2);
            in.close(); // before the end: the rest is drained
            respond(x, 200, new String(two, UTF_8));
        });
        try (RawClient c = RawClient.connect(port(s))) {
            c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabcdefghij");
            assertEquals("ab", c.read().text());
            c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nxyz");
            assertEquals("xy", c.read().text(), "the same connection carries the next request");
        }
    }

    @Test
    void aTruncatedRequestBodyIsNeverTakenForAWholeOne() throws Exception {
        AtomicReference<String> outcome = new AtomicReference<>();
        HttpServer s = serve("/", x -> {
            try {
                x.getRequestBody().readAllBytes();
                outcome.set("read whole");
            } catch (IOException e) {
                outcome.set("read failed");
                throw e;
            }
            respond(x, 200, "complete?");
        });
        try (RawClient c = RawClient.connect(port(s))) {
            c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly this");
            c.shutdownOutput();
            try {
                // the handler's read fails, or (async, which reads bodies first) the server answers 400
                int status = c.read().status();
                assertTrue(status >= 400, "got " + status);
            } catch (IOException closed) {
                // closed: the JDK's way
            }
        }
        assertServes(s);
        assertTrue(outcome.get() == null || outcome.get().equals("read failed"), outcome.get());
    }

    @Test
    void expectContinueIsAnsweredSoTheBodyComes() throws Exception {
        HttpServer s =
                serve("/", x -> respond(x, 200, new String(x.getRequestBody().readAllBytes(), UTF_8)));
        try (RawClient c = RawClient.connect(port(s))) {
            c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
            assertEquals(100, c.read().status());
            c.send("hello");
            assertEquals("hello", c.read().text());
        }
    }

    @Test
    void requestHeadersAreCaseInsensitiveAndReadOnly() throws Exception {
        AtomicReference<String> seen = new AtomicReference<>();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        HttpServer s = serve("/", x -> {
            seen.set(x.getRequestHeaders().getFirst("x-test") + "|"
                    + x.getRequestHeaders().get("X-TEST").size());
            try {
                x.getRequestHeaders().add("X-More", "no");
            } catch (UnsupportedOperationException e) {
                thrown.set(e);
            }
            respond(x, 200, "ok");
        });
        try (RawClient c = RawClient.connect(port(s))) {
            c.send("GET / HTTP/1.1\r\nHost: x\r\nX-Test: a\r\nx-test: b\r\n\r\n");
            assertEquals(200, c.read().status());
        }
        assertEquals("a|2", seen.get());
        assertInstanceOf(UnsupportedOperationException.class, thrown.get());
    }

    @Test
    void exchangeAttributesArePerExchangeAndContextAttributesAreShared() throws Exception {
        HttpServer s = bound();
        HttpContext ctx = s.createContext("/", x -> {
            Object before = x.getAttribute("seen");
            x.setAttribute("seen", "yes");
            x.getHttpContext().getAttributes().merge("count", 1, (a, b) -> (Integer) a + (Integer) b);
            respond(x, 200, before == null ? "fresh" : "leaked");
        });
        s.setExecutor(pool());
        s.start();
        assertEquals("fresh", get(s, "/").body());
        assertEquals("fresh", get(s, "/").body());
        assertEquals(2, ctx.getAttributes().get("count"));
    }

    @Test
    void theRequestLineIsAsSent() throws Exception {
        AtomicReference<String> seen = new AtomicReference<>();
        HttpServer s = serve("/", x -> {
            seen.set(x.getRequestMethod() + " " + x.getRequestURI() + " " + x.getProtocol() + " "
                    + x.getRemoteAddress().getAddress().getHostAddress() + " "
                    + x.getLocalAddress().getPort() + " " + x.getResponseCode());
            respond(x, 200, "ok");
        });
        try (RawClient c = RawClient.connect(port(s))) {
            c.send("PUT /a/b?q=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
            assertEquals(200, c.read().status());
        }
        assertEquals("PUT /a/b?q=1 HTTP/1.1 127.0.0.1 " + port(s) + " -1", seen.get());
    }

    // ---- contexts, filters, authentication ----------------------------------------------------

    @Test
    void contextsMatchWholePathSegmentsAndTheLongestWins() throws Exception {
        HttpServer s = bound();
        for (String path : List.of("/", "/foo", "/foo/bar/")) {
            s.createContext(path, x -> respond(x, 200, path));
        }
        s.setExecutor(pool());
        s.start();
        assertEquals("/foo", get(s, "/foo").body());
        assertEquals("/foo", get(s, "/foo/").body());
        assertEquals("/foo", get(s, "/foo/baz").body());
        assertEquals("/foo/bar/", get(s, "/foo/bar/x").body());
        assertEquals("/", get(s, "/foobar").body(), "/foo does not match /foobar");
    }

    @Test
    void aRequestNoContextMatchesGets404() throws Exception {
        HttpServer s = serve("/app/", x -> respond(x, 200, "app"));
        assertEquals(404, get(s, "/other").statusCode());
        assertEquals(200, get(s, "/app/x").statusCode());
    }

    @Test
    void removedContextsStopServingAndBadPathsAreRefused() throws Exception {
        HttpServer s = bound();
        HttpContext a = s.createContext("/a", x -> respond(x, 200, "a"));
        s.createContext("/b", x -> respond(x, 200, "b"));
        assertThrows(IllegalArgumentException.class, () -> s.createContext("/a", x -> {}));
        assertThrows(IllegalArgumentException.class, () -> s.createContext("", x -> {}));
        assertThrows(IllegalArgumentException.class, () -> s.removeContext("/nothing"));
        s.setExecutor(pool());
        s.start();
        assertEquals("a", get(s, "/a").body());
        s.removeContext(a);
        s.removeContext("/b");
        assertEquals(404, get(s, "/a").statusCode());
        assertEquals(404, get(s, "/b").statusCode());
    }

    @Test
    void filtersRunInOrderAroundTheHandlerAndMayAnswerThemselves() throws Exception {
        List<String> events = new CopyOnWriteArrayList<>();
        HttpServer s = bound();
        HttpContext ctx = s.createContext("/", x -> {
            events.add("handler");
            respond(x, 200, "handled");
        });
        ctx.getFilters().add(Filter.beforeHandler("before", x -> events.add("before")));
        ctx.getFilters().add(new Filter() {
            @Override
            public void doFilter(HttpExchange x, Chain chain) throws IOException {
                events.add("custom");
                if (x.getRequestURI().getPath().equals("/blocked")) {
                    respond(x, 403, "blocked by filter");
                    return;
                }
                chain.doFilter(x);
            }

            @Override
            public String description() {
                return "custom";
            }
        });
        ctx.getFilters().add(Filter.afterHandler("after", x -> events.add("after " + x.getResponseCode())));
        s.setExecutor(pool());
        s.start();
        assertEquals("handled", get(s, "/ok").body());
        Await.until("the after filter ran", () -> events.size() == 4);
        assertEquals(List.of("before", "custom", "handler", "after 200"), events);
        events.clear();
        HttpResponse<String> blocked = get(s, "/blocked");
        assertEquals(403, blocked.statusCode());
        assertEquals(List.of("before", "custom"), events);
    }

    @Test
    void basicAuthenticatorAsksForCredentialsAndNamesThePrincipal() throws Exception {
        HttpServer s = bound();
        HttpContext ctx = s.createContext(
                "/", x -> respond(x, 200, "hi " + x.getPrincipal().getUsername()));
        ctx.setAuthenticator(new BasicAuthenticator("corral") {
            @Override
            public boolean checkCredentials(String user, String password) {
                return user.equals("ann") && password.equals("secret");
            }
        });
        s.setExecutor(pool());
        s.start();
        try (RawClient c = RawClient.connect(port(s))) {
            RawResponse none = c.get("/").read();
            assertEquals(401, none.status());
            assertTrue(
                    none.header("WWW-Authenticate").startsWith("Basic realm=\"corral\""),
                    none.header("WWW-Authenticate"));
            String bad = Base64.getEncoder().encodeToString("ann:wrong".getBytes(UTF_8));
            c.send("GET / HTTP/1.1\r\nHost: x\r\nAuthorization: Basic " + bad + "\r\n\r\n");
            assertEquals(401, c.read().status());
            String good = Base64.getEncoder().encodeToString("ann:secret".getBytes(UTF_8));
            c.send("GET / HTTP/1.1\r\nHost: x\r\nAuthorization: Basic " + good + "\r\n\r\n");
            RawResponse ok = c.read();
            assertEquals(200, ok.status());
            assertEquals("hi ann", ok.text());
        }
    }

    // ---- failures and the server ------------------------------------------------------------

    @Test
    void aHandlerThatThrowsGets500OrACloseAndTheServerKeepsServing() throws Exception {
        HttpServer s = serve("/", x -> {
            if (x.getRequestURI().getPath().equals("/boom")) {
                throw new IllegalStateException("boom");
            }
            respond(x, 200, "fine");
        });
        try (RawClient c = RawClient.connect(port(s))) {
            c.get("/boom");
            try {
                assertEquals(500, c.read().status());
            } catch (IOException closed) {
                // the JDK closes instead
            }
        }
        assertServes(s);
    }

    @Test
    void theExecutorSetRunsTheHandlersAndIsReturned() throws Exception {
        HttpServer s = bound();
        ExecutorService named = Executors.newSingleThreadExecutor(r -> new Thread(r, "app-executor"));
        executors.add(named);
        AtomicReference<String> thread = new AtomicReference<>();
        s.createContext("/", x -> {
            thread.set(Thread.currentThread().getName());
            respond(x, 200, "ok");
        });
        assertNull(s.getExecutor());
        s.setExecutor(named);
        assertSame(named, s.getExecutor());
        s.start();
        assertThrows(IllegalStateException.class, () -> s.setExecutor(null));
        assertEquals(200, get(s, "/").statusCode());
        assertEquals("app-executor", thread.get());
    }

    @Test
    void createdUnboundItBindsLaterAndTellsItsAddress() throws Exception {
        HttpServer s = create(null, 0);
        servers.add(s);
        assertThrows(IllegalStateException.class, s::start, "not bound yet");
        s.bind(new InetSocketAddress("127.0.0.1", 0), 5);
        assertTrue(port(s) > 0, "the port is known before start");
        assertThrows(IOException.class, () -> s.bind(new InetSocketAddress("127.0.0.1", 0), 0));
        s.createContext("/", x -> respond(x, 200, "late"));
        s.start();
        assertEquals("late", get(s, "/").body());
    }

    @Test
    void aTakenPortFailsAtBind() throws Exception {
        HttpServer first = bound();
        assertThrows(IOException.class, () -> create(new InetSocketAddress("127.0.0.1", port(first)), 0));
    }

    @Test
    void stopLetsExchangesInFlightFinishThenRefusesConnections() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        HttpServer s = serve("/", x -> {
            entered.countDown();
            try {
                release.await(WAIT.toSeconds(), TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
            respond(x, 200, "finished");
        });
        int port = port(s);
        ExecutorService clientThread = pool();
        Future<HttpResponse<String>> inFlight = clientThread.submit(() -> get(s, "/"));
        assertTrue(entered.await(WAIT.toSeconds(), TimeUnit.SECONDS));
        Future<?> stopping = clientThread.submit(() -> s.stop(20));
        Await.until("the listener closes", () -> refuses(port));
        assertFalse(stopping.isDone(), "stop waits for the exchange in flight");
        release.countDown();
        assertEquals(
                "finished", inFlight.get(WAIT.toSeconds(), TimeUnit.SECONDS).body());
        stopping.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    @Test
    void stopBeforeStartAndStopTwiceReturnAtOnce() throws Exception {
        HttpServer s = bound();
        int port = port(s);
        s.stop(0);
        s.stop(0);
        assertTrue(refuses(port));
        assertThrows(IllegalArgumentException.class, () -> bound().stop(-1));
    }

    // ---- helpers ------------------------------------------------------------------------------

    /** The server still answers a fresh request. */
    protected void assertServes(HttpServer s) throws Exception {
        HttpContext probe = s.createContext("/__probe", x -> respond(x, 200, "alive"));
        try {
            assertEquals("alive", get(s, "/__probe").body());
        } finally {
            s.removeContext(probe);
        }
    }

    private void sendAndIgnore(HttpServer s, String target) {
        try (RawClient c = RawClient.connect(port(s))) {
            c.get(target);
            c.read();
        } catch (IOException e) {
            // a cut response is one of the allowed outcomes
        }
    }

    protected static boolean refuses(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            return false;
        } catch (ConnectException e) {
            return true;
        } catch (IOException e) {
            return true;
        }
    }

    static List<String> lines(String s) {
        return new ArrayList<>(Arrays.asList(s.split("\n")));
    }
}
