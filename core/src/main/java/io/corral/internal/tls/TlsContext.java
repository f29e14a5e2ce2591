package io.corral.internal.tls;

import io.corral.ClientAuth;
import io.corral.Config;
import io.corral.ConfigException;
import io.corral.Setting;
import io.corral.http.TlsInfo;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.StandardConstants;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The server side of TLS as the settings describe it, ready to make one {@link SSLEngine} per
 * connection: the key and certificate chain ({@code certfile} and {@code keyfile}, or {@code
 * keystore}), TLS 1.3 and 1.2 only, ALPN offering {@code http/1.1} only, client certificates per
 * {@code cert_reqs} checked against {@code ca_certs}, and the {@code ciphers} in order of preference.
 *
 * <pre>{@code
 * Optional<TlsContext> tls = TlsContext.load(config);        // at start: reads and checks the files
 * SSLEngine engine = tls.get().newEngine(peer);               // per accepted connection
 * // ... the engine's handshake ...
 * origin.tlsEstablished(engine);                              // the facts the Request carries (TlsContext.info)
 * }</pre>
 *
 * <p>{@link #load} reads every file and checks it (missing, unreadable, not PEM, expired, key not
 * matching the certificate, wrong keystore password), then runs one handshake in memory against
 * itself, so that a certificate no client could use (a cipher list that fits no suite of its key,
 * say) fails the start with a {@link ConfigException} rather than every handshake after it.
 *
 * <p>A client that offers ALPN without {@code http/1.1} (an {@code h2}-only client) fails the
 * handshake with a {@code no_application_protocol} alert; one that offers no ALPN is served
 * HTTP/1.1. SNI is never refused: any host name is accepted, and {@link #info} reports the one the
 * client asked for.
 *
 * <p>Immutable and thread-safe: {@link #newEngine} may be called from any thread at once, takes no
 * lock and does no I/O. Each engine keeps the certificate it was made with; {@link TlsReloader}
 * replaces the context, not the engines.
 */
public final class TlsContext {

    /** The only protocols offered, the newest first. */
    public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    /** The one application protocol offered through ALPN. */
    public static final String HTTP_1_1 = "http/1.1";

    private final SSLContext context;
    private final ClientAuth clientAuth;
    private final List<String> cipherSuites; // empty: the JDK's defaults
    private final List<X509Certificate> chain;
    private final Setting source;

    private TlsContext(
            SSLContext context,
            ClientAuth clientAuth,
            List<String> cipherSuites,
            List<X509Certificate> chain,
            Setting source) {
        this.context = context;
        this.clientAuth = clientAuth;
        this.cipherSuites = cipherSuites;
        this.chain = chain;
        this.source = source;
    }

    /**
     * Reads and checks the files that {@code config} names and returns the context; empty when TLS
     * is off ({@link Config#tlsEnabled()}). Blocking file I/O.
     *
     * @throws ConfigException naming the setting, the file and the problem
     */
    public static Optional<TlsContext> load(Config config) {
        if (!config.tlsEnabled()) {
            return Optional.empty();
        }
        Credentials credentials = Credentials.read(config, Instant.now());
        SSLContext context;
        try {
            TrustManager[] trust = new TrustManager[0];
            if (!credentials.trusted.isEmpty()) {
                KeyStore cas = KeyStore.getInstance("PKCS12");
                cas.load(null, null);
                for (int i = 0; i < credentials.trusted.size(); i++) {
                    cas.setCertificateEntry("ca-" + (i + 1), credentials.trusted.get(i));
                }
                TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
                tmf.init(cas);
                trust = tmf.getTrustManagers();
            }
            context = SSLContext.getInstance("TLS");
            context.init(keyManagers(credentials.keyStore, credentials.password), trust, null);
        } catch (GeneralSecurityException | IOException e) {
            throw new ConfigException(
                    credentials.source, "the JDK cannot make a TLS context of these files: " + e.getMessage());
        }
        TlsContext tls = new TlsContext(
                context, config.certReqs(), config.ciphers(), credentials.chains.get(0), credentials.source);
        List<X509Certificate> leaves = new ArrayList<>();
        for (List<X509Certificate> c : credentials.chains) {
            leaves.add(c.get(0));
        }
        tls.selfCheck(leaves);
        return Optional.of(tls);
    }

    /**
     * The key managers for {@code store}: the JDK's {@code SunX509}, which reads each private key
     * once, when it is made. (The {@code PKIX} one reads the key from the store at every handshake,
     * and a PKCS#12 store, which both the {@code keystore} setting and the in-memory store of a PEM
     * {@code keyfile} are, decrypts it each time with PBKDF2 over thousands of iterations: that
     * doubled a full handshake's CPU, 8.2 ms against Netty's 3.9 ms. What {@code PKIX} adds is a
     * ranking of several certificates by validity and SNI; the server has one certificate per key.)
     */
    static KeyManager[] keyManagers(KeyStore store, char[] password) throws GeneralSecurityException {
        KeyManagerFactory keys = KeyManagerFactory.getInstance("SunX509");
        keys.init(store, password);
        return keys.getKeyManagers();
    }

    /**
     * Returns a new server-mode engine for a connection from {@code peer}: TLS 1.3 and 1.2, ALPN
     * {@code http/1.1}, client authentication per {@code cert_reqs}, the configured cipher suites.
     * The handshake has not begun. Thread-safe, lock-free, no I/O.
     *
     * @param peer the TCP peer, a hint for the engine's session cache; may be null
     */
    public SSLEngine newEngine(InetSocketAddress peer) {
        SSLEngine engine = serverEngine(context, peer);
        engine.setSSLParameters(parameters());
        return engine;
    }

    /** The parameters of every engine; a fresh object each time, as {@link SSLParameters} is mutable. */
    private SSLParameters parameters() {
        SSLParameters p = floor(context);
        if (!cipherSuites.isEmpty()) {
            p.setCipherSuites(cipherSuites.toArray(new String[0]));
        }
        switch (clientAuth) {
            case REQUIRED -> p.setNeedClientAuth(true);
            case OPTIONAL -> p.setWantClientAuth(true);
            case NONE -> p.setNeedClientAuth(false);
        }
        return p;
    }

    /**
     * Returns Corral's floor for a server engine of {@code context}, a fresh object: the context's
     * defaults with TLS 1.3 and 1.2 only, ALPN {@code http/1.1} only, the server's cipher-suite
     * order, every SNI host name accepted, and no client certificate asked for. Engines made from
     * files add {@code ciphers} and {@code cert_reqs}; those of an SSLContext the embedder supplied
     * ({@link SuppliedTls}) start from it.
     */
    static SSLParameters floor(SSLContext context) {
        SSLParameters p = context.getDefaultSSLParameters();
        p.setProtocols(PROTOCOLS.toArray(new String[0]));
        p.setUseCipherSuitesOrder(true); // the server's order of preference, not the client's
        p.setApplicationProtocols(new String[] {HTTP_1_1});
        p.setSNIMatchers(List.of()); // no matcher: every host name a client asks for is accepted
        p.setNeedClientAuth(false); // clears want too
        return p;
    }

    /** Returns a new server-mode engine of {@code context} for {@code peer} (may be null), not yet configured. */
    static SSLEngine serverEngine(SSLContext context, InetSocketAddress peer) {
        SSLEngine engine = peer == null
                ? context.createSSLEngine()
                : context.createSSLEngine(peer.getHostString(), peer.getPort());
        engine.setUseClientMode(false);
        return engine;
    }

    /** Returns the certificate served: the leaf of {@code certfile}, or of the keystore's first key. */
    public X509Certificate certificate() {
        return chain.get(0);
    }

    /** Returns the chain served with {@link #certificate()}, the server's own certificate first. */
    public List<X509Certificate> certificateChain() {
        return chain;
    }

    /** Returns whether client certificates are asked for ({@code cert_reqs}). */
    public ClientAuth clientAuth() {
        return clientAuth;
    }

    /** Returns a one-line description for logs: the subject, the expiry and the setting it came from. */
    public String describe() {
        X509Certificate c = certificate();
        return Credentials.subject(c) + " (valid until " + c.getNotAfter().toInstant() + ", from " + source.key() + ")";
    }

    /**
     * Returns what the handshake of {@code engine} settled, for {@link
     * io.corral.internal.server.ConnectionOrigin#tlsEstablished}: the protocol, the cipher suite,
     * the SNI host name, the ALPN protocol and the verified client chain. Call it once the handshake
     * has finished.
     *
     * @throws IllegalStateException if the handshake has not finished
     */
    public static TlsInfo info(SSLEngine engine) {
        String alpn = engine.getApplicationProtocol();
        if (alpn == null) {
            throw new IllegalStateException("the TLS handshake has not finished");
        }
        return info(engine.getSession(), alpn);
    }

    /**
     * Returns what a finished handshake settled, from its session and the ALPN protocol agreed
     * ({@code ""} or null if none).
     */
    public static TlsInfo info(SSLSession session, String applicationProtocol) {
        Optional<String> serverName = Optional.empty();
        if (session instanceof ExtendedSSLSession extended) {
            for (SNIServerName name : extended.getRequestedServerNames()) {
                if (name.getType() == StandardConstants.SNI_HOST_NAME) {
                    serverName = Optional.of(
                            name instanceof SNIHostName host
                                    ? host.getAsciiName()
                                    : new SNIHostName(name.getEncoded()).getAsciiName());
                }
            }
        }
        List<X509Certificate> clientChain = new ArrayList<>();
        try {
            for (Certificate c : session.getPeerCertificates()) {
                if (c instanceof X509Certificate x) {
                    clientChain.add(x);
                }
            }
        } catch (SSLPeerUnverifiedException e) {
            // no client certificate: none was asked for, or an optional one was not sent
        }
        return new TlsInfo(
                session.getProtocol(),
                session.getCipherSuite(),
                serverName,
                applicationProtocol == null || applicationProtocol.isEmpty()
                        ? Optional.empty()
                        : Optional.of(applicationProtocol),
                clientChain);
    }

    /**
     * Proves the context can serve: one handshake in memory with a client that trusts exactly the
     * certificates it may serve ({@code leaves}) and offers what a JDK client offers (restricted to
     * the configured suites).
     */
    private void selfCheck(List<X509Certificate> leaves) {
        SSLEngine server = newEngine(null);
        server.setNeedClientAuth(false); // the check is about the server's own certificate
        SSLEngine client;
        try {
            SSLContext clientContext = SSLContext.getInstance("TLS");
            clientContext.init(null, new TrustManager[] {new ExactTrust(leaves)}, null);
            client = clientContext.createSSLEngine();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot make a TLS client context", e);
        }
        client.setUseClientMode(true);
        client.setEnabledProtocols(PROTOCOLS.toArray(new String[0]));
        if (!cipherSuites.isEmpty()) {
            client.setEnabledCipherSuites(cipherSuites.toArray(new String[0]));
        }
        SSLException failure = Loopback.handshake(client, server);
        if (failure != null) {
            X509Certificate c = certificate();
            throw new ConfigException(
                    cipherSuites.isEmpty() ? source : Setting.CIPHERS,
                    "no TLS 1.3 or 1.2 client could connect with the certificate " + Credentials.subject(c) + " ("
                            + c.getPublicKey().getAlgorithm() + " key)"
                            + (cipherSuites.isEmpty() ? "" : " and the cipher suites " + String.join(":", cipherSuites))
                            + ": " + failure.getMessage());
        }
    }

    /** The self-check's client: trusts the certificates the server is meant to serve, nothing else. */
    private static final class ExactTrust extends X509ExtendedTrustManager {
        private final List<X509Certificate> expected;

        ExactTrust(List<X509Certificate> expected) {
            this.expected = expected;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            if (chain.length == 0 || !expected.contains(chain[0])) {
                throw new CertificateException("the server did not present the configured certificate");
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("a client-side trust manager");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            checkClientTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            checkClientTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
