package io.corral.internal.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.ConfigException;
import io.corral.TlsConfigurator;
import io.corral.testing.TestCertificates;
import io.corral.testing.TestCertificates.Credential;
import io.corral.testing.TlsLoopback;
import java.net.InetSocketAddress;
import java.security.KeyManagementException;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.Test;

/**
 * The engines of an SSLContext the embedder supplies: Corral's floor, what the {@link
 * TlsConfigurator} sees and chooses, what is kept where it leaves the context's defaults, and a
 * configurator that fails. Handshakes in memory against JDK clients.
 */
class SuppliedTlsTest {

    private static final TestCertificates CERTS = TestCertificates.shared();
    private static final InetSocketAddress PEER = new InetSocketAddress("127.0.0.1", 40001);

    /** A JDK client engine trusting the test CA, presenting {@code identity} (none if null), offering {@code alpn}. */
    private static SSLEngine client(Credential identity, String... alpn) {
        SSLEngine engine = CERTS.clientContext(identity).createSSLEngine("localhost", 443);
        engine.setUseClientMode(true);
        if (alpn.length > 0) {
            SSLParameters p = engine.getSSLParameters();
            p.setApplicationProtocols(alpn);
            engine.setSSLParameters(p);
        }
        return engine;
    }

    private static SSLEngine succeed(SSLEngine client, SSLEngine server) {
        TlsLoopback.Result r = TlsLoopback.handshake(client, server);
        assertTrue(r.succeeded(), r.toString());
        return server;
    }

    private static void fail(SSLEngine client, SSLEngine server) {
        assertFalse(TlsLoopback.handshake(client, server).succeeded(), "the handshake should have failed");
    }

    @Test
    void withoutAConfiguratorEnginesHaveCorralsFloor() {
        SuppliedTls tls = new SuppliedTls(CERTS.serverContext(), null);
        SSLEngine engine = tls.newEngine(PEER);
        assertFalse(engine.getUseClientMode());
        assertEquals(Set.of("TLSv1.3", "TLSv1.2"), Set.of(engine.getEnabledProtocols()));
        assertEquals(List.of("http/1.1"), List.of(engine.getSSLParameters().getApplicationProtocols()));
        assertFalse(engine.getNeedClientAuth() || engine.getWantClientAuth(), "no client certificate asked for");

        SSLEngine served = succeed(client(null, "h2", "http/1.1"), tls.newEngine(PEER));
        assertEquals("TLSv1.3", served.getSession().getProtocol());
        assertEquals("http/1.1", served.getApplicationProtocol());
        assertEquals(CERTS.server().certificate(), served.getSession().getLocalCertificates()[0]);
        fail(client(null, "h2"), tls.newEngine(PEER)); // an h2-only client: no_application_protocol
    }

    @Test
    void theConfiguratorSeesThePeerAndTheFloorAndWhatItSetsHolds() {
        List<InetSocketAddress> peers = new CopyOnWriteArrayList<>();
        SuppliedTls tls = new SuppliedTls(CERTS.serverContext(true), (peer, p) -> {
            peers.add(peer);
            assertEquals(Set.of("TLSv1.3", "TLSv1.2"), Set.of(p.getProtocols()));
            assertEquals(List.of("http/1.1"), List.of(p.getApplicationProtocols()));
            p.setNeedClientAuth(true);
            return p;
        });
        fail(client(null), tls.newEngine(PEER));
        SSLEngine served = succeed(client(CERTS.client()), tls.newEngine(PEER));
        assertEquals(CERTS.client().chain(), List.of(peerChain(served)));
        assertEquals(List.of(PEER, PEER), peers, "asked once per engine, with the peer");
    }

    @Test
    void theJdkIdiomOfChangedContextDefaultsKeepsTheFloorWhereItLeavesThem() throws Exception {
        SSLContext legacy = withTls11ByDefault(CERTS.serverContext());
        SuppliedTls tls = new SuppliedTls(legacy, (peer, p) -> {
            SSLParameters mine = legacy.getDefaultSSLParameters(); // as HttpsConfigurator.configure does
            mine.setWantClientAuth(true);
            return mine;
        });
        SSLEngine engine = tls.newEngine(PEER);
        assertEquals(Set.of("TLSv1.3", "TLSv1.2"), Set.of(engine.getEnabledProtocols()), "TLS 1.1 is not served");
        assertEquals(List.of("http/1.1"), List.of(engine.getSSLParameters().getApplicationProtocols()));
        assertTrue(engine.getWantClientAuth(), "what it set holds");
    }

    @Test
    void protocolsAndAlpnSetExplicitlyAreTheApplications() throws Exception {
        SSLContext legacy = withTls11ByDefault(CERTS.serverContext());
        SuppliedTls tls = new SuppliedTls(legacy, (peer, p) -> {
            p.setProtocols(new String[] {"TLSv1.2", "TLSv1.1"});
            p.setApplicationProtocols(new String[] {"http/1.1", "acme"});
            return p;
        });
        SSLEngine engine = tls.newEngine(PEER);
        assertEquals(Set.of("TLSv1.2", "TLSv1.1"), Set.of(engine.getEnabledProtocols()));
        assertEquals(
                List.of("http/1.1", "acme"), List.of(engine.getSSLParameters().getApplicationProtocols()));
        SSLEngine served = succeed(client(null), tls.newEngine(PEER));
        assertEquals("TLSv1.2", served.getSession().getProtocol());
    }

    @Test
    void aConfiguratorThatFailsRefusesThatHandshakeAndNothingElse() {
        AtomicInteger calls = new AtomicInteger();
        SuppliedTls tls = new SuppliedTls(CERTS.serverContext(), (peer, p) -> {
            switch (calls.incrementAndGet()) {
                case 1 -> throw new IllegalStateException("the application's bug");
                case 2 -> {
                    return null;
                }
                default -> {
                    return p;
                }
            }
        });
        fail(client(null), tls.newEngine(PEER)); // no exception reaches the worker: the handshake fails
        fail(client(null), tls.newEngine(PEER));
        succeed(client(null), tls.newEngine(PEER));
    }

    @Test
    void anUninitializedContextIsRefusedWithAMessageThatSaysWhatToDo() throws Exception {
        ConfigException e =
                assertThrows(ConfigException.class, () -> new SuppliedTls(SSLContext.getInstance("TLS"), null));
        assertTrue(
                e.getMessage().startsWith("Arbiter.Builder.tls: the SSLContext cannot make engines"), e.getMessage());
        assertTrue(e.getMessage().contains("SSLContext.init"), e.getMessage());
    }

    /** Returns a finished engine's peer chain. */
    private static Certificate[] peerChain(SSLEngine engine) {
        try {
            return engine.getSession().getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * Returns {@code delegate} with TLS 1.1 among its default protocols, as on a JDK configured to
     * allow it: so that leaving the defaults can be told from choosing the floor.
     */
    private static SSLContext withTls11ByDefault(SSLContext delegate) {
        String[] legacy = {"TLSv1.3", "TLSv1.2", "TLSv1.1"};
        SSLContextSpi spi = new SSLContextSpi() {
            @Override
            protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom sr)
                    throws KeyManagementException {
                delegate.init(km, tm, sr);
            }

            @Override
            protected SSLSocketFactory engineGetSocketFactory() {
                return delegate.getSocketFactory();
            }

            @Override
            protected SSLServerSocketFactory engineGetServerSocketFactory() {
                return delegate.getServerSocketFactory();
            }

            @Override
            protected SSLEngine engineCreateSSLEngine() {
                SSLEngine e = delegate.createSSLEngine();
                e.setEnabledProtocols(legacy);
                return e;
            }

            @Override
            protected SSLEngine engineCreateSSLEngine(String host, int port) {
                SSLEngine e = delegate.createSSLEngine(host, port);
                e.setEnabledProtocols(legacy);
                return e;
            }

            @Override
            protected SSLSessionContext engineGetServerSessionContext() {
                return delegate.getServerSessionContext();
            }

            @Override
            protected SSLSessionContext engineGetClientSessionContext() {
                return delegate.getClientSessionContext();
            }

            @Override
            protected SSLParameters engineGetDefaultSSLParameters() {
                SSLParameters p = delegate.getDefaultSSLParameters();
                p.setProtocols(legacy);
                return p;
            }
        };
        return new SSLContext(spi, delegate.getProvider(), "TLS") {};
    }
}
