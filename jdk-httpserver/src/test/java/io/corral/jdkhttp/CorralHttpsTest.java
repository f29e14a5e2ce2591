package io.corral.jdkhttp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The HTTPS suite on Corral's provider, once per worker model that serves TLS, plus what Corral
 * adds: its floor (TLS 1.3 and 1.2, ALPN {@code http/1.1}) where {@code configure} leaves the
 * context's defaults, an explicit choice honoured, and a {@code configure} that throws costing only
 * its own connection.
 */
@ParameterizedClass(name = "worker_class={0}")
@ValueSource(strings = {"sync", "async", "virtual"})
class CorralHttpsTest extends JdkHttpsSuite {

    @Parameter
    String workerClass;

    @Override
    protected HttpsServer create(InetSocketAddress addr, int backlog) throws IOException {
        Properties p = new Properties();
        p.setProperty("corral.worker_class", workerClass);
        p.setProperty("corral.workers", "1");
        p.setProperty("corral.threads", "8");
        return CorralHttpServerProvider.createHttps(p, addr, backlog);
    }

    private static SSLSocket offering(SSLContext tls, HttpsServer s, String... alpn) throws IOException {
        SSLSocket socket = connect(tls, s);
        SSLParameters p = socket.getSSLParameters();
        p.setApplicationProtocols(alpn);
        socket.setSSLParameters(p);
        return socket;
    }

    @Test
    void theDefaultConfiguratorGetsCorralsFloor() throws Exception {
        HttpsServer s = serve(new HttpsConfigurator(CERTS.serverContext()), x -> respond(x, "ok"));
        SSLContext tls = CERTS.clientContext();
        try (SSLSocket c = offering(tls, s, "h2", "http/1.1")) {
            c.startHandshake();
            assertEquals("http/1.1", c.getApplicationProtocol(), "ALPN agrees on HTTP/1.1");
            assertEquals("HTTP/1.1 200 OK", exchange(c));
        }
        try (SSLSocket c = offering(tls, s, "h2")) {
            assertThrows(SSLException.class, c::startHandshake, "an h2-only client fails the handshake cleanly");
        }
        try (SSLSocket c = connect(tls, s)) {
            c.setEnabledProtocols(new String[] {"TLSv1.1"});
            assertThrows(SSLException.class, c::startHandshake, "TLS 1.1 is refused");
        }
    }

    @Test
    void protocolsTheConfiguratorChoosesAreHonoured() throws Exception {
        HttpsServer s = serve(
                new HttpsConfigurator(CERTS.serverContext()) {
                    @Override
                    public void configure(HttpsParameters params) {
                        SSLParameters p = getSSLContext().getDefaultSSLParameters();
                        p.setProtocols(new String[] {"TLSv1.2"});
                        params.setSSLParameters(p);
                    }
                },
                x -> respond(x, "ok"));
        try (SSLSocket c = connect(CERTS.clientContext(), s)) {
            assertEquals("HTTP/1.1 200 OK", exchange(c));
            assertEquals("TLSv1.2", c.getSession().getProtocol());
        }
    }

    @Test
    void aConfigureThatThrowsCostsOnlyItsOwnConnection() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        HttpsServer s = serve(
                new HttpsConfigurator(CERTS.serverContext()) {
                    @Override
                    public void configure(HttpsParameters params) {
                        if (calls.incrementAndGet() == 1) {
                            throw new IllegalStateException("the application's bug");
                        }
                        super.configure(params);
                    }
                },
                x -> respond(x, "ok"));
        try (SSLSocket c = connect(CERTS.clientContext(), s)) {
            assertThrows(IOException.class, c::startHandshake, "that connection's handshake is refused");
        }
        try (HttpClient http = client(CERTS.clientContext())) {
            assertEquals("ok", get(http, s, "/").body(), "the worker serves on");
        }
    }
}
