package io.corral.internal.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.ClientAuth;
import io.corral.Config;
import io.corral.ConfigException;
import io.corral.Setting;
import io.corral.http.TlsInfo;
import io.corral.testing.TestCertificates;
import io.corral.testing.TestCertificates.Credential;
import io.corral.testing.TlsLoopback;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** What the engines a {@link TlsContext} makes accept and refuse, driven by a JDK client in memory. */
class TlsContextTest {

    private static final TestCertificates CERTS = TestCertificates.shared();

    private static TlsContext load(Config.Builder config) {
        return TlsContext.load(config.build()).orElseThrow();
    }

    private static TlsContext server() {
        return load(CERTS.serverConfig());
    }

    /** A JDK client engine trusting the test CA, presenting {@code identity} (none if null). */
    private static SSLEngine client(Credential identity) {
        SSLContext context = CERTS.clientContext(identity);
        SSLEngine engine = context.createSSLEngine("localhost", 443);
        engine.setUseClientMode(true);
        return engine;
    }

    private static SSLEngine client(Credential identity, Consumer<SSLParameters> tune) {
        SSLEngine engine = client(identity);
        SSLParameters p = engine.getSSLParameters();
        tune.accept(p);
        engine.setSSLParameters(p);
        return engine;
    }

    private static TlsInfo succeed(SSLEngine client, TlsContext server) {
        SSLEngine engine = server.newEngine(null);
        TlsLoopback.Result r = TlsLoopback.handshake(client, engine);
        assertTrue(r.succeeded(), r.toString());
        return TlsContext.info(engine);
    }

    private static TlsLoopback.Result fail(SSLEngine client, TlsContext server) {
        TlsLoopback.Result r = TlsLoopback.handshake(client, server.newEngine(null));
        assertFalse(r.succeeded(), "the handshake should have failed");
        assertTrue(r.serverFailure().isPresent() || r.clientFailure().isPresent(), r.toString());
        return r;
    }

    // ---- protocols and ALPN -------------------------------------------------------------------

    @Test
    void handshakesWithTls13AndServesTheConfiguredChain() throws Exception {
        SSLEngine client = client(null);
        TlsInfo info = succeed(client, server());
        assertEquals("TLSv1.3", info.protocol());
        assertEquals(CERTS.server().certificate(), client.getSession().getPeerCertificates()[0]);
        assertEquals(2, client.getSession().getPeerCertificates().length, "the chain includes the CA");
        assertEquals(Optional.empty(), info.applicationProtocol(), "the client offered no ALPN");
        assertEquals(List.of(), info.clientCertificates());
    }

    @Test
    void handshakesWithTls12WithAClientLimitedToIt() {
        TlsInfo info = succeed(client(null, p -> p.setProtocols(new String[] {"TLSv1.2"})), server());
        assertEquals("TLSv1.2", info.protocol());
        assertTrue(info.cipherSuite().startsWith("TLS_ECDHE_ECDSA_"), info.cipherSuite());
    }

    @Test
    void enablesOnlyTls13And12() {
        SSLEngine engine = server().newEngine(null);
        assertArrayEquals(new String[] {"TLSv1.3", "TLSv1.2"}, engine.getEnabledProtocols());
        assertFalse(engine.getUseClientMode());
    }

    @Test
    void refusesAClientThatSpeaksNothingNewerThanTls11() {
        // the JDK client refuses to offer TLS 1.1 itself (jdk.tls.disabledAlgorithms); that the server
        // refuses it too, when the JDK would allow it, is TlsProtocolFloorTest's job
        fail(client(null, p -> p.setProtocols(new String[] {"TLSv1.1"})), server());
    }

    @Test
    void agreesOnHttp11ThroughAlpn() {
        TlsInfo info = succeed(client(null, p -> p.setApplicationProtocols(new String[] {"h2", "http/1.1"})), server());
        assertEquals(Optional.of("http/1.1"), info.applicationProtocol());
    }

    @Test
    void failsTheHandshakeOfAnH2OnlyClient() {
        TlsLoopback.Result r = fail(client(null, p -> p.setApplicationProtocols(new String[] {"h2"})), server());
        assertTrue(r.serverFailure().isPresent(), "the server refuses it: " + r);
        assertTrue(
                r.clientFailure().orElseThrow().getMessage().contains("no_application_protocol"),
                "the client hears why: " + r);
    }

    @Test
    void acceptsAnySniHostNameAndReportsIt() {
        for (String name : List.of("localhost", "unknown.example")) {
            TlsInfo info = succeed(client(null, p -> p.setServerNames(List.of(new SNIHostName(name)))), server());
            assertEquals(Optional.of(name), info.serverName(), name);
        }
    }

    @Test
    void infoNeedsAFinishedHandshake() {
        assertThrows(IllegalStateException.class, () -> TlsContext.info(server().newEngine(null)));
    }

    // ---- client certificates ------------------------------------------------------------------

    private static TlsContext withClientAuth(ClientAuth auth) {
        return load(CERTS.serverConfig().caCerts(CERTS.caPem()).certReqs(auth));
    }

    @Test
    void requiredClientAuthRefusesAClientWithoutACertificate() {
        TlsContext tls = withClientAuth(ClientAuth.REQUIRED);
        TlsLoopback.Result r = fail(client(null), tls);
        assertTrue(r.serverFailure().isPresent(), r.toString());
    }

    @Test
    void requiredClientAuthRefusesACertificateTheCaDidNotSign() {
        fail(client(CERTS.stranger()), withClientAuth(ClientAuth.REQUIRED));
    }

    @Test
    void requiredClientAuthAcceptsACertificateTheCaSignedAndExposesTheChain() {
        TlsInfo info = succeed(client(CERTS.client()), withClientAuth(ClientAuth.REQUIRED));
        assertEquals(CERTS.client().chain(), info.clientCertificates());
        assertEquals(Optional.of("CN=client,O=Corral"), info.clientSubject());
    }

    @Test
    void requiredClientAuthHoldsForTls12Too() {
        TlsContext tls = withClientAuth(ClientAuth.REQUIRED);
        fail(client(null, p -> p.setProtocols(new String[] {"TLSv1.2"})), tls);
        TlsInfo info = succeed(client(CERTS.client(), p -> p.setProtocols(new String[] {"TLSv1.2"})), tls);
        assertEquals("TLSv1.2", info.protocol());
        assertEquals(CERTS.client().certificate(), info.clientCertificate().orElseThrow());
    }

    @Test
    void optionalClientAuthAcceptsAClientWithoutACertificate() {
        TlsInfo info = succeed(client(null), withClientAuth(ClientAuth.OPTIONAL));
        assertEquals(List.of(), info.clientCertificates());
    }

    @Test
    void optionalClientAuthVerifiesACertificateThatIsSent() {
        TlsContext tls = withClientAuth(ClientAuth.OPTIONAL);
        assertEquals(
                CERTS.client().chain(), succeed(client(CERTS.client()), tls).clientCertificates());
        // a JDK client keeps a certificate the server's CAs did not sign to itself: no certificate
        assertEquals(List.of(), succeed(client(CERTS.stranger()), tls).clientCertificates());
        // one that sends it anyway is refused
        TlsLoopback.Result r = fail(insistingClient(CERTS.stranger()), tls);
        assertTrue(r.serverFailure().isPresent(), r.toString());
    }

    @Test
    void requiredClientAuthRefusesAnUnsignedCertificateSentAnyway() {
        TlsLoopback.Result r = fail(insistingClient(CERTS.stranger()), withClientAuth(ClientAuth.REQUIRED));
        assertTrue(r.serverFailure().isPresent(), r.toString());
        succeed(insistingClient(CERTS.client()), withClientAuth(ClientAuth.REQUIRED));
    }

    /** A client that presents {@code identity} whatever CAs the server names. */
    private static SSLEngine insistingClient(Credential identity) {
        SSLEngine engine = CERTS.clientContextAlwaysPresenting(identity).createSSLEngine("localhost", 443);
        engine.setUseClientMode(true);
        return engine;
    }

    @Test
    void noClientAuthAsksForNoCertificate() {
        TlsInfo info = succeed(client(CERTS.client()), server());
        assertEquals(List.of(), info.clientCertificates());
        assertEquals(ClientAuth.NONE, server().clientAuth());
    }

    // ---- cipher suites ------------------------------------------------------------------------

    @Test
    void usesOnlyTheConfiguredSuites() {
        TlsContext tls12 = load(CERTS.serverConfig().ciphers("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"));
        TlsInfo info = succeed(client(null), tls12);
        assertEquals("TLSv1.2", info.protocol(), "no TLS 1.3 suite configured");
        assertEquals("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", info.cipherSuite());

        TlsContext tls13 = load(CERTS.serverConfig().ciphers("TLS_AES_128_GCM_SHA256"));
        info = succeed(client(null), tls13);
        assertEquals("TLSv1.3", info.protocol());
        assertEquals("TLS_AES_128_GCM_SHA256", info.cipherSuite());
    }

    @Test
    void prefersTheServersOrderOfSuites() {
        // the JDK client lists TLS_AES_256_GCM_SHA384 first; the server's order wins
        TlsContext tls = load(CERTS.serverConfig().ciphers("TLS_CHACHA20_POLY1305_SHA256, TLS_AES_256_GCM_SHA384"));
        assertEquals("TLS_CHACHA20_POLY1305_SHA256", succeed(client(null), tls).cipherSuite());
    }

    @Test
    void refusesSuitesThatNoHandshakeWithTheKeyCanUse() {
        // an RSA certificate with only ECDSA suites: every TLS 1.2 client would fail, so the start does
        ConfigException e = assertThrows(
                ConfigException.class,
                () -> load(Config.builder()
                        .certfile(CERTS.serverRsa().chainPem())
                        .keyfile(CERTS.serverRsa().keyPem())
                        .ciphers("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256")));
        assertEquals(Optional.of(Setting.CIPHERS), e.setting());
        assertTrue(
                e.getMessage()
                        .startsWith("ciphers: no TLS 1.3 or 1.2 client could connect with the certificate"
                                + " CN=localhost,O=Corral RSA (RSA key) and the cipher suites"
                                + " TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: "),
                e.getMessage());
    }

    // ---- key and certificate forms ------------------------------------------------------------

    static Stream<Arguments> keyForms() {
        return Stream.of(
                Arguments.of(
                        "PKCS#8 EC", CERTS.server().chainPem(), CERTS.server().keyPem(), CERTS.server()),
                Arguments.of(
                        "PKCS#8 RSA",
                        CERTS.serverRsa().chainPem(),
                        CERTS.serverRsa().keyPem(),
                        CERTS.serverRsa()),
                Arguments.of("PKCS#1 RSA", CERTS.serverRsa().chainPem(), CERTS.serverRsaPkcs1Key(), CERTS.serverRsa()),
                Arguments.of("SEC1 EC", CERTS.server().chainPem(), CERTS.serverSec1Key(), CERTS.server()),
                Arguments.of("key in certfile", CERTS.serverCombinedPem(), null, CERTS.server()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("keyForms")
    void readsEveryKeyForm(String form, Path certfile, Path keyfile, Credential expected) throws Exception {
        Config.Builder b = Config.builder().certfile(certfile);
        if (keyfile != null) {
            b.keyfile(keyfile);
        }
        TlsContext tls = load(b);
        assertEquals(expected.certificate(), tls.certificate());
        SSLEngine client = client(null);
        succeed(client, tls);
        assertEquals(expected.certificate(), client.getSession().getPeerCertificates()[0], form);
    }

    @Test
    void readsAPkcs12Keystore() throws Exception {
        TlsContext tls =
                load(Config.builder().keystore(CERTS.serverRsa().pkcs12()).keystorePassword(TestCertificates.PASSWORD));
        assertEquals(CERTS.serverRsa().chain(), tls.certificateChain());
        SSLEngine client = client(null);
        succeed(client, tls);
        assertEquals(CERTS.serverRsa().certificate(), client.getSession().getPeerCertificates()[0]);
    }

    @Test
    void isEmptyWhenTlsIsOff() {
        assertEquals(Optional.empty(), TlsContext.load(Config.defaults()));
    }

    @Test
    void describesTheCertificateServed() {
        X509Certificate c = CERTS.server().certificate();
        assertEquals(
                "CN=localhost,O=Corral (valid until " + c.getNotAfter().toInstant() + ", from certfile)",
                server().describe());
    }
}
