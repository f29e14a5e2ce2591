package io.corral.internal.server;

import io.corral.Config;
import io.corral.ProxyProtocol;
import io.corral.http.BadMessageException;
import io.corral.http.ProxyHeader;
import io.corral.http.TlsInfo;
import io.corral.internal.http.RequestHead;
import io.corral.internal.net.Forwarding;
import io.corral.internal.net.ProxyProtocolDecoder;
import io.corral.internal.net.ProxyProtocolException;
import io.corral.internal.tls.TlsContext;
import io.corral.metrics.CloseReason;
import io.corral.metrics.Rejection;
import io.corral.spi.WorkerContext;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;

/**
 * Where one connection comes from and how it ends, for every worker model: the PROXY protocol
 * stage it must pass before any HTTP ({@code proxy_protocol}, {@code proxy_allow_from}), the
 * attribution of each request on it ({@code forwarded_allow_ips}: {@link #resolve}), the
 * rejections counted on it, and the reason it closed, for the metrics.
 *
 * <p>An engine makes one per accepted connection and calls, in order:
 *
 * <pre>{@code
 * ConnectionOrigin origin = ConnectionOrigin.accept(context, peer);   // at accept
 * if (!origin.awaitProxyHeader(in)) { read more; }                  // before the first head (and the TLS handshake)
 * origin.tlsEstablished(engine);                                    // once a TLS handshake finished
 * RequestOrigin from = origin.resolve(head);                        // for each head
 * origin.rejected(e);                                               // where an error is answered
 * context.connectionClosed(origin.closeReason());                   // at close
 * }</pre>
 *
 * <p>Threading: confined to the thread (or event loop) serving the connection, except {@link
 * #closeReason()} and the notes of {@link ExchangeRules.Account}, which may come from the thread
 * that aborts a request; those fields are volatile.
 */
public final class ConnectionOrigin {

    private final WorkerContext context;
    private final Config config;
    private final InetSocketAddress peer;
    private boolean secure;
    private TlsInfo tls; // what the TLS handshake settled; null on a plain connection or before it
    private SSLSession tlsSession; // the handshake's session; null as tls is
    private ProxyProtocolDecoder decoder; // until the PROXY header is in; null when off or done
    private ProxyHeader proxyHeader;
    private InetSocketAddress client; // the PROXY header's source, or the peer
    private volatile CloseReason closeReason = CloseReason.COMPLETED;

    private ConnectionOrigin(WorkerContext context, InetSocketAddress peer, boolean secure) {
        this.context = context;
        this.config = context.config();
        this.peer = peer;
        this.secure = secure;
        this.client = peer;
        ProxyProtocol mode = config.proxyProtocol();
        this.decoder = mode.enabled() ? new ProxyProtocolDecoder(mode) : null;
    }

    /** Starts the record of a plain (not TLS) connection accepted from {@code peer}. */
    public static ConnectionOrigin accept(WorkerContext context, InetSocketAddress peer) {
        return new ConnectionOrigin(context, peer, false);
    }

    /** Starts the record of a connection from {@code peer}; {@code secure} if it is TLS terminated here. */
    public static ConnectionOrigin accept(WorkerContext context, InetSocketAddress peer, boolean secure) {
        return new ConnectionOrigin(context, peer, secure);
    }

    /** Returns the TCP peer. */
    public InetSocketAddress peer() {
        return peer;
    }

    /**
     * Records what the connection's TLS handshake settled ({@link TlsContext#info}) and its
     * session; every request resolved from then on is secure and carries them as {@link
     * io.corral.http.Request#tls()} and {@link io.corral.http.Request#tlsSession()}. Call it once
     * the handshake of {@code engine} has finished, before the first request is resolved, on the
     * thread that then resolves it (or hand the connection over after it through a queue or lock,
     * as the engines do).
     *
     * @throws IllegalStateException if the handshake has not finished
     */
    public void tlsEstablished(SSLEngine engine) {
        this.tls = TlsContext.info(Objects.requireNonNull(engine, "engine"));
        this.tlsSession = engine.getSession();
        this.secure = true;
    }

    /** Returns what the TLS handshake settled, or empty on a plain connection or before the handshake. */
    public Optional<TlsInfo> tls() {
        return Optional.ofNullable(tls);
    }

    /**
     * The PROXY protocol stage: consumes the header from {@code in} when {@code proxy_protocol} is
     * on. Call it before parsing HTTP, with every read, until it returns true; with nothing read yet,
     * to refuse a peer outside {@code proxy_allow_from} at once.
     *
     * @return true once HTTP may be read ({@code in} then starts with it): the header is in, or the
     *     protocol is off
     * @throws ProxyProtocolException if the connection must be closed without an answer; counted as
     *     a {@link Rejection#PROXY_PROTOCOL}
     */
    public boolean awaitProxyHeader(ByteBuffer in) throws ProxyProtocolException {
        if (decoder == null) {
            return true;
        }
        try {
            if (!config.proxyAllowFrom().contains(peer.getAddress())) {
                throw new ProxyProtocolException(
                        "PROXY protocol: peer " + peer.getAddress() + " is not in proxy_allow_from");
            }
            ProxyHeader h = decoder.decode(in);
            if (h == null) {
                return false;
            }
            decoder = null;
            proxyHeader = h;
            if (!h.local() && h.source().isPresent()) {
                client = h.source().get();
            }
            return true;
        } catch (ProxyProtocolException e) {
            decoder = null;
            rejected(Rejection.PROXY_PROTOCOL);
            throw e;
        }
    }

    /** Returns true while part of a PROXY header has arrived but not all of it. */
    public boolean proxyHeaderInProgress() {
        return decoder != null && decoder.inProgress();
    }

    /**
     * Attributes one request: its client, scheme and host, from trusted forwarded headers.
     *
     * @throws BadMessageException with 400 if a trusted proxy sent contradictory or malformed ones
     */
    public RequestOrigin resolve(RequestHead head) throws BadMessageException {
        String connectionScheme = secure || (proxyHeader != null && proxyHeader.clientUsedTls()) ? "https" : "http";
        Forwarding.Result r = Forwarding.resolve(config.forwardedAllowIps(), client, connectionScheme, head.headers());
        return new RequestOrigin(r.client(), peer, r.scheme(), r.host(), secure, proxyHeader, tls, tlsSession);
    }

    /** Records that the server refused a request on this connection with {@code e}; it closes after. */
    public void rejected(BadMessageException e) {
        rejected(classify(e.status(), e));
    }

    /**
     * Records the refusal of a request whose handler failed because the client broke its body:
     * {@code status} from {@link ExchangeRules#clientError}, {@code failure} what the handler threw.
     */
    public void rejected(int status, Throwable failure) {
        rejected(classify(status, failure));
    }

    /** Records a refusal for {@code reason}; the connection closes after it. */
    public void rejected(Rejection reason) {
        closeReason = CloseReason.REJECTED;
        context.metrics().rejected(reason);
    }

    /** Notes that a request on this connection ran past {@code timeout} and was aborted. */
    void timedOut() {
        closeReason = CloseReason.TIMEOUT;
    }

    /** Notes that a request on this connection was lost unanswered. */
    void lost() {
        if (closeReason == CloseReason.COMPLETED) {
            closeReason = CloseReason.LOST;
        }
    }

    /** Returns how the connection ended, for {@link WorkerContext#connectionClosed}. */
    public CloseReason closeReason() {
        return closeReason;
    }

    /** The rejection a failure counts as: the limit it names, else by status. */
    static Rejection classify(int status, Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof BadMessageException bad && bad.limit().isPresent()) {
                return Rejection.of(bad.limit().get());
            }
        }
        return switch (status) {
            case 408 -> Rejection.HEADER_TIMEOUT;
            case 413 -> Rejection.LIMIT_REQUEST_BODY;
            case 503 -> Rejection.OVERLOAD;
            default -> Rejection.BAD_REQUEST;
        };
    }
}
