package io.corral;

import java.util.Locale;
import java.util.Optional;

/**
 * Whether TLS clients must present a certificate, and so prove who they are (mutual TLS); the
 * {@code cert_reqs} setting, with gunicorn's values. A certificate a client presents is checked
 * against {@code ca_certs} in every mode but {@link #NONE}, and a client whose certificate does not
 * verify fails the handshake; the verified chain reaches the handler as {@code
 * Request.tls().get().clientCertificates()}.
 */
public enum ClientAuth {
    /** No certificate is asked for (gunicorn's {@code 0}, {@code ssl.CERT_NONE}). */
    NONE,
    /**
     * A certificate is asked for but not required; one that is sent must verify (gunicorn's {@code 1},
     * {@code ssl.CERT_OPTIONAL}).
     */
    OPTIONAL,
    /** A client without a valid certificate fails the handshake (gunicorn's {@code 2}, {@code ssl.CERT_REQUIRED}). */
    REQUIRED;

    /**
     * Reads a {@code cert_reqs} value: {@code none}, {@code optional} or {@code required} (any case,
     * with or without Python's {@code CERT_} prefix), or gunicorn's {@code 0}, {@code 1}, {@code 2}.
     */
    static Optional<ClientAuth> parse(String value) {
        String v = value.strip().toUpperCase(Locale.ROOT);
        if (v.startsWith("SSL.")) {
            v = v.substring(4);
        }
        if (v.startsWith("CERT_")) {
            v = v.substring(5);
        }
        return switch (v) {
            case "0", "NONE" -> Optional.of(NONE);
            case "1", "OPTIONAL" -> Optional.of(OPTIONAL);
            case "2", "REQUIRED" -> Optional.of(REQUIRED);
            default -> Optional.empty();
        };
    }
}
