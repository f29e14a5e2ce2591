package io.corral.internal.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.Config;
import io.corral.testing.TestCertificates;
import io.corral.testing.TlsLoopback;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS 1.1 is refused by Corral's own setting, not only by the JDK's defaults: in a JVM whose
 * {@code jdk.tls.disabledAlgorithms} allows TLS 1.1 again, a plain JDK server engine accepts a TLS
 * 1.1 client (the control), and a {@link TlsContext} engine with the same key still refuses it.
 */
class TlsProtocolFloorTest {

    @TempDir
    Path dir;

    @Test
    void refusesTls11EvenWhereTheJdkWouldAllowIt() throws Exception {
        TestCertificates certs = TestCertificates.shared();
        Path security = Files.writeString(dir.resolve("tls11.security"), "jdk.tls.disabledAlgorithms=\n");
        List<String> command = List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.security.properties=" + security,
                "-cp",
                System.getProperty("java.class.path"),
                Probe.class.getName(),
                certs.server().chainPem().toString(),
                certs.server().keyPem().toString(),
                certs.server().pkcs12().toString());
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output;
        try (InputStream in = p.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), output);
        assertEquals(0, p.exitValue(), output);
        assertTrue(output.contains("jdk: ok TLSv1.1"), "the control: this JVM allows TLS 1.1\n" + output);
        assertTrue(output.contains("corral: refused by the server"), "Corral's engine refuses it\n" + output);
    }

    /** Runs in the child JVM: one TLS 1.1 client against a plain JDK engine, one against Corral's. */
    public static final class Probe {
        private Probe() {}

        /** Arguments: the certificate chain PEM, the key PEM and the same in PKCS#12. */
        public static void main(String[] args) throws Exception {
            Config config = Config.builder()
                    .certfile(Path.of(args[0]))
                    .keyfile(Path.of(args[1]))
                    .build();
            TlsContext corral = TlsContext.load(config).orElseThrow();

            KeyStore store = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(Path.of(args[2]))) {
                store.load(in, TestCertificates.PASSWORD.toCharArray());
            }
            KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
            kmf.init(store, TestCertificates.PASSWORD.toCharArray());
            SSLContext jdk = SSLContext.getInstance("TLS");
            jdk.init(kmf.getKeyManagers(), null, null);
            SSLEngine control = jdk.createSSLEngine();
            control.setUseClientMode(false);

            System.out.println("jdk: " + tls11Against(control));
            System.out.println("corral: " + tls11Against(corral.newEngine(null)));
        }

        private static String tls11Against(SSLEngine server) throws Exception {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {new TrustAll()}, null);
            SSLEngine client = context.createSSLEngine();
            client.setUseClientMode(true);
            client.setEnabledProtocols(new String[] {"TLSv1.1"});
            TlsLoopback.Result r = TlsLoopback.handshake(client, server);
            if (r.succeeded()) {
                return "ok " + server.getSession().getProtocol();
            }
            return r.serverFailure().isPresent() ? "refused by the server: " + r : "failed otherwise: " + r;
        }
    }

    /** The probe's client trusts any server: only the protocol is under test. */
    private static final class TrustAll extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
