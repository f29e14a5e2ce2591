package io.corral.testing;

import io.corral.Config;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * Certificates made at test time with the JDK's {@code keytool} (run as a process) and written as
 * the files a user would give Corral; nothing binary is committed. One set per JVM ({@link
 * #shared()}), since key generation takes seconds:
 *
 * <ul>
 *   <li>{@link #ca()}: a self-signed CA ({@code CN=Corral Test CA}), in {@link #caPem()};
 *   <li>{@link #server()}: an EC P-256 certificate for {@code localhost} and {@code 127.0.0.1}
 *       signed by the CA, and {@link #serverRsa()}, the same with an RSA 2048 key (a second,
 *       different server certificate: what a reload rotates to);
 *   <li>{@link #client()}: {@code CN=client}, signed by the CA, for mTLS;
 *   <li>{@link #stranger()}: {@code CN=stranger}, self-signed: a client the CA never signed, and
 *       a key that matches none of the others;
 *   <li>{@link #expired()} and {@link #notYetValid()}: self-signed, outside their validity now.
 * </ul>
 *
 * <p>Each {@link Credential} has its chain in PEM (own certificate first, then the CA's), its key
 * in PEM as PKCS#8, and both in a PKCS#12 file with password {@link #PASSWORD}. The other key
 * forms: {@link #serverRsaPkcs1Key()} ({@code BEGIN RSA PRIVATE KEY}), {@link #serverSec1Key()}
 * ({@code BEGIN EC PRIVATE KEY}, after an {@code EC PARAMETERS} block as {@code openssl ecparam
 * -genkey} writes it) and {@link #serverCombinedPem()} (chain and key in one file).
 *
 * <pre>{@code
 * TestCertificates certs = TestCertificates.shared();
 * Config config = certs.serverConfig().workerClass("virtual").build();     // certfile + keyfile
 * HttpClient client = HttpClient.newBuilder().sslContext(certs.clientContext()).build();
 * }</pre>
 *
 * <p>Immutable; the files live in a temporary directory deleted when the JVM exits. Tests that
 * change files (a reload) copy them first.
 */
public final class TestCertificates {

    /** The password of every PKCS#12 file here. */
    public static final String PASSWORD = "corral-test";

    /**
     * One certificate with its key, in every form a test needs.
     *
     * @param name the file name stem, such as {@code server}
     * @param chainPem the certificate chain in PEM: its own certificate first, then its CA's (if any)
     * @param keyPem the private key in PEM, PKCS#8 ({@code BEGIN PRIVATE KEY})
     * @param pkcs12 key and chain in a PKCS#12 file, password {@link #PASSWORD}, alias {@code name}
     * @param key the private key
     * @param chain the chain, its own certificate first
     */
    public record Credential(
            String name, Path chainPem, Path keyPem, Path pkcs12, PrivateKey key, List<X509Certificate> chain) {

        /** Returns its own certificate. */
        public X509Certificate certificate() {
            return chain.get(0);
        }
    }

    private final Path dir;
    private final Credential ca;
    private final Credential server;
    private final Credential serverRsa;
    private final Credential client;
    private final Credential stranger;
    private final Credential expired;
    private final Credential notYetValid;
    private final Path serverRsaPkcs1Key;
    private final Path serverSec1Key;
    private final Path serverCombinedPem;

    /** Made once, on first use, by the JVM's class initialization (thread-safe, then immutable). */
    private static final class Shared {
        static final TestCertificates INSTANCE = make();

        private static TestCertificates make() {
            try {
                Path dir = Files.createTempDirectory("corral-certs");
                Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
                return generate(dir);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Returns the set shared by every test in this JVM, made on first use (about five seconds). */
    public static TestCertificates shared() {
        return Shared.INSTANCE;
    }

    /**
     * Makes a new set in {@code dir} with {@code keytool}.
     *
     * @throws IOException if keytool fails or a file cannot be written
     */
    public static TestCertificates generate(Path dir) throws IOException {
        return new TestCertificates(dir);
    }

    private TestCertificates(Path dir) throws IOException {
        this.dir = Files.createDirectories(dir);
        this.ca = selfSigned("ca", "EC", "CN=Corral Test CA,O=Corral", "3650", null, "bc:c");
        ExecutorService pool = Executors.newFixedThreadPool(2); // keytool is a JVM each: two at a time
        try {
            Future<Credential> serverF = pool.submit(
                    () -> signed("server", "EC", "CN=localhost,O=Corral", "san=dns:localhost,ip:127.0.0.1"));
            Future<Credential> serverRsaF = pool.submit(
                    () -> signed("server-rsa", "RSA", "CN=localhost,O=Corral RSA", "san=dns:localhost,ip:127.0.0.1"));
            Future<Credential> clientF = pool.submit(() -> signed("client", "EC", "CN=client,O=Corral", null));
            Future<Credential> strangerF =
                    pool.submit(() -> selfSigned("stranger", "EC", "CN=stranger,O=Elsewhere", "365", null, null));
            Future<Credential> expiredF =
                    pool.submit(() -> selfSigned("expired", "EC", "CN=expired,O=Corral", "30", "-60d", null));
            Future<Credential> notYetF = pool.submit(
                    () -> selfSigned("not-yet-valid", "EC", "CN=not-yet-valid,O=Corral", "30", "+30d", null));
            this.server = serverF.get();
            this.serverRsa = serverRsaF.get();
            this.client = clientF.get();
            this.stranger = strangerF.get();
            this.expired = expiredF.get();
            this.notYetValid = notYetF.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while generating certificates", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } finally {
            pool.shutdownNow();
        }
        this.serverRsaPkcs1Key = write("server-rsa.pkcs1.key", pem("RSA PRIVATE KEY", pkcs1(serverRsa.key())));
        this.serverSec1Key = write(
                "server.sec1.key",
                pem("EC PARAMETERS", ecCurveOid(server.key())) + pem("EC PRIVATE KEY", sec1(server.key())));
        this.serverCombinedPem =
                write("server.combined.pem", Files.readString(server.chainPem()) + Files.readString(server.keyPem()));
    }

    /** Returns the directory the files are in. */
    public Path dir() {
        return dir;
    }

    /** Returns the CA that signs {@link #server()}, {@link #serverRsa()} and {@link #client()}. */
    public Credential ca() {
        return ca;
    }

    /** Returns the CA's certificate in PEM: what {@code ca_certs} names for mTLS. */
    public Path caPem() {
        return ca.chainPem();
    }

    /** Returns an EC certificate for {@code localhost} and {@code 127.0.0.1}, signed by the CA. */
    public Credential server() {
        return server;
    }

    /** Returns an RSA certificate for {@code localhost} and {@code 127.0.0.1}, signed by the CA. */
    public Credential serverRsa() {
        return serverRsa;
    }

    /** Returns a client certificate ({@code CN=client}) signed by the CA. */
    public Credential client() {
        return client;
    }

    /** Returns a self-signed certificate ({@code CN=stranger}) that the CA did not sign. */
    public Credential stranger() {
        return stranger;
    }

    /** Returns a self-signed certificate whose validity ended 30 days ago. */
    public Credential expired() {
        return expired;
    }

    /** Returns a self-signed certificate valid from 30 days hence. */
    public Credential notYetValid() {
        return notYetValid;
    }

    /** Returns {@link #serverRsa()}'s key as PKCS#1 PEM ({@code BEGIN RSA PRIVATE KEY}). */
    public Path serverRsaPkcs1Key() {
        return serverRsaPkcs1Key;
    }

    /** Returns {@link #server()}'s key as SEC1 PEM ({@code BEGIN EC PRIVATE KEY}), after {@code EC PARAMETERS}. */
    public Path serverSec1Key() {
        return serverSec1Key;
    }

    /** Returns {@link #server()}'s chain and key in one PEM file, as {@code certfile} with no {@code keyfile}. */
    public Path serverCombinedPem() {
        return serverCombinedPem;
    }

    /** Returns a builder with {@code certfile} and {@code keyfile} set to {@link #server()}'s, bound to port 0. */
    public Config.Builder serverConfig() {
        return Config.builder().bind("127.0.0.1:0").certfile(server.chainPem()).keyfile(server.keyPem());
    }

    /**
     * Returns a server context that presents {@link #server()} and trusts nothing: what an embedder
     * gives {@code Arbiter.Builder.tls} or a JDK {@code HttpsConfigurator}.
     */
    public SSLContext serverContext() {
        return serverContext(false);
    }

    /**
     * Returns a server context that presents {@link #server()} and, if {@code trustCa}, verifies
     * client certificates against the CA (for mTLS).
     */
    public SSLContext serverContext(boolean trustCa) {
        try {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry(
                    server.name(),
                    server.key(),
                    PASSWORD.toCharArray(),
                    server.chain().toArray(new Certificate[0]));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
            kmf.init(keys, PASSWORD.toCharArray());
            TrustManagerFactory tmf = null;
            if (trustCa) {
                KeyStore trust = KeyStore.getInstance("PKCS12");
                trust.load(null, null);
                trust.setCertificateEntry("ca", ca.certificate());
                tmf = TrustManagerFactory.getInstance("PKIX");
                tmf.init(trust);
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf.getKeyManagers(), tmf == null ? null : tmf.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Returns a client context that trusts the CA and presents no certificate. */
    public SSLContext clientContext() {
        return clientContext(null);
    }

    /** Returns a client context that trusts the CA and presents {@code identity} (none if null). */
    public SSLContext clientContext(Credential identity) {
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("ca", ca.certificate());
            TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
            tmf.init(trust);
            KeyManagerFactory kmf = null;
            if (identity != null) {
                KeyStore keys = KeyStore.getInstance("PKCS12");
                keys.load(null, null);
                keys.setKeyEntry(
                        identity.name(),
                        identity.key(),
                        PASSWORD.toCharArray(),
                        identity.chain().toArray(new Certificate[0]));
                kmf = KeyManagerFactory.getInstance("PKIX");
                kmf.init(keys, PASSWORD.toCharArray());
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Returns a client context that trusts the CA and presents {@code identity} whatever the server
     * asks for. A JDK client presents only a certificate whose issuer the server names in its
     * request (so never {@link #stranger()} to a server that trusts the CA); this one always does,
     * as a hostile or misconfigured client may.
     */
    public SSLContext clientContextAlwaysPresenting(Credential identity) {
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("ca", ca.certificate());
            TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
            tmf.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(new KeyManager[] {new Presenting(identity)}, tmf.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A client key manager that offers one identity to every server. */
    private static final class Presenting extends X509ExtendedKeyManager {
        private final Credential identity;

        Presenting(Credential identity) {
            this.identity = identity;
        }

        @Override
        public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
            return identity.name();
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return identity.name();
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return new String[] {identity.name()};
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return null;
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return identity.chain().toArray(new X509Certificate[0]);
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return identity.key();
        }
    }

    /**
     * Copies {@code from}'s chain and key to {@code chain} and {@code key} (replacing them, as a
     * certificate rotation does), for tests that reload.
     */
    public static void install(Credential from, Path chain, Path key) throws IOException {
        Files.copy(from.chainPem(), chain, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(from.keyPem(), key, StandardCopyOption.REPLACE_EXISTING);
    }

    // ---- generation --------------------------------------------------------------------------

    private Credential selfSigned(String name, String keyAlg, String dname, String days, String startDate, String ext)
            throws IOException {
        Path p12 = dir.resolve(name + ".keytool.p12");
        List<String> args = new ArrayList<>(genkeypair(p12, name, keyAlg, dname, days));
        if (startDate != null) {
            args.add("-startdate");
            args.add(startDate);
        }
        if (ext != null) {
            args.add("-ext");
            args.add(ext);
        }
        keytool(args);
        KeyStore store = load(p12);
        try {
            X509Certificate cert = (X509Certificate) store.getCertificate(name);
            return credential(name, key(store, name), List.of(cert));
        } catch (GeneralSecurityException e) {
            throw new IOException(e);
        }
    }

    private Credential signed(String name, String keyAlg, String dname, String ext) throws IOException {
        Path p12 = dir.resolve(name + ".keytool.p12");
        Path csr = dir.resolve(name + ".csr");
        Path crt = dir.resolve(name + ".keytool.crt");
        keytool(genkeypair(p12, name, keyAlg, dname, "365"));
        keytool(List.of(
                "-certreq",
                "-keystore",
                p12.toString(),
                "-storepass",
                PASSWORD,
                "-alias",
                name,
                "-file",
                csr.toString()));
        List<String> gencert = new ArrayList<>(List.of(
                "-gencert",
                "-keystore",
                ca.pkcs12().toString(),
                "-storepass",
                PASSWORD,
                "-alias",
                "ca",
                "-infile",
                csr.toString(),
                "-outfile",
                crt.toString(),
                "-rfc",
                "-validity",
                "365"));
        if (ext != null) {
            gencert.add("-ext");
            gencert.add(ext);
        }
        keytool(gencert);
        X509Certificate cert;
        try (InputStream in = Files.newInputStream(crt)) {
            cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        } catch (GeneralSecurityException e) {
            throw new IOException(e);
        }
        return credential(name, key(load(p12), name), List.of(cert, ca.certificate()));
    }

    private static List<String> genkeypair(Path p12, String alias, String keyAlg, String dname, String days) {
        List<String> args = new ArrayList<>(List.of(
                "-genkeypair",
                "-keystore",
                p12.toString(),
                "-storetype",
                "PKCS12",
                "-storepass",
                PASSWORD,
                "-alias",
                alias,
                "-dname",
                dname,
                "-validity",
                days,
                "-keyalg",
                keyAlg));
        if (keyAlg.equals("EC")) {
            args.addAll(List.of("-groupname", "secp256r1"));
        } else {
            args.addAll(List.of("-keysize", "2048"));
        }
        return args;
    }

    /** Writes the PEM files and a PKCS#12 with the whole chain. */
    private Credential credential(String name, PrivateKey key, List<X509Certificate> chain) throws IOException {
        StringBuilder chainText = new StringBuilder();
        for (X509Certificate c : chain) {
            try {
                chainText.append(pem("CERTIFICATE", c.getEncoded()));
            } catch (GeneralSecurityException e) {
                throw new IOException(e);
            }
        }
        Path chainPem = write(name + ".crt", chainText.toString());
        Path keyPem = write(name + ".key", pem("PRIVATE KEY", key.getEncoded()));
        Path p12 = dir.resolve(name + ".p12");
        try (OutputStream out = Files.newOutputStream(p12)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry(name, key, PASSWORD.toCharArray(), chain.toArray(new Certificate[0]));
            store.store(out, PASSWORD.toCharArray());
        } catch (GeneralSecurityException e) {
            throw new IOException(e);
        }
        return new Credential(name, chainPem, keyPem, p12, key, List.copyOf(chain));
    }

    private static KeyStore load(Path p12) throws IOException {
        try (InputStream in = Files.newInputStream(p12)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, PASSWORD.toCharArray());
            return store;
        } catch (GeneralSecurityException e) {
            throw new IOException(e);
        }
    }

    private static PrivateKey key(KeyStore store, String alias) throws IOException {
        try {
            return (PrivateKey) store.getKey(alias, PASSWORD.toCharArray());
        } catch (GeneralSecurityException e) {
            throw new IOException(e);
        }
    }

    private static void keytool(List<String> args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(args);
        command.add("-noprompt");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] output = p.getInputStream().readAllBytes();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("keytool failed: " + String.join(" ", args) + "\n"
                        + new String(output, StandardCharsets.UTF_8));
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted waiting for keytool", e);
        }
    }

    private Path write(String file, String text) throws IOException {
        return Files.writeString(dir.resolve(file), text, StandardCharsets.US_ASCII);
    }

    /** Returns {@code der} as a PEM block with {@code label}, 64 characters a line. */
    public static String pem(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + label + "-----\n";
    }

    // ---- the DER re-wrapping that PKCS#1 and SEC1 keys need --------------------------------------

    /** Returns the PKCS#1 {@code RSAPrivateKey} inside an RSA key's PKCS#8 encoding. */
    static byte[] pkcs1(PrivateKey rsa) {
        byte[][] info = children(rsa.getEncoded()); // version, algorithm, privateKey
        return content(info[2]);
    }

    /** Returns the curve's object identifier (its full encoding) from an EC key's PKCS#8 encoding. */
    static byte[] ecCurveOid(PrivateKey ec) {
        byte[][] info = children(ec.getEncoded());
        return children(info[1])[1];
    }

    /**
     * Returns a SEC1 {@code ECPrivateKey} as OpenSSL writes it: version, the private key and the
     * named curve in {@code [0]} (the PKCS#8 form leaves the curve to its algorithm identifier).
     */
    static byte[] sec1(PrivateKey ec) {
        byte[][] info = children(ec.getEncoded());
        byte[][] inner = children(content(info[2])); // version, privateKey, optional [1] publicKey
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(inner[0]);
        body.writeBytes(inner[1]);
        body.writeBytes(tlv(0xA0, ecCurveOid(ec)));
        for (int i = 2; i < inner.length; i++) {
            if ((inner[i][0] & 0xff) == 0xA1) {
                body.writeBytes(inner[i]);
            }
        }
        return tlv(0x30, body.toByteArray());
    }

    /** Returns the elements (whole encodings) inside the constructed element {@code der}. */
    private static byte[][] children(byte[] der) {
        int[] header = header(der, 0);
        List<byte[]> out = new ArrayList<>();
        int pos = header[0];
        int end = header[0] + header[1];
        while (pos < end) {
            int[] h = header(der, pos);
            int total = h[0] - pos + h[1];
            byte[] e = new byte[total];
            System.arraycopy(der, pos, e, 0, total);
            out.add(e);
            pos += total;
        }
        return out.toArray(new byte[0][]);
    }

    /** Returns the content of the element {@code der}. */
    private static byte[] content(byte[] der) {
        int[] h = header(der, 0);
        byte[] c = new byte[h[1]];
        System.arraycopy(der, h[0], c, 0, h[1]);
        return c;
    }

    /** Returns {content start, content length} of the element at {@code pos}. */
    private static int[] header(byte[] der, int pos) {
        int first = der[pos + 1] & 0xff;
        if (first < 0x80) {
            return new int[] {pos + 2, first};
        }
        int n = first & 0x7f;
        int length = 0;
        for (int i = 0; i < n; i++) {
            length = (length << 8) | (der[pos + 2 + i] & 0xff);
        }
        return new int[] {pos + 2 + n, length};
    }

    private static byte[] tlv(int tag, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        int n = content.length;
        if (n < 0x80) {
            out.write(n);
        } else if (n < 0x100) {
            out.write(0x81);
            out.write(n);
        } else {
            out.write(0x82);
            out.write(n >> 8);
            out.write(n);
        }
        out.writeBytes(content);
        return out.toByteArray();
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary directory; the OS cleans it eventually
        }
    }
}
