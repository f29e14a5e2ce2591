package io.corral.internal.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.Config;
import io.corral.ConfigException;
import io.corral.testing.TlsLoopback;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The files as gunicorn's users have them, written by OpenSSL itself (not re-wrapped by the test):
 * a PKCS#1 RSA key, a SEC1 EC key after its {@code EC PARAMETERS} block, a PKCS#8 Ed25519 key, a
 * PKCS#12 made by {@code openssl pkcs12}, and both kinds of encrypted key. Needs {@code openssl}
 * on the PATH ({@code .ci/run} installs it); skipped without it.
 */
class OpenSslFilesTest {

    @TempDir
    static Path dir;

    @BeforeAll
    static void openssl() throws Exception {
        assumeTrue(run("version"), "openssl is not installed");
        run("genrsa", "-traditional", "-out", path("rsa.key"), "2048");
        run("ecparam", "-name", "prime256v1", "-genkey", "-out", path("ec.key"));
        run("genpkey", "-algorithm", "ed25519", "-out", path("ed25519.key"));
        for (String key : List.of("rsa", "ec", "ed25519")) {
            run(
                    "req",
                    "-x509",
                    "-new",
                    "-key",
                    path(key + ".key"),
                    "-subj",
                    "/CN=localhost/O=" + key,
                    "-days",
                    "2",
                    "-out",
                    path(key + ".crt"));
        }
        run(
                "pkcs12",
                "-export",
                "-inkey",
                path("ec.key"),
                "-in",
                path("ec.crt"),
                "-passout",
                "pass:s3cret",
                "-out",
                path("ec.p12"));
        run("pkey", "-in", path("ec.key"), "-aes256", "-passout", "pass:x", "-out", path("ec-pkcs8-encrypted.key"));
        run(
                "rsa",
                "-in",
                path("rsa.key"),
                "-traditional",
                "-aes128",
                "-passout",
                "pass:x",
                "-out",
                path("rsa-encrypted.key"));
    }

    private static String path(String name) {
        return dir.resolve(name).toString();
    }

    private static boolean run(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            return false; // not installed
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("openssl " + String.join(" ", args) + " failed:\n" + out);
        }
        return true;
    }

    private static X509Certificate certificate(String name) throws Exception {
        try (InputStream in = Files.newInputStream(dir.resolve(name))) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    /** Handshakes a client that trusts exactly {@code expected}; returns the protocol agreed. */
    private static String handshake(TlsContext tls, X509Certificate expected) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("self", expected);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        SSLEngine client = context.createSSLEngine("localhost", 443);
        client.setUseClientMode(true);
        TlsLoopback.Result r = TlsLoopback.handshake(client, tls.newEngine(null));
        assertTrue(r.succeeded(), r.toString());
        assertEquals(expected, client.getSession().getPeerCertificates()[0]);
        return client.getSession().getProtocol();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "rsa, -----BEGIN RSA PRIVATE KEY-----",
        "ec, -----BEGIN EC PARAMETERS-----",
        "ed25519, -----BEGIN PRIVATE KEY-----"
    })
    void servesWithAKeyAsOpenSslWritesIt(String key, String firstLine) throws Exception {
        Path keyfile = dir.resolve(key + ".key");
        assertEquals(firstLine, Files.readAllLines(keyfile).get(0), "the form under test");
        TlsContext tls = TlsContext.load(Config.builder()
                        .certfile(dir.resolve(key + ".crt"))
                        .keyfile(keyfile)
                        .build())
                .orElseThrow();
        assertEquals("TLSv1.3", handshake(tls, certificate(key + ".crt")));
    }

    @Test
    void servesFromAPkcs12MadeByOpenSsl() throws Exception {
        TlsContext tls = TlsContext.load(Config.builder()
                        .keystore(dir.resolve("ec.p12"))
                        .keystorePassword("s3cret")
                        .build())
                .orElseThrow();
        handshake(tls, certificate("ec.crt"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"ec-pkcs8-encrypted.key, ec.crt", "rsa-encrypted.key, rsa.crt"})
    void refusesEncryptedKeysSayingWhatToDo(String key, String cert) {
        ConfigException e = assertThrows(
                ConfigException.class,
                () -> TlsContext.load(Config.builder()
                        .certfile(dir.resolve(cert))
                        .keyfile(dir.resolve(key))
                        .build()));
        assertTrue(
                e.getMessage().startsWith("keyfile: " + dir.resolve(key) + ": it holds an encrypted private key"),
                e.getMessage());
    }
}
