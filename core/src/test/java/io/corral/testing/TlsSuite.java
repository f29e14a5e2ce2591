package io.corral.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.Arbiter;
import io.corral.ClientAuth;
import io.corral.Config;
import io.corral.OverloadPolicy;
import io.corral.ProxyProtocol;
import io.corral.http.Handler;
import io.corral.http.Response;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTPS on every worker model: each worker module has a subclass that names its model. Real
 * sockets, certificates made at test time ({@link TestCertificates}), the JDK's own TLS clients.
 */
public abstract class TlsSuite {

    /** Returns the {@code worker_class} under test. */
    protected abstract String workerClass();

    private final List<Arbiter> started = new CopyOnWriteArrayList<>();
    private final TestCertificates certs = TestCertificates.shared();

    @TempDir
    Path dir;

    @AfterEach
    void stopEverything() {
        for (Arbiter a : started) {
            a.shutdown(Duration.ofSeconds(5));
        }
    }

    /** Serves the request's TLS facts, its body back (POST), or {@code hello}. */
    private static final Handler APP = request -> {
        if (request.method().equals("POST")) {
            return Response.of(200).contentType("application/octet-stream").body(request.bodyBytes());
        }
        String tls = request.tls()
                .map(t -> t.protocol() + " " + t.clientSubject().orElse("-") + " "
                        + t.serverName().orElse("-") + " "
                        + t.applicationProtocol().orElse("-"))
                .orElse("plain");
        return Response.ok(request.scheme() + " " + request.secure() + " " + tls);
    };

    private Arbiter start(UnaryOperator<Config.Builder> tweak) throws IOException {
        Config.Builder b = certs.serverConfig()
                .bind("127.0.0.1:0")
                .workerClass(workerClass())
                .threads(4)
                .workerConnections(1000)
                .limitRequestBody(10 * 1024 * 1024);
        Arbiter a =
                Arbiter.builder().config(tweak.apply(b).build()).handler(APP).start();
        started.add(a);
        return a;
    }

    private static HttpClient client(SSLContext tls) {
        return HttpClient.newBuilder()
                .sslContext(tls)
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(20))
                .build();
    }

    private static URI uri(Arbiter a, String path) {
        return URI.create("https://localhost:" + a.port() + path);
    }

    @Test
    void servesTheJdkHttpClientWithKeepAliveAndFiveMebibytesEachWay() throws Exception {
        Arbiter a = start(b -> b);
        byte[] payload = new byte[5 * 1024 * 1024];
        new Random(7).nextBytes(payload);
        try (HttpClient http = client(certs.clientContext())) {
            for (int i = 0; i < 3; i++) {
                HttpResponse<byte[]> r = http.send(
                        HttpRequest.newBuilder(uri(a, "/echo"))
                                .POST(HttpRequest.BodyPublishers.ofByteArray(payload))
                                .build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                assertEquals(200, r.statusCode());
                assertArrayEquals(payload, r.body(), "every byte came back");
            }
            HttpResponse<String> hello =
                    http.send(HttpRequest.newBuilder(uri(a, "/")).build(), HttpResponse.BodyHandlers.ofString());
            assertTrue(hello.body().startsWith("https true TLSv1.3 - localhost"), hello.body());
            assertEquals(
                    1,
                    a.stats().workers().stream()
                            .mapToLong(w -> w.openConnections())
                            .sum(),
                    "four requests on one kept-alive connection");
        }
    }

    @Test
    void serves200ConcurrentTlsConnections() throws Exception {
        Arbiter a = start(b -> b);
        SSLContext tls = certs.clientContext();
        List<Thread> clients = new ArrayList<>();
        List<String> answers = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 200; i++) {
            clients.add(Thread.ofVirtual().start(() -> {
                try (SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", a.port())) {
                    s.setSoTimeout(30_000);
                    s.getOutputStream()
                            .write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                                    .getBytes(StandardCharsets.US_ASCII));
                    answers.add(new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1));
                } catch (IOException e) {
                    answers.add("failed: " + e);
                }
            }));
        }
        for (Thread t : clients) {
            t.join(60_000);
        }
        assertEquals(200, answers.size());
        for (String answer : answers) {
            assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
        }
    }

    @Test
    void requiresAClientCertificateSignedByCaCerts() throws Exception {
        Arbiter a = start(b -> b.caCerts(certs.caPem()).certReqs(ClientAuth.REQUIRED));
        try (HttpClient http = client(certs.clientContext(certs.client()))) {
            HttpResponse<String> r =
                    http.send(HttpRequest.newBuilder(uri(a, "/")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            assertTrue(r.body().contains("CN=client"), "the handler sees the verified subject: " + r.body());
        }
        try (HttpClient anonymous = client(certs.clientContext())) {
            assertThrows(
                    IOException.class,
                    () -> anonymous.send(
                            HttpRequest.newBuilder(uri(a, "/")).build(), HttpResponse.BodyHandlers.ofString()),
                    "no certificate: the handshake fails");
        }
        try (HttpClient stranger = client(certs.clientContextAlwaysPresenting(certs.stranger()))) {
            assertThrows(
                    IOException.class,
                    () -> stranger.send(
                            HttpRequest.newBuilder(uri(a, "/")).build(), HttpResponse.BodyHandlers.ofString()),
                    "a certificate the CA never signed: the handshake fails");
        }
        assertEquals(200, getOk(a, certs.clientContext(certs.client())), "the server serves on");
    }

    @Test
    void agreesOnHttp11ByAlpnAndRefusesAClientThatWantsOnlyH2() throws Exception {
        Arbiter a = start(b -> b);
        SSLContext tls = certs.clientContext();
        try (SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", a.port())) {
            s.setSoTimeout(20_000);
            javax.net.ssl.SSLParameters p = s.getSSLParameters();
            p.setApplicationProtocols(new String[] {"h2", "http/1.1"});
            s.setSSLParameters(p);
            s.startHandshake();
            assertEquals("http/1.1", s.getApplicationProtocol());
            assertEquals("200", exchange(s));
        }
        try (SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", a.port())) {
            s.setSoTimeout(20_000);
            javax.net.ssl.SSLParameters p = s.getSSLParameters();
            p.setApplicationProtocols(new String[] {"h2"});
            s.setSSLParameters(p);
            assertThrows(SSLException.class, s::startHandshake, "an h2-only client fails the handshake cleanly");
        }
        assertEquals(200, getOk(a, tls));
    }

    @Test
    void answersRequestsThatArriveAsSeveralRecordsInOneRead() throws Exception {
        Arbiter a = start(b -> b);
        try (TlsRecordClient c = TlsRecordClient.connect(a.port(), certs.clientContext())) {
            // three records, one socket write: one server read brings all of them, and the second
            // and third requests wait inside the TLS transport where no selector reports them
            c.record("GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
                    .record("GET /b HTTP/1.1\r\nHost: x\r\n\r\n")
                    .record("GET /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    .send();
            String answers = c.readUntil("Connection: close");
            assertEquals(3, answers.split("HTTP/1.1 200", -1).length - 1, answers);
        }
    }

    @Test
    void refusesAClientThatOffersOnlyTls11() throws Exception {
        Arbiter a = start(b -> b);
        try (SSLSocket s = (SSLSocket) certs.clientContext().getSocketFactory().createSocket("127.0.0.1", a.port())) {
            s.setSoTimeout(20_000);
            s.setEnabledProtocols(new String[] {"TLSv1.1"});
            assertThrows(SSLException.class, s::startHandshake);
        }
        assertEquals(200, getOk(a, certs.clientContext()));
    }

    @Test
    void answersPlainHttpOnTheTlsPortWith400() throws Exception {
        Arbiter a = start(b -> b);
        try (RawClient plain = RawClient.connect(a.port())) {
            RawResponse r = plain.get("/").read();
            assertEquals(400, r.status());
            assertTrue(plain.closedByServer());
        }
        assertEquals(200, getOk(a, certs.clientContext()));
    }

    @Test
    void cutsAHandshakeThatStallsAtHeaderTimeout() throws Exception {
        Arbiter a = start(b -> b.headerTimeout(Duration.ofSeconds(1)));
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", a.port()));
            long connected = System.nanoTime();
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            out.write(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01}); // half a ClientHello, then nothing
            out.flush();
            InputStream in = s.getInputStream();
            assertEquals(200, getOk(a, certs.clientContext()), "others are served meanwhile");
            try {
                while (in.read() >= 0) {
                    // an alert, perhaps; then the close
                }
            } catch (IOException reset) {
                // closed either way
            }
            long lived = System.nanoTime() - connected;
            assertTrue(lived < TimeUnit.SECONDS.toNanos(1 + 5), "closed " + lived / 1_000_000 + " ms after connect");
        }
    }

    @Test
    void newConnectionsGetAReloadedCertificateWhileOpenOnesGoOn() throws Exception {
        Path chain = dir.resolve("chain.pem");
        Path key = dir.resolve("key.pem");
        TestCertificates.install(certs.server(), chain, key);
        Arbiter a = start(b -> b.certfile(chain).keyfile(key));
        SSLContext trusting = certs.clientContext();
        try (SSLSocket before = (SSLSocket) trusting.getSocketFactory().createSocket("127.0.0.1", a.port())) {
            before.setSoTimeout(20_000);
            assertEquals("200", exchange(before));
            X509Certificate first = (X509Certificate) before.getSession().getPeerCertificates()[0];

            TestCertificates.install(certs.serverRsa(), chain, key);
            a.reloadTls();

            try (SSLSocket after = (SSLSocket) trusting.getSocketFactory().createSocket("127.0.0.1", a.port())) {
                after.setSoTimeout(20_000);
                assertEquals("200", exchange(after));
                X509Certificate second = (X509Certificate) after.getSession().getPeerCertificates()[0];
                assertTrue(!first.equals(second), "a new connection gets the new certificate");
                assertEquals(certs.serverRsa().certificate(), second);
            }
            assertEquals("200", exchange(before), "the open connection goes on with the old one");

            Files.writeString(key, "not a key");
            assertThrows(RuntimeException.class, a::reloadTls, "a bad new certificate is refused");
            assertEquals(200, getOk(a, trusting), "and the last good one stays");
        }
    }

    @Test
    void servesAnSslContextTheEmbedderSuppliesWithTheClientCertificatesItsConfiguratorAsksFor() throws Exception {
        List<InetSocketAddress> asked = new CopyOnWriteArrayList<>();
        Handler who = request -> Response.ok(request.scheme() + " "
                + request.tls().flatMap(t -> t.clientSubject()).orElse("-") + " "
                + request.tlsSession()
                        .map(s -> s.getProtocol() + " " + s.getLocalCertificates().length)
                        .orElse("no session"));
        Arbiter a = Arbiter.builder()
                .config(Config.builder()
                        .bind("127.0.0.1:0")
                        .workerClass(workerClass())
                        .threads(4)
                        .build()) // no certfile: the settings know nothing of TLS
                .tls(certs.serverContext(true), (peer, p) -> {
                    asked.add(peer);
                    p.setNeedClientAuth(true);
                    return p;
                })
                .handler(who)
                .start();
        started.add(a);
        try (HttpClient http = client(certs.clientContext(certs.client()))) {
            HttpResponse<String> r =
                    http.send(HttpRequest.newBuilder(uri(a, "/")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals("https CN=client,O=Corral TLSv1.3 2", r.body(), "the server's chain: its own and the CA's");
        }
        try (HttpClient anonymous = client(certs.clientContext())) {
            assertThrows(
                    IOException.class,
                    () -> anonymous.send(
                            HttpRequest.newBuilder(uri(a, "/")).build(), HttpResponse.BodyHandlers.ofString()),
                    "the configurator asked for a certificate: none, no handshake");
        }
        try (RawClient plain = RawClient.connect(a.port())) {
            assertEquals(400, plain.get("/").read().status(), "the port speaks TLS, not plain HTTP");
        }
        assertTrue(asked.size() >= 3, "asked once per connection: " + asked);
        for (InetSocketAddress peer : asked) {
            assertEquals("127.0.0.1", peer.getAddress().getHostAddress());
        }
    }

    @Test
    void speaksTlsAfterAProxyProtocolHeaderAndTakesTheClientFromIt() throws Exception {
        Arbiter a = start(b -> b.proxyProtocol(ProxyProtocol.V1));
        Socket plain = new Socket();
        plain.connect(new InetSocketAddress("127.0.0.1", a.port()));
        plain.getOutputStream()
                .write("PROXY TCP4 203.0.113.7 127.0.0.1 5555 443\r\n".getBytes(StandardCharsets.US_ASCII));
        try (SSLSocket s =
                (SSLSocket) certs.clientContext().getSocketFactory().createSocket(plain, "localhost", a.port(), true)) {
            s.setSoTimeout(20_000);
            assertEquals("200", exchange(s), "the handshake follows the header on the same connection");
            assertEquals("200", exchange(s));
        }
        try (RawClient noHeader = RawClient.connect(a.port())) {
            noHeader.send(new byte[] {0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0, 0, 1, 0});
            assertTrue(noHeader.closedByServer(), "TLS without the PROXY header first: closed, never answered");
        }
    }

    @Test
    void closesAClientRefusedForWantOfRoomWithoutAPlain503ItCouldNotRead() throws Exception {
        Arbiter a = start(b -> b.workerConnections(1).overloadPolicy(OverloadPolicy.REJECT));
        try (SSLSocket held =
                (SSLSocket) certs.clientContext().getSocketFactory().createSocket("127.0.0.1", a.port())) {
            held.setSoTimeout(20_000);
            assertEquals("200", exchange(held), "the worker's one place is taken");
            try (Socket refused = new Socket()) {
                refused.connect(new InetSocketAddress("127.0.0.1", a.port()));
                refused.setSoTimeout(20_000);
                refused.getOutputStream().write(new byte[] {0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0, 0, 1, 0});
                int first;
                try {
                    first = refused.getInputStream().read();
                } catch (IOException reset) {
                    first = -1; // a machine too slow for the lingering second; closed all the same
                }
                assertEquals(-1, first, "closed with nothing written");
            }
            assertEquals("200", exchange(held), "the held connection goes on");
        }
        Await.until(
                "the refusal is counted",
                () -> Scrape.parse(a.metrics().prometheusText()).value("corral_rejections_total{reason=\"overload\"}")
                        == 1);
    }

    /** Sends a kept-alive GET on {@code s} and returns the status code of its answer. */
    private static String exchange(SSLSocket s) throws IOException {
        s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        InputStream in = s.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed");
            }
            head.append((char) b);
        }
        String text = head.toString();
        int cl = text.toLowerCase(java.util.Locale.ROOT).indexOf("content-length: ");
        int length = Integer.parseInt(
                text.substring(cl + 16, text.indexOf("\r\n", cl)).trim());
        in.readNBytes(length);
        return text.substring(9, 12);
    }

    private static int getOk(Arbiter a, SSLContext tls) throws Exception {
        try (HttpClient http = client(tls)) {
            return http.send(HttpRequest.newBuilder(uri(a, "/")).build(), HttpResponse.BodyHandlers.ofString())
                    .statusCode();
        }
    }
}
