package io.corral.internal.tls;

import io.corral.ConfigException;
import io.corral.TlsConfigurator;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TLS from an {@link SSLContext} the embedder supplied ({@code Arbiter.Builder.tls}) rather than
 * from files: one server-mode engine per connection, with Corral's floor ({@link TlsContext#floor})
 * handed to the embedder's {@link TlsConfigurator}, if any, and kept where what it returns leaves
 * the context's defaults (the protocols, an empty ALPN list). Corral checks neither the context's
 * key nor its trust: they are the embedder's. It is never reloaded.
 *
 * <p>Immutable and thread-safe: {@link #newEngine} may be called from any thread at once (event
 * loops included), takes no lock and does no I/O beyond what the configurator does.
 */
public final class SuppliedTls {

    private static final Logger LOG = LoggerFactory.getLogger("io.corral.tls");

    private final SSLContext context;
    private final TlsConfigurator configurator; // null: the floor as it is
    private final Set<String> defaultProtocols;

    /**
     * Takes {@code context} and {@code configurator} (null for none).
     *
     * @throws ConfigException if the context is not initialized
     */
    public SuppliedTls(SSLContext context, TlsConfigurator configurator) {
        this.context = Objects.requireNonNull(context, "context");
        this.configurator = configurator;
        try {
            this.defaultProtocols =
                    protocolSet(context.getDefaultSSLParameters().getProtocols());
            context.createSSLEngine(); // an uninitialized context fails here, not at the first client
        } catch (IllegalStateException e) {
            throw new ConfigException("Arbiter.Builder.tls: the SSLContext cannot make engines (" + e.getMessage()
                    + "): initialize it with its key managers (SSLContext.init) first");
        }
    }

    /**
     * Returns a new server-mode engine for a connection from {@code peer} (may be null), its
     * parameters chosen as the class describes. Never throws for a configurator that fails: the
     * engine returned then refuses its handshake, so that the worker closes that connection the
     * way it closes any failed handshake.
     */
    public SSLEngine newEngine(InetSocketAddress peer) {
        SSLEngine engine = TlsContext.serverEngine(context, peer);
        SSLParameters floor = TlsContext.floor(context);
        if (configurator == null) {
            engine.setSSLParameters(floor);
            return engine;
        }
        try {
            SSLParameters chosen = configurator.configure(peer, floor);
            if (chosen == null) {
                throw new NullPointerException("the TlsConfigurator returned null parameters");
            }
            engine.setSSLParameters(chosen);
            keepFloor(engine);
            return engine;
        } catch (RuntimeException e) {
            LOG.warn("TLS: the TlsConfigurator failed for the connection from {}; refusing its handshake", peer, e);
            SSLEngine refusing = TlsContext.serverEngine(context, peer);
            refusing.setSSLParameters(TlsContext.floor(context));
            refusing.setEnabledProtocols(new String[0]); // the ClientHello finds no protocol: a handshake failure
            return refusing;
        }
    }

    /** Gives what the configurator left at the context's defaults Corral's floor. */
    private void keepFloor(SSLEngine engine) {
        SSLParameters applied = engine.getSSLParameters();
        boolean changed = false;
        if (protocolSet(applied.getProtocols()).equals(defaultProtocols)) {
            applied.setProtocols(TlsContext.PROTOCOLS.toArray(new String[0]));
            changed = true;
        }
        if (applied.getApplicationProtocols().length == 0) {
            applied.setApplicationProtocols(new String[] {TlsContext.HTTP_1_1});
            changed = true;
        }
        if (changed) {
            engine.setSSLParameters(applied);
        }
    }

    /** Returns a one-line description for logs. */
    public String describe() {
        return "the SSLContext given to Arbiter.Builder.tls (" + context.getProtocol() + ", "
                + context.getProvider().getName() + (configurator == null ? "" : ", with a TlsConfigurator") + ")";
    }

    private static Set<String> protocolSet(String[] protocols) {
        return protocols == null ? Set.of() : new HashSet<>(Arrays.asList(protocols));
    }
}
