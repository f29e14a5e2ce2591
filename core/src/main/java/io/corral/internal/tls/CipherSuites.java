package io.corral.internal.tls;

import io.corral.ConfigException;
import io.corral.Setting;
import java.security.GeneralSecurityException;
import java.util.List;
import java.util.Set;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;

/**
 * Checks the {@code ciphers} setting against the JDK: each name must be a cipher suite that the
 * JDK's TLS provider supports and enables. Stateless.
 */
public final class CipherSuites {

    private CipherSuites() {}

    /**
     * Checks {@code suites}; an empty list (the JDK's defaults) is always fine.
     *
     * @throws ConfigException naming {@code ciphers}, the first suite refused and why
     */
    public static void check(List<String> suites) {
        if (suites.isEmpty()) {
            return;
        }
        SSLContext context;
        try {
            context = SSLContext.getInstance("TLS");
            context.init(new KeyManager[0], new TrustManager[0], null);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no TLS provider", e);
        }
        Set<String> supported = Set.of(context.getSupportedSSLParameters().getCipherSuites());
        List<String> enabled = List.of(context.getDefaultSSLParameters().getCipherSuites());
        for (String suite : suites) {
            if (suite.endsWith("_SCSV")) {
                throw new ConfigException(
                        Setting.CIPHERS, suite, "cipher suites; this is a signalling value, not a suite");
            }
            if (!supported.contains(suite)) {
                if (!suite.startsWith("TLS_") && !suite.startsWith("SSL_")) {
                    throw new ConfigException(
                            Setting.CIPHERS,
                            suite,
                            "JSSE (IANA) cipher suite names, such as TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 for"
                                    + " OpenSSL's ECDHE-RSA-AES128-GCM-SHA256; OpenSSL names and cipher strings"
                                    + " are not understood");
                }
                throw new ConfigException(
                        Setting.CIPHERS,
                        suite,
                        "cipher suites this JDK supports: " + String.join(", ", withoutSignalling(enabled)));
            }
            if (!enabled.contains(suite)) {
                throw new ConfigException(
                        Setting.CIPHERS,
                        suite,
                        "cipher suites this JDK enables; it knows this one but disables it (an anonymous or"
                                + " NULL suite, or one in jdk.tls.disabledAlgorithms of java.security)");
            }
        }
    }

    private static List<String> withoutSignalling(List<String> suites) {
        return suites.stream().filter(s -> !s.endsWith("_SCSV")).toList();
    }
}
