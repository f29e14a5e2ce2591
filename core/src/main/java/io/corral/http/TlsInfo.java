package io.corral.http;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What the TLS handshake of a request's connection settled, for a handler that wants to know who
 * is calling and how: {@code request.tls()} is present exactly when Corral terminated TLS on the
 * connection ({@code certfile} or {@code keystore} set).
 *
 * <pre>{@code
 * String caller = request.tls()
 *         .flatMap(TlsInfo::clientSubject)              // CN=billing,O=Example (mTLS: cert_reqs, ca_certs)
 *         .orElse("anonymous");
 * }</pre>
 *
 * <p>The same for every request on one connection. Immutable.
 *
 * @param protocol the protocol agreed: {@code TLSv1.3} or {@code TLSv1.2}
 * @param cipherSuite the cipher suite agreed, such as {@code TLS_AES_128_GCM_SHA256}
 * @param serverName the host name the client asked for with SNI, if it sent one (any name is
 *     accepted; the server has one certificate)
 * @param applicationProtocol the ALPN protocol agreed, {@code http/1.1}; empty if the client
 *     offered none
 * @param clientCertificates the client's certificate chain, its own certificate first, verified
 *     against {@code ca_certs}; empty if the client sent none ({@code cert_reqs} {@code none} or
 *     {@code optional})
 */
public record TlsInfo(
        String protocol,
        String cipherSuite,
        Optional<String> serverName,
        Optional<String> applicationProtocol,
        List<X509Certificate> clientCertificates) {

    /** Checks that no component is null and copies the chain. */
    public TlsInfo {
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(cipherSuite, "cipherSuite");
        Objects.requireNonNull(serverName, "serverName");
        Objects.requireNonNull(applicationProtocol, "applicationProtocol");
        clientCertificates = List.copyOf(clientCertificates);
    }

    /** Returns the client's own certificate (the first of {@link #clientCertificates()}), if it sent one. */
    public Optional<X509Certificate> clientCertificate() {
        return clientCertificates.isEmpty() ? Optional.empty() : Optional.of(clientCertificates.get(0));
    }

    /**
     * Returns the subject of the client's certificate as RFC 2253 text, such as {@code
     * CN=billing,O=Example}, if it sent one; what the access log's {@code {SSL_CLIENT_S_DN}x} shows.
     */
    public Optional<String> clientSubject() {
        return clientCertificate().map(c -> c.getSubjectX500Principal().getName());
    }
}
