package io.corral;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.http.Headers;
import io.corral.http.Request;
import io.corral.http.Response;
import io.corral.internal.http.RequestHead;
import io.corral.internal.server.ConnectionOrigin;
import io.corral.spi.Worker;
import io.corral.spi.WorkerContext;
import io.corral.spi.WorkerFactory;
import io.corral.testing.TestCertificates;
import io.corral.testing.TlsLoopback;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS as the Arbiter runs it, with scripted workers: the files are checked before it binds, the
 * workers' context makes engines with the certificate in force, {@code reloadTls()} and {@code
 * reload()} rotate it, and the facts of a handshake reach the {@link Request}.
 */
class ArbiterTlsTest {

    private static final TestCertificates CERTS = TestCertificates.shared();

    @TempDir
    Path dir;

    private final List<ArbiterTest.FakeWorker> created = new CopyOnWriteArrayList<>();
    private Arbiter arbiter;

    private Arbiter start(Config.Builder config) throws IOException {
        return start(config, b -> b);
    }

    private Arbiter start(Config.Builder config, UnaryOperator<Arbiter.Builder> tweak) throws IOException {
        arbiter = tweak.apply(Arbiter.builder()
                        .config(config.build())
                        .handler(r -> Response.ok("x"))
                        .workerFactory(factory(true)))
                .build();
        return arbiter.start();
    }

    /** Scripted workers; a model that {@code servesTls} or not. */
    private WorkerFactory factory(boolean servesTls) {
        return new WorkerFactory() {
            @Override
            public String name() {
                return "fake";
            }

            @Override
            public boolean servesTls() {
                return servesTls;
            }

            @Override
            public Worker create(WorkerContext context) {
                ArbiterTest.FakeWorker w = new ArbiterTest.FakeWorker(context);
                created.add(w);
                return w;
            }
        };
    }

    @AfterEach
    void stop() {
        if (arbiter != null) {
            arbiter.shutdown(Duration.ofSeconds(5));
        }
    }

    private Config.Builder rotating() throws IOException {
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        if (!Files.exists(cert)) {
            TestCertificates.install(CERTS.server(), cert, key);
        }
        return Config.builder().bind("127.0.0.1:0").certfile(cert).keyfile(key);
    }

    /** Handshakes a JDK client with an engine of {@code context}; returns the engine, done. */
    private static SSLEngine handshake(WorkerContext context, TestCertificates.Credential identity) {
        SSLEngine server =
                context.newTlsEngine(new InetSocketAddress("127.0.0.1", 40000)).orElseThrow();
        SSLEngine client = CERTS.clientContext(identity).createSSLEngine("localhost", 443);
        client.setUseClientMode(true);
        SSLParameters p = client.getSSLParameters();
        p.setServerNames(List.of(new SNIHostName("api.corral.test"))); // JSSE sends no SNI for "localhost"
        client.setSSLParameters(p);
        TlsLoopback.Result r = TlsLoopback.handshake(client, server);
        assertTrue(r.succeeded(), r.toString());
        return server;
    }

    private static Certificate served(WorkerContext context) throws Exception {
        SSLEngine server = handshake(context, null);
        return server.getSession().getLocalCertificates()[0];
    }

    @Test
    void aBadCertificateFailsTheStartBeforeAnythingIsBound() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        Config.Builder config = Config.builder()
                .bind("127.0.0.1:" + port)
                .certfile(CERTS.expired().chainPem())
                .keyfile(CERTS.expired().keyPem());
        ConfigException e = assertThrows(ConfigException.class, () -> start(config));
        assertTrue(e.getMessage().startsWith("certfile: the certificate CN=expired,O=Corral"), e.getMessage());
        assertEquals(List.of(), created, "no worker started");
        try (ServerSocket free = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"))) {
            assertEquals(port, free.getLocalPort(), "the port was never bound");
        }
        arbiter = null;
    }

    @Test
    void workersMakeEnginesWithTheCertificateInForce() throws Exception {
        start(rotating().workers(2));
        for (ArbiterTest.FakeWorker w : created) {
            assertEquals(CERTS.server().certificate(), served(w.context));
        }
    }

    @Test
    void plainWorkersGetNoEngine() throws Exception {
        start(Config.builder().bind("127.0.0.1:0"));
        assertEquals(Optional.empty(), created.get(0).context.newTlsEngine(null));
        assertThrows(IllegalStateException.class, arbiter::reloadTls, "TLS is off");
    }

    @Test
    void reloadTlsRotatesTheCertificateForNewConnectionsAndRefusesABadOne() throws Exception {
        Arbiter a = start(rotating());
        WorkerContext context = created.get(0).context;
        SSLEngine open = handshake(context, null); // a connection open across the rotation

        TestCertificates.install(CERTS.serverRsa(), dir.resolve("cert.pem"), dir.resolve("key.pem"));
        a.reloadTls();
        assertEquals(CERTS.serverRsa().certificate(), served(context), "new connections get the new certificate");
        assertEquals(
                CERTS.server().certificate(), open.getSession().getLocalCertificates()[0], "the open one keeps its");
        assertEquals(1, created.size(), "no worker was replaced");

        Files.writeString(dir.resolve("key.pem"), "-----BEGIN PRIVATE KEY-----\nMIIB\n");
        ConfigException e = assertThrows(ConfigException.class, a::reloadTls);
        assertTrue(
                e.getMessage().startsWith("keyfile: " + dir.resolve("key.pem") + " is not valid PEM"), e.getMessage());
        assertEquals(CERTS.serverRsa().certificate(), served(context), "the certificate in force stays");
    }

    @Test
    void reloadRereadsTheCertificateFirstAndReloadsNothingIfItIsRefused() throws Exception {
        Arbiter a = start(rotating());
        TestCertificates.install(CERTS.expired(), dir.resolve("cert.pem"), dir.resolve("key.pem"));
        assertThrows(ConfigException.class, a::reload);
        assertEquals(1, created.size(), "no successor started");
        assertEquals(CERTS.server().certificate(), served(created.get(0).context));

        TestCertificates.install(CERTS.serverRsa(), dir.resolve("cert.pem"), dir.resolve("key.pem"));
        a.reload();
        assertEquals(2, created.size(), "a successor started");
        assertEquals(CERTS.serverRsa().certificate(), served(created.get(1).context));
    }

    @Test
    void theHandshakeReachesTheRequest() throws Exception {
        start(rotating().caCerts(CERTS.caPem()).certReqs(ClientAuth.REQUIRED));
        WorkerContext context = created.get(0).context;
        SSLEngine server = handshake(context, CERTS.client());

        InetSocketAddress peer = new InetSocketAddress("127.0.0.1", 40000);
        ConnectionOrigin origin = ConnectionOrigin.accept(context, peer, true);
        origin.tlsEstablished(server);
        RequestHead head = new RequestHead("GET", "/", 1, Headers.of("Host", "localhost"), -1, false, true, false);
        Request request = origin.resolve(head).toRequest(head, InputStream.nullInputStream());

        assertTrue(request.secure());
        assertEquals("https", request.scheme());
        assertEquals("TLSv1.3", request.tls().orElseThrow().protocol());
        assertEquals(Optional.of("api.corral.test"), request.tls().orElseThrow().serverName());
        assertEquals(CERTS.client().chain(), request.tls().orElseThrow().clientCertificates());
        assertEquals(
                Optional.of("CN=client,O=Corral"), request.tls().orElseThrow().clientSubject());
        assertEquals(Optional.of(server.getSession()), request.tlsSession(), "JSSE's session itself");
    }

    // ---- TLS from an SSLContext the embedder supplies (Arbiter.Builder.tls) ---------------------

    @Test
    void aSuppliedContextTurnsTlsOnForTheWorkersAndMakesTheirEngines() throws Exception {
        List<InetSocketAddress> asked = new CopyOnWriteArrayList<>();
        start(
                Config.builder().bind("127.0.0.1:0").workers(2),
                b -> b.tls(CERTS.serverContext(), (peer, p) -> {
                    asked.add(peer);
                    return p;
                }));
        for (ArbiterTest.FakeWorker w : created) {
            assertTrue(w.context.tlsEnabled(), "the settings say nothing of TLS; the context does");
            assertFalse(w.context.config().tlsEnabled());
            assertEquals(CERTS.server().certificate(), served(w.context));
        }
        assertEquals(2, asked.size(), "the configurator was asked once per engine");
        assertEquals(new InetSocketAddress("127.0.0.1", 40000), asked.get(0));
    }

    @Test
    void plainAndFileTlsWorkersSeeTheSettingsAnswer() throws Exception {
        start(Config.builder().bind("127.0.0.1:0"));
        assertFalse(created.get(0).context.tlsEnabled());
        arbiter.shutdown(Duration.ofSeconds(5));
        created.clear();
        start(rotating());
        assertTrue(created.get(0).context.tlsEnabled());
    }

    @Test
    void aSuppliedContextIsRefusedTogetherWithCertificateFiles() {
        Path cert = CERTS.server().chainPem();
        ConfigException e = assertThrows(
                ConfigException.class,
                () -> Arbiter.builder()
                        .config(CERTS.serverConfig().build())
                        .handler(r -> Response.ok("x"))
                        .workerFactory(factory(true))
                        .tls(CERTS.serverContext())
                        .build());
        assertEquals(
                "certfile: '" + cert + "' is not allowed; expected unset when Arbiter.Builder.tls(SSLContext)"
                        + " supplies TLS: the certificate comes from the SSLContext or from files, not both",
                e.getMessage());
        ConfigException keystore = assertThrows(
                ConfigException.class,
                () -> Arbiter.builder()
                        .config(Config.builder()
                                .keystore(CERTS.server().pkcs12())
                                .keystorePassword(TestCertificates.PASSWORD)
                                .build())
                        .handler(r -> Response.ok("x"))
                        .workerFactory(factory(true))
                        .tls(CERTS.serverContext())
                        .build());
        assertTrue(keystore.getMessage().startsWith("keystore: '"), keystore.getMessage());
    }

    @Test
    void aWorkerModelThatDoesNotServeTlsIsRefusedWhateverTurnsItOn() {
        ConfigException supplied = assertThrows(
                ConfigException.class,
                () -> Arbiter.builder()
                        .handler(r -> Response.ok("x"))
                        .workerFactory(factory(false))
                        .tls(CERTS.serverContext())
                        .build());
        assertEquals(
                "worker_class: 'fake' is not allowed; expected a worker model that serves TLS while TLS is on"
                        + " (Arbiter.Builder.tls): fake does not serve TLS",
                supplied.getMessage());
        ConfigException files = assertThrows(
                ConfigException.class,
                () -> Arbiter.builder()
                        .config(CERTS.serverConfig().build())
                        .handler(r -> Response.ok("x"))
                        .workerFactory(factory(false))
                        .build());
        assertTrue(files.getMessage().contains("(certfile or keystore set)"), files.getMessage());
        Arbiter plain = Arbiter.builder()
                .handler(r -> Response.ok("x"))
                .workerFactory(factory(false))
                .build(); // without TLS, such a model is fine
        plain.shutdown(Duration.ZERO);
    }

    @Test
    void reloadTlsRefusesASuppliedContextAndReloadKeepsIt() throws Exception {
        Arbiter a = start(Config.builder().bind("127.0.0.1:0"), b -> b.tls(CERTS.serverContext()));
        IllegalStateException e = assertThrows(IllegalStateException.class, a::reloadTls);
        assertTrue(
                e.getMessage().startsWith("TLS comes from the SSLContext given to Arbiter.Builder.tls, not from files"),
                e.getMessage());
        a.reload();
        assertEquals(2, created.size(), "a successor started");
        assertTrue(created.get(1).context.tlsEnabled());
        assertEquals(CERTS.server().certificate(), served(created.get(1).context));
    }
}
