package io.corral.internal.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.corral.Config;
import io.corral.ConfigException;
import io.corral.Setting;
import io.corral.testing.TestCertificates;
import io.corral.testing.TestCertificates.Credential;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every problem with a TLS file fails the load with a {@link ConfigException} that names the
 * setting, the file and what is wrong: one row per problem.
 */
class TlsFileErrorsTest {

    private static final TestCertificates CERTS = TestCertificates.shared();
    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    @TempDir
    static Path tmp;

    /**
     * One bad setup.
     *
     * @param name what is wrong
     * @param setting the setting the error must name
     * @param config the settings, given a fresh directory to write files into
     * @param message the whole message, or its beginning if it ends with "…" (the JDK's words follow)
     */
    record Case(String name, Setting setting, Setup config, Expect message) {
        @Override
        public String toString() {
            return name;
        }
    }

    @FunctionalInterface
    interface Setup {
        Config.Builder in(Path dir) throws Exception;
    }

    @FunctionalInterface
    interface Expect {
        String in(Path dir);
    }

    private static Path file(Path dir, String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text, StandardCharsets.US_ASCII);
    }

    private static Config.Builder pem(Path certfile, Path keyfile) {
        return Config.builder().certfile(certfile).keyfile(keyfile);
    }

    private static final Credential SERVER = CERTS.server();

    static Stream<Case> cases() {
        String serverKey = "-----BEGIN PRIVATE KEY-----";
        return Stream.of(
                // ---- certfile
                new Case(
                        "certfile missing",
                        Setting.CERTFILE,
                        d -> pem(d.resolve("missing.pem"), SERVER.keyPem()),
                        d -> "certfile: " + d.resolve("missing.pem") + " does not exist"),
                new Case(
                        "certfile missing, relative",
                        Setting.CERTFILE,
                        d -> pem(Path.of("no-such-dir", "cert.pem"), SERVER.keyPem()),
                        d -> "certfile: " + Path.of("no-such-dir", "cert.pem") + " does not exist (relative to "
                                + Path.of("").toAbsolutePath() + ")"),
                new Case(
                        "certfile a directory",
                        Setting.CERTFILE,
                        d -> pem(d, SERVER.keyPem()),
                        d -> "certfile: " + d + " is a directory, not a file"),
                new Case(
                        "certfile empty",
                        Setting.CERTFILE,
                        d -> pem(file(d, "empty.pem", ""), SERVER.keyPem()),
                        d -> "certfile: " + d.resolve("empty.pem") + " is empty"),
                new Case(
                        "certfile text without PEM",
                        Setting.CERTFILE,
                        d -> pem(file(d, "notes.txt", "this is not a certificate\n"), SERVER.keyPem()),
                        d -> "certfile: " + d.resolve("notes.txt")
                                + " holds no PEM certificate (no -----BEGIN CERTIFICATE----- block)"),
                new Case(
                        "certfile DER",
                        Setting.CERTFILE,
                        d -> pem(
                                Files.write(
                                        d.resolve("cert.der"),
                                        SERVER.certificate().getEncoded()),
                                SERVER.keyPem()),
                        d -> "certfile: " + d.resolve("cert.der") + " is not PEM text but binary (DER or PKCS#12?):"
                                + " convert a DER certificate with openssl x509 -inform der -in FILE -out FILE.pem,"
                                + " or give a PKCS#12 file as keystore"),
                new Case(
                        "certfile and keyfile swapped",
                        Setting.CERTFILE,
                        d -> pem(SERVER.keyPem(), SERVER.chainPem()),
                        d -> "certfile: " + SERVER.keyPem()
                                + " holds no PEM certificate (no -----BEGIN CERTIFICATE-----"
                                + " block; found PRIVATE KEY); it holds a private key: is it the keyfile?"),
                new Case(
                        "certfile not base64",
                        Setting.CERTFILE,
                        d -> pem(
                                file(
                                        d,
                                        "bad64.pem",
                                        "-----BEGIN CERTIFICATE-----\nMII*not base64*\n-----END CERTIFICATE-----\n"),
                                SERVER.keyPem()),
                        d -> "certfile: " + d.resolve("bad64.pem")
                                + " is not valid PEM: its CERTIFICATE block (number 1)" + " is not valid base64: …"),
                new Case(
                        "certfile cut short",
                        Setting.CERTFILE,
                        d -> pem(file(d, "cut.pem", "-----BEGIN CERTIFICATE-----\nMIIBIjANBgkq\n"), SERVER.keyPem()),
                        d -> "certfile: " + d.resolve("cut.pem") + " is not valid PEM: its -----BEGIN CERTIFICATE-----"
                                + " block has no -----END CERTIFICATE----- line (is the file cut short?)"),
                new Case(
                        "certfile with a mismatched END",
                        Setting.CERTFILE,
                        d -> pem(
                                file(d, "mixed.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END PRIVATE KEY-----\n"),
                                SERVER.keyPem()),
                        d -> "certfile: " + d.resolve("mixed.pem")
                                + " is not valid PEM: its -----BEGIN CERTIFICATE-----"
                                + " block (number 1) ends with -----END PRIVATE KEY----- instead of -----END"
                                + " CERTIFICATE-----"),
                new Case(
                        "certfile block not a certificate",
                        Setting.CERTFILE,
                        d -> pem(
                                file(d, "junk.pem", TestCertificates.pem("CERTIFICATE", new byte[] {1, 2, 3})),
                                SERVER.keyPem()),
                        d -> "certfile: " + d.resolve("junk.pem") + ": its CERTIFICATE block (number 1) is not a valid"
                                + " X.509 certificate: …"),
                new Case(
                        "certificate expired",
                        Setting.CERTFILE,
                        d -> pem(CERTS.expired().chainPem(), CERTS.expired().keyPem()),
                        d -> "certfile: the certificate CN=expired,O=Corral (number 1 in "
                                + CERTS.expired().chainPem() + ") expired on "
                                + WHEN.format(CERTS.expired()
                                        .certificate()
                                        .getNotAfter()
                                        .toInstant())),
                new Case(
                        "certificate not yet valid",
                        Setting.CERTFILE,
                        d -> pem(
                                CERTS.notYetValid().chainPem(),
                                CERTS.notYetValid().keyPem()),
                        d -> "certfile: the certificate CN=not-yet-valid,O=Corral (number 1 in "
                                + CERTS.notYetValid().chainPem() + ") is not valid until "
                                + WHEN.format(CERTS.notYetValid()
                                        .certificate()
                                        .getNotBefore()
                                        .toInstant())),
                new Case(
                        "expired CA in the chain",
                        Setting.CERTFILE,
                        d -> pem(
                                file(
                                        d,
                                        "chain.pem",
                                        Files.readString(SERVER.chainPem())
                                                + Files.readString(
                                                        CERTS.expired().chainPem())),
                                SERVER.keyPem()),
                        d -> "certfile: the certificate CN=expired,O=Corral (number 3 in " + d.resolve("chain.pem")
                                + ") expired on "
                                + WHEN.format(CERTS.expired()
                                        .certificate()
                                        .getNotAfter()
                                        .toInstant())),
                // ---- keyfile
                new Case(
                        "keyfile missing",
                        Setting.KEYFILE,
                        d -> pem(SERVER.chainPem(), d.resolve("missing.key")),
                        d -> "keyfile: " + d.resolve("missing.key") + " does not exist"),
                new Case(
                        "keyfile holds certificates",
                        Setting.KEYFILE,
                        d -> pem(SERVER.chainPem(), SERVER.chainPem()),
                        d -> "keyfile: " + SERVER.chainPem()
                                + " holds no private key (a -----BEGIN PRIVATE KEY-----, RSA"
                                + " PRIVATE KEY or EC PRIVATE KEY block); it holds certificates: is it the certfile?"),
                new Case(
                        "no keyfile, no key in certfile",
                        Setting.KEYFILE,
                        d -> Config.builder().certfile(SERVER.chainPem()),
                        d -> "keyfile: not set, and certfile " + SERVER.chainPem()
                                + " holds no private key: set keyfile" + " to the PEM file of the certificate's key"),
                new Case(
                        "key of another certificate",
                        Setting.KEYFILE,
                        d -> pem(SERVER.chainPem(), CERTS.stranger().keyPem()),
                        d -> "keyfile: the key in " + CERTS.stranger().keyPem() + " does not match the certificate"
                                + " CN=localhost,O=Corral in certfile " + SERVER.chainPem()
                                + ": they are not a pair (EC key, EC certificate)"),
                new Case(
                        "RSA key for an EC certificate",
                        Setting.KEYFILE,
                        d -> pem(SERVER.chainPem(), CERTS.serverRsa().keyPem()),
                        d -> "keyfile: the key in " + CERTS.serverRsa().keyPem() + " does not match the certificate"
                                + " CN=localhost,O=Corral in certfile " + SERVER.chainPem()
                                + ": they are not a pair (RSA key, EC certificate)"),
                new Case(
                        "chain in the wrong order",
                        Setting.KEYFILE,
                        d -> pem(
                                file(
                                        d,
                                        "reversed.pem",
                                        TestCertificates.pem(
                                                        "CERTIFICATE",
                                                        CERTS.ca().certificate().getEncoded())
                                                + TestCertificates.pem(
                                                        "CERTIFICATE",
                                                        SERVER.certificate().getEncoded())),
                                SERVER.keyPem()),
                        d -> "keyfile: the key in " + SERVER.keyPem() + " belongs to certificate number 2"
                                + " (CN=localhost,O=Corral) in certfile " + d.resolve("reversed.pem") + ", not to the"
                                + " first: put the server's own certificate first, then the CAs that sign it"),
                new Case(
                        "encrypted PKCS#8 key",
                        Setting.KEYFILE,
                        d -> pem(
                                SERVER.chainPem(),
                                file(d, "enc.key", TestCertificates.pem("ENCRYPTED PRIVATE KEY", new byte[] {0x30, 0
                                }))),
                        d -> "keyfile: " + d.resolve("enc.key")
                                + ": it holds an encrypted private key, which Corral does"
                                + " not decrypt: write it unencrypted (openssl pkey -in KEY -out PLAIN, readable by the"
                                + " server only), or put key and certificate in a PKCS#12 file and set keystore and"
                                + " keystore_password"),
                new Case(
                        "encrypted traditional key",
                        Setting.KEYFILE,
                        d -> pem(
                                CERTS.serverRsa().chainPem(),
                                file(
                                        d,
                                        "enc-rsa.key",
                                        "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info:"
                                                + " AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\nMIIEowIBAAKCAQEA\n"
                                                + "-----END RSA PRIVATE KEY-----\n")),
                        d -> "keyfile: " + d.resolve("enc-rsa.key")
                                + ": it holds an encrypted private key, which Corral" + " does not decrypt: …"),
                new Case(
                        "two keys",
                        Setting.KEYFILE,
                        d -> pem(
                                SERVER.chainPem(),
                                file(
                                        d,
                                        "two.key",
                                        Files.readString(SERVER.keyPem())
                                                + Files.readString(
                                                        CERTS.client().keyPem()))),
                        d -> "keyfile: " + d.resolve("two.key")
                                + " holds 2 private keys; it should hold the one key of the" + " certificate"),
                new Case(
                        "OpenSSH key",
                        Setting.KEYFILE,
                        d -> pem(
                                SERVER.chainPem(),
                                file(d, "id_ed25519", TestCertificates.pem("OPENSSH PRIVATE KEY", new byte[] {1}))),
                        d -> "keyfile: " + d.resolve("id_ed25519")
                                + ": its key is a -----BEGIN OPENSSH PRIVATE KEY-----"
                                + " block, a form Corral does not read; give the key as PKCS#8 (BEGIN PRIVATE KEY),"
                                + " PKCS#1 RSA (BEGIN RSA PRIVATE KEY) or SEC1 EC (BEGIN EC PRIVATE KEY): openssl pkey"
                                + " -in KEY -out KEY.pem writes PKCS#8"),
                new Case(
                        "key cut short",
                        Setting.KEYFILE,
                        d -> pem(
                                SERVER.chainPem(),
                                file(d, "cut.key", serverKey + "\nMIIB\n-----END PRIVATE KEY-----\n")),
                        d -> "keyfile: " + d.resolve("cut.key") + ": its PRIVATE KEY block is not a valid key: DER"
                                + " element cut short"),
                new Case(
                        "EC key without its curve",
                        Setting.KEYFILE,
                        d -> pem(
                                SERVER.chainPem(),
                                file(d, "nocurve.key", TestCertificates.pem("EC PRIVATE KEY", innerEcKey()))),
                        d -> "keyfile: " + d.resolve("nocurve.key")
                                + ": its EC key does not name its curve (no parameters"
                                + " field); write it as PKCS#8: openssl pkey -in KEY -out KEY.pem"),
                new Case(
                        "X25519 key",
                        Setting.KEYFILE,
                        d -> pem(
                                SERVER.chainPem(),
                                file(
                                        d,
                                        "x25519.key",
                                        TestCertificates.pem(
                                                "PRIVATE KEY",
                                                Der.pkcs8(
                                                        Der.tlv(Der.SEQUENCE, Der.oid("1.3.101.110")),
                                                        Der.tlv(Der.OCTET_STRING, new byte[32]))))),
                        d -> "keyfile: " + d.resolve("x25519.key") + ": it holds a key of algorithm 1.3.101.110, which"
                                + " cannot sign for a TLS server certificate; use an RSA, EC or Ed25519 key"),
                // ---- ca_certs
                new Case(
                        "ca_certs missing",
                        Setting.CA_CERTS,
                        d -> CERTS.serverConfig().caCerts(d.resolve("ca.pem")).certReqs(io.corral.ClientAuth.REQUIRED),
                        d -> "ca_certs: " + d.resolve("ca.pem") + " does not exist"),
                new Case(
                        "ca_certs without a certificate",
                        Setting.CA_CERTS,
                        d -> CERTS.serverConfig().caCerts(SERVER.keyPem()).certReqs(io.corral.ClientAuth.REQUIRED),
                        d -> "ca_certs: " + SERVER.keyPem()
                                + " holds no PEM certificate (no -----BEGIN CERTIFICATE----- block; found PRIVATE KEY)"),
                // ---- keystore
                new Case(
                        "keystore missing",
                        Setting.KEYSTORE,
                        d -> Config.builder().keystore(d.resolve("missing.p12")).keystorePassword("x"),
                        d -> "keystore: " + d.resolve("missing.p12") + " does not exist"),
                new Case(
                        "keystore password wrong",
                        Setting.KEYSTORE_PASSWORD,
                        d -> Config.builder().keystore(SERVER.pkcs12()).keystorePassword("wrong"),
                        d -> "keystore_password: wrong for keystore " + SERVER.pkcs12() + " (or the file is damaged)"),
                new Case(
                        "keystore password missing",
                        Setting.KEYSTORE_PASSWORD,
                        d -> Config.builder().keystore(SERVER.pkcs12()),
                        d -> "keystore_password: not set, and keystore " + SERVER.pkcs12()
                                + " needs one (or the file is damaged)"),
                new Case(
                        "keystore is PEM",
                        Setting.KEYSTORE,
                        d -> Config.builder().keystore(SERVER.chainPem()).keystorePassword("x"),
                        d -> "keystore: " + SERVER.chainPem() + " is not a PKCS#12 or JKS keystore (…"),
                new Case(
                        "keystore without a key",
                        Setting.KEYSTORE,
                        d -> Config.builder()
                                .keystore(keystore(d, "trust.p12", null, null))
                                .keystorePassword(TestCertificates.PASSWORD),
                        d -> "keystore: " + d.resolve("trust.p12") + " holds no private key with its certificate chain"
                                + " (only trusted certificates?); it needs the server's key"),
                new Case(
                        "keystore key with its own password",
                        Setting.KEYSTORE_PASSWORD,
                        d -> Config.builder()
                                .keystore(keystore(d, "twopw.p12", SERVER, "other-password"))
                                .keystorePassword(TestCertificates.PASSWORD),
                        d -> "keystore_password: opens keystore " + d.resolve("twopw.p12")
                                + " but not its key 'server',"
                                + " whose own password differs; give the key the keystore's password"),
                new Case(
                        "keystore certificate expired",
                        Setting.KEYSTORE,
                        d -> Config.builder()
                                .keystore(CERTS.expired().pkcs12())
                                .keystorePassword(TestCertificates.PASSWORD),
                        d -> "keystore: the certificate CN=expired,O=Corral (number 1 in "
                                + CERTS.expired().pkcs12() + ") expired on "
                                + WHEN.format(CERTS.expired()
                                        .certificate()
                                        .getNotAfter()
                                        .toInstant())));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void failsTheLoadNamingTheSettingTheFileAndTheProblem(Case c) throws Exception {
        Path dir = Files.createTempDirectory(tmp, "case");
        Config config = c.config().in(dir).build();
        ConfigException e = assertThrows(ConfigException.class, () -> TlsContext.load(config));
        String expected = c.message().in(dir);
        if (expected.endsWith("…")) {
            String prefix = expected.substring(0, expected.length() - 1);
            assertTrue(
                    e.getMessage().startsWith(prefix), "expected\n  " + prefix + "...\nbut was\n  " + e.getMessage());
        } else {
            assertEquals(expected, e.getMessage());
        }
        assertEquals(Optional.of(c.setting()), e.setting());
        assertTrue(!e.getMessage().contains(TestCertificates.PASSWORD), "the password never shows");
    }

    @Test
    void saysWhenAFileCannotBeRead() throws Exception {
        Path unreadable = Files.copy(SERVER.chainPem(), tmp.resolve("unreadable.pem"));
        Files.setPosixFilePermissions(unreadable, PosixFilePermissions.fromString("---------"));
        assumeFalse(Files.isReadable(unreadable), "this user (root?) reads every file");
        ConfigException e = assertThrows(
                ConfigException.class,
                () -> TlsContext.load(pem(unreadable, SERVER.keyPem()).build()));
        assertEquals("certfile: " + unreadable + " cannot be read: permission denied", e.getMessage());
    }

    /** A PKCS#12 with {@code key}'s entry under its own {@code keyPassword}, or only the CA as trusted. */
    private static Path keystore(Path dir, String name, Credential key, String keyPassword) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        if (key == null) {
            store.setCertificateEntry("ca", CERTS.ca().certificate());
        } else {
            store.setKeyEntry(
                    key.name(),
                    key.key(),
                    keyPassword.toCharArray(),
                    key.chain().toArray(new Certificate[0]));
        }
        Path p = dir.resolve(name);
        try (OutputStream out = Files.newOutputStream(p)) {
            store.store(out, TestCertificates.PASSWORD.toCharArray());
        }
        return p;
    }

    /** The server's EC key as the JDK encodes it inside PKCS#8: SEC1 without the curve. */
    private static byte[] innerEcKey() {
        Der.Element info = Der.parse(SERVER.key().getEncoded());
        Der.Element version = info.first();
        Der.Element algorithm = version.next(info);
        Der.Element key = algorithm.next(info);
        byte[] sec1 = key.content();
        // keep only the version and the private key: no [0] curve (and drop a [1] public key if any)
        Der.Element inner = Der.parse(sec1);
        Der.Element v = inner.first();
        Der.Element priv = v.next(inner);
        return Der.tlv(Der.SEQUENCE, v.encoded(), priv.encoded());
    }
}
