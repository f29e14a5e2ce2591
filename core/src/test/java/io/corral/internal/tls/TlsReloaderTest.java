package io.corral.internal.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.Config;
import io.corral.ConfigException;
import io.corral.testing.TestCertificates;
import io.corral.testing.TlsLoopback;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.Certificate;
import java.util.Optional;
import javax.net.ssl.SSLEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Certificate rotation: new engines get the new certificate, engines made before keep theirs, a bad file changes nothing. */
class TlsReloaderTest {

    private static final TestCertificates CERTS = TestCertificates.shared();

    @TempDir
    Path dir;

    /** Returns the certificate {@code server} presents to a JDK client that trusts the test CA. */
    private static Certificate served(SSLEngine server) throws Exception {
        SSLEngine client = CERTS.clientContext().createSSLEngine("localhost", 443);
        client.setUseClientMode(true);
        TlsLoopback.Result r = TlsLoopback.handshake(client, server);
        assertTrue(r.succeeded(), r.toString());
        return client.getSession().getPeerCertificates()[0];
    }

    @Test
    void swapsTheCertificateForNewEnginesAndLeavesEnginesAlreadyMade() throws Exception {
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        TestCertificates.install(CERTS.server(), cert, key);
        TlsReloader tls =
                new TlsReloader(Config.builder().certfile(cert).keyfile(key).build());
        assertThrows(IllegalStateException.class, () -> tls.newEngine(null), "nothing loaded yet");
        tls.reload();
        SSLEngine before = tls.newEngine(null).orElseThrow();

        TestCertificates.install(CERTS.serverRsa(), cert, key);
        TlsContext rotated = tls.reload().orElseThrow();

        assertSame(rotated, tls.current().orElseThrow());
        assertEquals(CERTS.serverRsa().certificate(), served(tls.newEngine(null).orElseThrow()));
        assertEquals(CERTS.server().certificate(), served(before), "an engine keeps the certificate it was made with");
    }

    @Test
    void refusesABadFileAndKeepsTheCertificateInForce() throws Exception {
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        TestCertificates.install(CERTS.server(), cert, key);
        TlsReloader tls =
                new TlsReloader(Config.builder().certfile(cert).keyfile(key).build());
        TlsContext inForce = tls.reload().orElseThrow();

        Files.writeString(cert, "not a certificate\n");
        ConfigException e = assertThrows(ConfigException.class, tls::reload);
        assertEquals(
                "certfile: " + cert + " holds no PEM certificate (no -----BEGIN CERTIFICATE----- block)",
                e.getMessage());
        assertSame(inForce, tls.current().orElseThrow());

        TestCertificates.install(CERTS.expired(), cert, key);
        e = assertThrows(ConfigException.class, tls::reload);
        assertTrue(e.getMessage().contains(" expired on "), e.getMessage());

        Files.copy(CERTS.server().chainPem(), cert, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(CERTS.stranger().keyPem(), key, StandardCopyOption.REPLACE_EXISTING);
        e = assertThrows(ConfigException.class, tls::reload, "a key from another pair: a half-finished rotation");
        assertTrue(e.getMessage().contains("does not match the certificate"), e.getMessage());

        Files.delete(cert);
        assertThrows(ConfigException.class, tls::reload);

        assertSame(inForce, tls.current().orElseThrow());
        assertEquals(CERTS.server().certificate(), served(tls.newEngine(null).orElseThrow()));
    }

    @Test
    void isEmptyWhenTlsIsOff() {
        TlsReloader tls = new TlsReloader(Config.defaults());
        assertEquals(Optional.empty(), tls.reload());
        assertEquals(Optional.empty(), tls.current());
        assertEquals(Optional.empty(), tls.newEngine(null));
    }
}
