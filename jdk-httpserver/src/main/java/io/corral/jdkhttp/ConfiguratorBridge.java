package io.corral.jdkhttp;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import io.corral.TlsConfigurator;
import java.net.InetSocketAddress;
import javax.net.ssl.SSLParameters;

/**
 * An {@link HttpsConfigurator} as Corral's {@link TlsConfigurator}: for each connection it calls
 * the application's {@link HttpsConfigurator#configure(HttpsParameters)} with the client's address,
 * and returns what it chose, as the JDK's own server does. If {@code configure} set {@link
 * SSLParameters} ({@code setSSLParameters}, which the default {@code configure} does with the
 * context's defaults), those are the connection's, and Corral keeps its floor (TLS 1.3 and 1.2,
 * ALPN {@code http/1.1}) where they leave the context's defaults; if it used only the deprecated
 * setters instead (cipher suites, protocols, want or need client authentication), they are applied
 * on top of Corral's parameters, as the JDK applies them on top of an engine's defaults.
 *
 * <p>Thread-safe (it holds only the configurator); called on the worker thread that accepted the
 * connection, so the application's {@code configure} runs there.
 */
final class ConfiguratorBridge implements TlsConfigurator {

    private final HttpsConfigurator configurator;

    ConfiguratorBridge(HttpsConfigurator configurator) {
        this.configurator = configurator;
    }

    @Override
    @SuppressWarnings("deprecation") // the setters the JDK deprecated in 23 still configure a connection there
    public SSLParameters configure(InetSocketAddress peer, SSLParameters corral) {
        Parameters p = new Parameters(configurator, peer);
        configurator.configure(p);
        if (p.chosen != null) {
            return p.chosen;
        }
        if (p.getCipherSuites() != null) {
            corral.setCipherSuites(p.getCipherSuites());
        }
        if (p.getNeedClientAuth()) {
            corral.setNeedClientAuth(true);
        } else if (p.getWantClientAuth()) {
            corral.setWantClientAuth(true);
        }
        if (p.getProtocols() != null) {
            corral.setProtocols(p.getProtocols());
        }
        return corral;
    }

    /** What one call of {@code configure} sees and sets. Confined to that call. */
    private static final class Parameters extends HttpsParameters {
        private final HttpsConfigurator configurator;
        private final InetSocketAddress client;
        private SSLParameters chosen; // null until setSSLParameters

        Parameters(HttpsConfigurator configurator, InetSocketAddress client) {
            this.configurator = configurator;
            this.client = client;
        }

        @Override
        public HttpsConfigurator getHttpsConfigurator() {
            return configurator;
        }

        @Override
        public InetSocketAddress getClientAddress() {
            return client;
        }

        /** Sets the connection's parameters; null leaves those set before (if any), as the JDK documents. */
        @Override
        public void setSSLParameters(SSLParameters params) {
            if (params != null) {
                chosen = params;
            }
        }
    }
}
