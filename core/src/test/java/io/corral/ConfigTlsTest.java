package io.corral;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The TLS settings as {@link Config} reads and checks them, without touching a file: the files are
 * checked when the Arbiter starts (see {@code TlsFileErrorsTest}).
 */
class ConfigTlsTest {

    private static final String[] TLS = {"--certfile", "/etc/tls/cert.pem", "--keyfile", "/etc/tls/key.pem"};

    private static Config tls(String... more) {
        String[] args = new String[TLS.length + more.length];
        System.arraycopy(TLS, 0, args, 0, TLS.length);
        System.arraycopy(more, 0, args, TLS.length, more.length);
        return Config.fromArgs(args);
    }

    @Test
    void tlsIsOffByDefault() {
        Config c = Config.defaults();
        assertFalse(c.tlsEnabled());
        assertEquals(Optional.empty(), c.certfile());
        assertEquals(Optional.empty(), c.keyfile());
        assertEquals(Optional.empty(), c.caCerts());
        assertEquals(ClientAuth.NONE, c.certReqs());
        assertEquals(List.of(), c.ciphers());
        assertEquals(Optional.empty(), c.keystore());
        assertEquals("", c.keystorePassword());
    }

    @Test
    void readsGunicornsFlagsAndProperties() {
        Config c = tls("--ca-certs", "/etc/tls/ca.pem", "--cert-reqs", "2", "--ciphers", "TLS_AES_128_GCM_SHA256");
        assertTrue(c.tlsEnabled());
        assertEquals(Optional.of(Path.of("/etc/tls/cert.pem")), c.certfile());
        assertEquals(Optional.of(Path.of("/etc/tls/key.pem")), c.keyfile());
        assertEquals(Optional.of(Path.of("/etc/tls/ca.pem")), c.caCerts());
        assertEquals(ClientAuth.REQUIRED, c.certReqs());
        assertEquals(List.of("TLS_AES_128_GCM_SHA256"), c.ciphers());

        Properties p = new Properties();
        p.setProperty("keystore", "/etc/tls/server.p12");
        p.setProperty("keystore_password", "s3cret");
        p.setProperty("ca_certs", "/etc/tls/ca.pem");
        p.setProperty("cert_reqs", "optional");
        Config k = Config.fromProperties(p);
        assertTrue(k.tlsEnabled());
        assertEquals(Optional.of(Path.of("/etc/tls/server.p12")), k.keystore());
        assertEquals("s3cret", k.keystorePassword());
        assertEquals(ClientAuth.OPTIONAL, k.certReqs());
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "none, NONE",
        "optional, OPTIONAL",
        "required, REQUIRED",
        "REQUIRED, REQUIRED",
        "0, NONE",
        "1, OPTIONAL",
        "2, REQUIRED",
        "CERT_REQUIRED, REQUIRED",
        "ssl.CERT_OPTIONAL, OPTIONAL",
        "' required ', REQUIRED"
    })
    void readsCertReqsByNameAndByGunicornsNumber(String value, ClientAuth expected) {
        assertEquals(
                expected, tls("--ca-certs", "/ca.pem", "--cert-reqs", value).certReqs());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "3|cert_reqs: '3' is not allowed; expected none, optional or required (gunicorn's 0, 1 or 2)",
                "yes|cert_reqs: 'yes' is not allowed; expected none, optional or required (gunicorn's 0, 1 or 2)"
            })
    void refusesOtherCertReqs(String value, String message) {
        ConfigException e =
                assertThrows(ConfigException.class, () -> tls("--ca-certs", "/ca.pem", "--cert-reqs", value));
        assertEquals(message, e.getMessage());
    }

    @Test
    void readsCiphersSeparatedByCommasColonsOrSpacesOnceEach() {
        Config c = tls(
                "--ciphers",
                "TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 TLS_AES_128_GCM_SHA256");
        assertEquals(
                List.of("TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
                c.ciphers());
        assertEquals(
                "TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256:TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                c.valueOf(Setting.CIPHERS));
    }

    @Test
    void refusesACipherSuiteTheJdkDoesNotKnowAndListsTheOnesItDoes() {
        ConfigException e =
                assertThrows(ConfigException.class, () -> tls("--ciphers", "TLS_AES_128_GCM_SHA256:TLS_MADE_UP"));
        assertTrue(
                e.getMessage()
                        .startsWith("ciphers: 'TLS_MADE_UP' is not allowed; expected cipher suites this JDK"
                                + " supports: "),
                e.getMessage());
        assertTrue(e.getMessage().contains("TLS_AES_128_GCM_SHA256, "), e.getMessage());
        assertFalse(e.getMessage().contains("SCSV"), "the signalling value is not offered as a suite");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "ECDHE-RSA-AES128-GCM-SHA256|ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' is not allowed; expected JSSE (IANA) cipher"
                        + " suite names, such as TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 for OpenSSL's ECDHE-RSA-AES128-GCM-SHA256;"
                        + " OpenSSL names and cipher strings are not understood",
                "HIGH|ciphers: 'HIGH' is not allowed; expected JSSE (IANA) cipher suite names, such as"
                        + " TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 for OpenSSL's ECDHE-RSA-AES128-GCM-SHA256; OpenSSL names and"
                        + " cipher strings are not understood",
                "TLS_EMPTY_RENEGOTIATION_INFO_SCSV|ciphers: 'TLS_EMPTY_RENEGOTIATION_INFO_SCSV' is not allowed; expected cipher"
                        + " suites; this is a signalling value, not a suite"
            })
    void refusesOpenSslNamesAndSignallingValues(String suite, String message) {
        ConfigException e = assertThrows(ConfigException.class, () -> tls("--ciphers", suite));
        assertEquals(message, e.getMessage());
        assertEquals(Optional.of(Setting.CIPHERS), e.setting());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                // what                          | arguments                                                        |
                // message
                "keystore and certfile           | --keystore /k.p12 --certfile /c.pem --keyfile /k.pem            |"
                        + " keystore: '/k.p12' is not allowed; expected a keystore instead of certfile and keyfile, not as"
                        + " well: set one or the other",
                "keyfile without certfile        | --keyfile /k.pem                                                |"
                        + " keyfile: '/k.pem' is not allowed; expected a key file only together with certfile, the"
                        + " certificate chain the key belongs to",
                "password without keystore       | --keystore-password hunter2                                      |"
                        + " keystore_password: set, but keystore is not: it is the keystore's password",
                "ca_certs without TLS            | --ca-certs /ca.pem                                              |"
                        + " ca_certs: '/ca.pem' is not allowed; expected certfile or keystore set too: client certificates"
                        + " are asked for over TLS only",
                "cert_reqs without TLS           | --cert-reqs required                                            |"
                        + " cert_reqs: 'required' is not allowed; expected none while TLS is off (set certfile or keystore)",
                "cert_reqs required, no ca_certs | --certfile /c.pem --cert-reqs 2                                 |"
                        + " cert_reqs: 'required' is not allowed; expected none unless ca_certs names the CAs that sign the"
                        + " client certificates",
                "cert_reqs optional, no ca_certs | --certfile /c.pem --cert-reqs optional                          |"
                        + " cert_reqs: 'optional' is not allowed; expected none unless ca_certs names the CAs that sign the"
                        + " client certificates",
                "ciphers without TLS             | --ciphers TLS_AES_128_GCM_SHA256                                |"
                        + " ciphers: 'TLS_AES_128_GCM_SHA256' is not allowed; expected empty while TLS is off (set certfile or"
                        + " keystore)"
            })
    void refusesSettingsThatDoNotCombine(String what, String args, String message) {
        ConfigException e = assertThrows(
                ConfigException.class, () -> Config.fromArgs(args.strip().split("\\s+")));
        assertEquals(message.strip(), e.getMessage(), what);
        assertFalse(e.getMessage().contains("hunter2"), "a password is never in a message");
    }

    @Test
    void acceptsCaCertsWithCertReqsNoneAsGunicornDoes() {
        Config c = tls("--ca-certs", "/ca.pem");
        assertEquals(ClientAuth.NONE, c.certReqs());
        assertEquals(Optional.of(Path.of("/ca.pem")), c.caCerts());
    }

    @Test
    void takesTheKeyFromCertfileWhenKeyfileIsUnset() {
        Config c = Config.fromArgs("--certfile", "/etc/tls/both.pem");
        assertTrue(c.tlsEnabled());
        assertEquals(Optional.empty(), c.keyfile());
    }

    @Test
    void hidesTheKeystorePasswordFromToStringButKeepsItForToBuilder() {
        Config c = Config.builder()
                .keystore(Path.of("/k.p12"))
                .keystorePassword("hunter2")
                .build();
        assertFalse(c.toString().contains("hunter2"), c.toString());
        assertTrue(c.toString().contains("keystore_password=***"), c.toString());
        assertEquals(c, c.toBuilder().build());
        assertEquals("hunter2", c.valueOf(Setting.KEYSTORE_PASSWORD));
        assertTrue(Config.defaults().toString().endsWith("keystore_password=]"), "an unset one shows empty");
    }

    @Test
    void roundTripsEveryTlsSettingThroughItsText() {
        Config c = Config.builder()
                .certfile(Path.of("/c.pem"))
                .keyfile(Path.of("/k.pem"))
                .caCerts(Path.of("/ca.pem"))
                .certReqs(ClientAuth.OPTIONAL)
                .ciphers("TLS_AES_128_GCM_SHA256,TLS_AES_256_GCM_SHA384")
                .build();
        assertEquals(c, c.toBuilder().build());
        assertEquals("/c.pem", c.valueOf(Setting.CERTFILE));
        assertEquals("optional", c.valueOf(Setting.CERT_REQS));
        assertEquals("", Config.defaults().valueOf(Setting.CERTFILE));
    }
}
