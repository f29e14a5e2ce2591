package io.corral.jdkhttp;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.corral.testing.TestCertificates;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The JDK's {@code HttpsServer} API, written against the API alone and replayed on Corral's
 * provider (each worker model that serves TLS) and on the JDK's own, as {@link JdkApiSuite} is:
 * an {@link HttpsConfigurator}'s {@code SSLContext} serving the JDK's {@code HttpClient}, {@code
 * configure} called per connection with the client's address, client certificates asked for
 * through {@code setSSLParameters} and through the deprecated setters, {@code getSSLSession()},
 * and the configurator's lifecycle. Certificates from {@link TestCertificates}; every server binds
 * 127.0.0.1, port 0.
 */
abstract class JdkHttpsSuite {

    static final Duration WAIT = Duration.ofSeconds(20);
    static final TestCertificates CERTS = TestCertificates.shared();

    /** Creates an unstarted HTTPS server of the provider under test, bound to {@code addr} unless null. */
    protected abstract HttpsServer create(InetSocketAddress addr, int backlog) throws IOException;

    private final List<HttpsServer> servers = new CopyOnWriteArrayList<>();
    private final ExecutorService pool = Executors.newCachedThreadPool();

    @AfterEach
    void stopServers() {
        for (HttpsServer s : servers) {
            s.stop(0);
        }
        pool.shutdownNow();
    }

    /** Creates a server on 127.0.0.1:0 with {@code handler} at {@code /} and {@code configurator}, started. */
    protected HttpsServer serve(HttpsConfigurator configurator, HttpHandler handler) throws IOException {
        HttpsServer s = bound();
        s.createContext("/", handler);
        s.setHttpsConfigurator(configurator);
        s.setExecutor(pool);
        s.start();
        return s;
    }

    protected HttpsServer bound() throws IOException {
        HttpsServer s = create(new InetSocketAddress("127.0.0.1", 0), 0);
        servers.add(s);
        return s;
    }

    protected static HttpClient client(SSLContext tls) {
        return HttpClient.newBuilder()
                .sslContext(tls)
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(WAIT)
                .build();
    }

    protected static URI uri(HttpsServer s, String path) {
        return URI.create("https://127.0.0.1:" + s.getAddress().getPort() + path);
    }

    protected static HttpResponse<String> get(HttpClient http, HttpsServer s, String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(uri(s, path)).timeout(WAIT).build(), HttpResponse.BodyHandlers.ofString());
    }

    protected static void respond(HttpExchange x, String body) throws IOException {
        byte[] b = body.getBytes(UTF_8);
        x.sendResponseHeaders(200, b.length);
        try (OutputStream os = x.getResponseBody()) {
            os.write(b);
        }
    }

    /** Opens a TLS socket to {@code s} with {@code tls}, handshaken, with a read timeout. */
    protected static SSLSocket connect(SSLContext tls, HttpsServer s) throws IOException {
        SSLSocket socket = (SSLSocket)
                tls.getSocketFactory().createSocket("127.0.0.1", s.getAddress().getPort());
        socket.setSoTimeout((int) WAIT.toMillis());
        return socket;
    }

    /** Sends a kept-alive GET on {@code s}; returns the answer's status line. */
    protected static String exchange(SSLSocket s) throws IOException {
        s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(UTF_8));
        InputStream in = s.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed after " + head);
            }
            head.append((char) b);
        }
        String text = head.toString();
        int cl = text.toLowerCase(java.util.Locale.ROOT).indexOf("content-length: ");
        in.readNBytes(Integer.parseInt(
                text.substring(cl + 16, text.indexOf("\r\n", cl)).trim()));
        return text.substring(0, text.indexOf("\r\n"));
    }

    private static String subject(X509Certificate c) {
        return c.getSubjectX500Principal().getName();
    }

    // ---- serving ------------------------------------------------------------------------------

    @Test
    void servesTheJdkClientWithTheConfiguratorsSslContextAndKeepsTheConnection() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        HttpsServer s = serve(new HttpsConfigurator(CERTS.serverContext()), x -> {
            seen.add(x.getClass().getName());
            HttpsExchange https = (HttpsExchange) x; // what HTTPS handlers do
            String body = x.getRequestMethod().equals("POST")
                    ? new String(x.getRequestBody().readAllBytes(), UTF_8)
                    : https.getSSLSession().getProtocol();
            respond(x, body);
        });
        try (HttpClient http = client(CERTS.clientContext())) {
            assertEquals("TLSv1.3", get(http, s, "/").body());
            HttpResponse<String> echo = http.send(
                    HttpRequest.newBuilder(uri(s, "/echo"))
                            .POST(HttpRequest.BodyPublishers.ofString("over TLS"))
                            .timeout(WAIT)
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, echo.statusCode());
            assertEquals("over TLS", echo.body());
            assertEquals("TLSv1.3", get(http, s, "/").body());
        }
        assertEquals(3, seen.size());
    }

    @Test
    void configureIsCalledForEachConnectionWithTheClientsAddress() throws Exception {
        List<InetSocketAddress> clients = new CopyOnWriteArrayList<>();
        List<HttpsConfigurator> configurators = new CopyOnWriteArrayList<>();
        HttpsConfigurator configurator = new HttpsConfigurator(CERTS.serverContext()) {
            @Override
            public void configure(HttpsParameters params) {
                clients.add(params.getClientAddress());
                configurators.add(params.getHttpsConfigurator());
                super.configure(params);
            }
        };
        HttpsServer s = serve(configurator, x -> respond(x, "ok"));
        SSLContext tls = CERTS.clientContext();
        try (SSLSocket first = connect(tls, s);
                SSLSocket second = connect(tls, s)) {
            assertEquals("HTTP/1.1 200 OK", exchange(first));
            assertEquals("HTTP/1.1 200 OK", exchange(second));
            assertEquals("HTTP/1.1 200 OK", exchange(first)); // the same connection: not configured again
            assertEquals(
                    Stream.of(first.getLocalPort(), second.getLocalPort())
                            .sorted()
                            .toList(),
                    clients.stream().map(InetSocketAddress::getPort).sorted().toList(),
                    "one configure per connection, with the client's port");
        }
        for (InetSocketAddress a : clients) {
            assertEquals("127.0.0.1", a.getAddress().getHostAddress());
        }
        for (HttpsConfigurator c : configurators) {
            assertSame(configurator, c);
        }
    }

    @Test
    void needClientAuthSetThroughSslParametersRefusesAnonymousClientsAndNamesTheCertificate() throws Exception {
        HttpsServer s = serve(
                new HttpsConfigurator(CERTS.serverContext(true)) {
                    @Override
                    public void configure(HttpsParameters params) {
                        SSLParameters p = getSSLContext().getDefaultSSLParameters(); // the JDK's idiom
                        p.setNeedClientAuth(true);
                        params.setSSLParameters(p);
                    }
                },
                x -> {
                    SSLSession session = ((HttpsExchange) x).getSSLSession();
                    respond(
                            x,
                            subject((X509Certificate) session.getPeerCertificates()[0]) + " " + session.getProtocol());
                });
        try (HttpClient http = client(CERTS.clientContext(CERTS.client()))) {
            assertEquals("CN=client,O=Corral TLSv1.3", get(http, s, "/").body());
        }
        try (HttpClient anonymous = client(CERTS.clientContext())) {
            assertThrows(IOException.class, () -> get(anonymous, s, "/"), "no certificate: no handshake");
        }
        try (HttpClient http = client(CERTS.clientContext(CERTS.client()))) {
            assertEquals(200, get(http, s, "/").statusCode(), "and the server serves on");
        }
    }

    @Test
    @SuppressWarnings("deprecation") // deprecated since JDK 23, still honoured by the JDK's server
    void theDeprecatedSettersStillAskForAClientCertificate() throws Exception {
        HttpsServer s = serve(
                new HttpsConfigurator(CERTS.serverContext(true)) {
                    @Override
                    public void configure(HttpsParameters params) {
                        params.setNeedClientAuth(true); // and no setSSLParameters
                    }
                },
                x -> respond(x, subject((X509Certificate)
                        ((HttpsExchange) x).getSSLSession().getPeerCertificates()[0])));
        try (HttpClient anonymous = client(CERTS.clientContext())) {
            assertThrows(IOException.class, () -> get(anonymous, s, "/"));
        }
        try (HttpClient http = client(CERTS.clientContext(CERTS.client()))) {
            assertEquals("CN=client,O=Corral", get(http, s, "/").body());
        }
    }

    @Test
    void getSslSessionIsTheConnectionsSessionTheSameForEachExchangeOnIt() throws Exception {
        List<String> facts = new CopyOnWriteArrayList<>();
        HttpsServer s = serve(new HttpsConfigurator(CERTS.serverContext()), x -> {
            SSLSession session = ((HttpsExchange) x).getSSLSession();
            String peer;
            try {
                session.getPeerCertificates();
                peer = "a client certificate";
            } catch (SSLPeerUnverifiedException e) {
                peer = "no client certificate";
            }
            facts.add(session.getProtocol() + " " + session.getCipherSuite() + " "
                    + subject((X509Certificate) session.getLocalCertificates()[0]) + " " + peer + " "
                    + HexFormat.of().formatHex(session.getId()));
            respond(x, "ok");
        });
        try (SSLSocket c = connect(CERTS.clientContext(), s)) {
            assertEquals("HTTP/1.1 200 OK", exchange(c));
            assertEquals("HTTP/1.1 200 OK", exchange(c));
            SSLSession client = c.getSession();
            String expected = client.getProtocol() + " " + client.getCipherSuite()
                    + " CN=localhost,O=Corral no client certificate";
            assertEquals(2, facts.size());
            assertTrue(facts.get(0).startsWith(expected + " "), facts.get(0) + " is not " + expected);
            assertEquals(facts.get(0), facts.get(1), "the same session, id included, for both exchanges");
            assertTrue(expected.startsWith("TLSv1.3 TLS_"), expected);
            assertTrue(Arrays.equals(CERTS.server().chain().toArray(), client.getPeerCertificates()));
        }
    }

    // ---- the configurator's lifecycle ---------------------------------------------------------

    @Test
    void startWithoutAConfiguratorFails() throws Exception {
        HttpsServer s = bound();
        s.createContext("/", x -> respond(x, "never"));
        assertNull(s.getHttpsConfigurator());
        assertThrows(IllegalStateException.class, s::start, "an HttpsServer must have an HttpsConfigurator");
        s.setHttpsConfigurator(new HttpsConfigurator(CERTS.serverContext()));
        s.start(); // and with one, it starts
        try (HttpClient http = client(CERTS.clientContext())) {
            assertEquals("never", get(http, s, "/").body());
        }
    }

    @Test
    void setHttpsConfiguratorRefusesNullAndAnyCallAfterStart() throws Exception {
        HttpsServer s = bound();
        HttpsConfigurator configurator = new HttpsConfigurator(CERTS.serverContext());
        assertThrows(NullPointerException.class, () -> s.setHttpsConfigurator(null));
        s.setHttpsConfigurator(configurator);
        assertSame(configurator, s.getHttpsConfigurator());
        s.createContext("/", x -> respond(x, "ok"));
        s.start();
        assertThrows(
                IllegalStateException.class,
                () -> s.setHttpsConfigurator(new HttpsConfigurator(CERTS.serverContext())));
        assertSame(configurator, s.getHttpsConfigurator());
        assertSame(s, s.createContext("/other", x -> respond(x, "other")).getServer(), "contexts belong to it");
    }
}
