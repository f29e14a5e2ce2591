package io.corral.internal.tls;

import io.corral.Config;
import io.corral.ConfigException;
import io.corral.Setting;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's key, its certificate chain and the CAs trusted for client certificates, read from
 * the files the settings name and checked, so that every problem a handshake would meet later is a
 * {@link ConfigException} now, naming the setting, the file and what is wrong. Immutable once
 * read; {@link #read} does blocking file I/O.
 */
final class Credentials {

    private static final Logger LOG = LoggerFactory.getLogger("io.corral.tls");
    /** Larger than any certificate file or CA bundle: a guard against naming the wrong file. */
    private static final int MAX_FILE_BYTES = 16 * 1024 * 1024;
    /** The password of the in-memory keystore that holds a PEM key; it never leaves this process. */
    private static final char[] IN_MEMORY_PASSWORD = "corral".toCharArray();

    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    /** The keys and their chains, for a {@code KeyManagerFactory}. */
    final KeyStore keyStore;
    /** The password of {@link #keyStore}'s keys. */
    final char[] password;
    /** The chain of each key, the server's own certificate first; the first is the one reported. */
    final List<List<X509Certificate>> chains;
    /** The CAs client certificates must chain to; empty without {@code ca_certs}. */
    final List<X509Certificate> trusted;
    /** {@code certfile} or {@code keystore}: where the server's certificate came from. */
    final Setting source;

    private Credentials(
            KeyStore keyStore,
            char[] password,
            List<List<X509Certificate>> chains,
            List<X509Certificate> trusted,
            Setting source) {
        this.keyStore = keyStore;
        this.password = password;
        this.chains = chains;
        this.trusted = trusted;
        this.source = source;
    }

    /**
     * Reads and checks the files of {@code config}, whose TLS is on.
     *
     * @throws ConfigException naming the setting, the file and the problem
     */
    static Credentials read(Config config, Instant now) {
        List<X509Certificate> trusted =
                config.caCerts().isPresent() ? readCaCerts(config.caCerts().get(), now) : List.of();
        if (config.keystore().isPresent()) {
            return readKeystore(config.keystore().get(), config.keystorePassword(), trusted, now);
        }
        return readPem(config.certfile().orElseThrow(), config.keyfile(), trusted, now);
    }

    // ---- PEM --------------------------------------------------------------------------------

    private static Credentials readPem(
            Path certfile, Optional<Path> keyfile, List<X509Certificate> trusted, Instant now) {
        byte[] certBytes = readFile(Setting.CERTFILE, certfile);
        List<Pem.Block> certBlocks = blocks(Setting.CERTFILE, certfile, certBytes);
        List<X509Certificate> chain = certificates(Setting.CERTFILE, certfile, certBlocks);
        if (chain.isEmpty()) {
            throw new ConfigException(
                    Setting.CERTFILE,
                    certfile
                            + noCertificate(certBytes, certBlocks)
                            + (certBlocks.stream().anyMatch(Pem.Block::isPrivateKey)
                                    ? "; it holds a private key: is it the keyfile?"
                                    : ""));
        }
        checkValidity(Setting.CERTFILE, certfile, chain, now);

        Setting keySetting = Setting.KEYFILE;
        Path keyPath = keyfile.orElse(certfile);
        List<Pem.Block> keyBlocks;
        if (keyfile.isPresent()) {
            byte[] keyBytes = readFile(Setting.KEYFILE, keyPath);
            keyBlocks = blocks(Setting.KEYFILE, keyPath, keyBytes);
        } else {
            keyBlocks = certBlocks;
        }
        List<Pem.Block> keys =
                keyBlocks.stream().filter(Pem.Block::isPrivateKey).toList();
        if (keys.isEmpty()) {
            if (keyfile.isEmpty()) {
                throw new ConfigException(
                        keySetting,
                        "not set, and certfile " + certfile + " holds no private key: set keyfile to the PEM file"
                                + " of the certificate's key");
            }
            throw new ConfigException(
                    keySetting,
                    keyPath + " holds no private key (a -----BEGIN PRIVATE KEY-----, RSA PRIVATE KEY or EC PRIVATE"
                            + " KEY block)"
                            + (keyBlocks.stream().anyMatch(Pem.Block::isCertificate)
                                    ? "; it holds certificates: is it the certfile?"
                                    : ""));
        }
        if (keys.size() > 1) {
            throw new ConfigException(
                    keySetting,
                    keyPath + " holds " + keys.size() + " private keys; it should hold the one key of"
                            + " the certificate");
        }
        PrivateKey key;
        try {
            key = Pem.privateKey(keys.get(0));
        } catch (Pem.Malformed e) {
            throw new ConfigException(keySetting, keyPath + ": " + e.getMessage());
        }
        checkKeyMatches(keySetting, keyPath, key, Setting.CERTFILE, certfile, chain);
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("certfile", key, IN_MEMORY_PASSWORD, chain.toArray(new Certificate[0]));
            return new Credentials(store, IN_MEMORY_PASSWORD, List.of(chain), trusted, Setting.CERTFILE);
        } catch (GeneralSecurityException | IOException e) {
            throw new ConfigException(
                    keySetting, keyPath + ": the JDK cannot hold this key with its certificate: " + e.getMessage());
        }
    }

    private static List<X509Certificate> readCaCerts(Path path, Instant now) {
        byte[] bytes = readFile(Setting.CA_CERTS, path);
        List<Pem.Block> blocks = blocks(Setting.CA_CERTS, path, bytes);
        List<X509Certificate> cas = certificates(Setting.CA_CERTS, path, blocks);
        if (cas.isEmpty()) {
            throw new ConfigException(Setting.CA_CERTS, path + noCertificate(bytes, blocks));
        }
        for (X509Certificate ca : cas) {
            try {
                ca.checkValidity(Date.from(now));
            } catch (CertificateExpiredException | CertificateNotYetValidException e) {
                // one stale CA in a bundle is common and harmless; client certificates under it fail
                LOG.warn(
                        "ca_certs: {} is not valid now ({} to {}); client certificates that chain to it will"
                                + " be refused",
                        subject(ca),
                        WHEN.format(ca.getNotBefore().toInstant()),
                        WHEN.format(ca.getNotAfter().toInstant()));
            }
        }
        return cas;
    }

    // ---- keystore -----------------------------------------------------------------------------

    private static Credentials readKeystore(
            Path path, String passwordText, List<X509Certificate> trusted, Instant now) {
        byte[] bytes = readFile(Setting.KEYSTORE, path);
        char[] password = passwordText.toCharArray();
        KeyStore store;
        try {
            // the JDK's PKCS12 keystore also reads JKS files
            store = KeyStore.getInstance("PKCS12");
            store.load(new ByteArrayInputStream(bytes), password);
        } catch (IOException e) {
            if (causedBy(e, UnrecoverableKeyException.class)) {
                throw new ConfigException(
                        Setting.KEYSTORE_PASSWORD,
                        (passwordText.isEmpty()
                                        ? "not set, and keystore " + path + " needs one"
                                        : "wrong for keystore " + path)
                                + " (or the file is damaged)");
            }
            throw new ConfigException(
                    Setting.KEYSTORE,
                    path + " is not a PKCS#12 or JKS keystore ("
                            + e.getMessage() + ")"
                            + (!Pem.isBinary(bytes) ? "; it is text: give PEM files as certfile and keyfile" : ""));
        } catch (GeneralSecurityException e) {
            throw new ConfigException(Setting.KEYSTORE, path + " cannot be opened: " + e.getMessage());
        }
        List<List<X509Certificate>> chains = new ArrayList<>();
        try {
            for (String alias : Collections.list(store.aliases())) {
                if (!store.isKeyEntry(alias)) {
                    continue;
                }
                Key key;
                try {
                    key = store.getKey(alias, password);
                } catch (UnrecoverableKeyException e) {
                    throw new ConfigException(
                            Setting.KEYSTORE_PASSWORD,
                            "opens keystore " + path + " but not its key '" + alias + "', whose own password"
                                    + " differs; give the key the keystore's password");
                }
                if (!(key instanceof PrivateKey privateKey)) {
                    continue; // a secret key: nothing to do with TLS
                }
                Certificate[] certs = store.getCertificateChain(alias);
                List<X509Certificate> chain = new ArrayList<>();
                for (Certificate c : certs == null ? new Certificate[0] : certs) {
                    if (c instanceof X509Certificate x) {
                        chain.add(x);
                    }
                }
                if (chain.isEmpty()) {
                    throw new ConfigException(
                            Setting.KEYSTORE,
                            path + ": the key '" + alias + "' has no X.509 certificate chain with it");
                }
                checkValidity(Setting.KEYSTORE, path, chain, now);
                checkKeyMatches(Setting.KEYSTORE, path, privateKey, Setting.KEYSTORE, path, chain);
                chains.add(List.copyOf(chain));
            }
        } catch (GeneralSecurityException e) {
            throw new ConfigException(Setting.KEYSTORE, path + " cannot be read: " + e.getMessage());
        }
        if (chains.isEmpty()) {
            throw new ConfigException(
                    Setting.KEYSTORE,
                    path + " holds no private key with its certificate chain (only trusted certificates?); it"
                            + " needs the server's key");
        }
        return new Credentials(store, password, List.copyOf(chains), trusted, Setting.KEYSTORE);
    }

    // ---- checks -------------------------------------------------------------------------------

    /** Reads a whole file, naming {@code setting} and the path in every failure. */
    static byte[] readFile(Setting setting, Path path) {
        if (Files.isDirectory(path)) {
            throw new ConfigException(setting, path + " is a directory, not a file");
        }
        try (InputStream in = Files.newInputStream(path)) {
            byte[] bytes = in.readNBytes(MAX_FILE_BYTES + 1);
            if (bytes.length > MAX_FILE_BYTES) {
                throw new ConfigException(setting, path + " is larger than 16 MiB: not a certificate or key file");
            }
            if (bytes.length == 0) {
                throw new ConfigException(setting, path + " is empty");
            }
            return bytes;
        } catch (NoSuchFileException e) {
            throw new ConfigException(
                    setting,
                    path + " does not exist"
                            + (path.isAbsolute()
                                    ? ""
                                    : " (relative to " + Path.of("").toAbsolutePath() + ")"));
        } catch (AccessDeniedException e) {
            throw new ConfigException(setting, path + " cannot be read: permission denied");
        } catch (IOException e) {
            throw new ConfigException(setting, path + " cannot be read: " + e);
        }
    }

    private static List<Pem.Block> blocks(Setting setting, Path path, byte[] bytes) {
        try {
            return Pem.blocks(bytes);
        } catch (Pem.Malformed e) {
            throw new ConfigException(setting, path + " is not valid PEM: " + e.getMessage());
        }
    }

    private static List<X509Certificate> certificates(Setting setting, Path path, List<Pem.Block> blocks) {
        try {
            return Pem.certificates(blocks);
        } catch (Pem.Malformed e) {
            throw new ConfigException(setting, path + ": " + e.getMessage());
        }
    }

    /** Why a file yielded no certificate, after its path. */
    private static String noCertificate(byte[] bytes, List<Pem.Block> blocks) {
        if (Pem.isBinary(bytes)) {
            return " is not PEM text but binary (DER or PKCS#12?): convert a DER certificate with openssl x509"
                    + " -inform der -in FILE -out FILE.pem, or give a PKCS#12 file as keystore";
        }
        return " holds no PEM certificate (no -----BEGIN CERTIFICATE----- block"
                + (blocks.isEmpty()
                        ? ")"
                        : "; found "
                                + String.join(
                                        ", ",
                                        blocks.stream().map(Pem.Block::label).toList())
                                + ")");
    }

    private static void checkValidity(Setting setting, Path path, List<X509Certificate> chain, Instant now) {
        for (int i = 0; i < chain.size(); i++) {
            X509Certificate c = chain.get(i);
            String which = "the certificate " + subject(c) + " (number " + (i + 1) + " in " + path + ")";
            try {
                c.checkValidity(Date.from(now));
            } catch (CertificateExpiredException e) {
                throw new ConfigException(
                        setting,
                        which + " expired on " + WHEN.format(c.getNotAfter().toInstant()));
            } catch (CertificateNotYetValidException e) {
                throw new ConfigException(
                        setting,
                        which + " is not valid until "
                                + WHEN.format(c.getNotBefore().toInstant()));
            }
        }
    }

    private static void checkKeyMatches(
            Setting keySetting,
            Path keyPath,
            PrivateKey key,
            Setting certSetting,
            Path certPath,
            List<X509Certificate> chain) {
        if (matches(key, chain.get(0))) {
            return;
        }
        String where = keySetting == certSetting ? "" : " in " + certSetting.key() + " " + certPath;
        for (int i = 1; i < chain.size(); i++) {
            if (matches(key, chain.get(i))) {
                throw new ConfigException(
                        keySetting,
                        "the key in " + keyPath + " belongs to certificate number " + (i + 1) + " ("
                                + subject(chain.get(i))
                                + ")" + where + ", not to the first: put the server's own certificate first, then"
                                + " the CAs that sign it");
            }
        }
        throw new ConfigException(
                keySetting,
                "the key in " + keyPath + " does not match the certificate " + subject(chain.get(0)) + where
                        + ": they are not a pair (" + key.getAlgorithm() + " key, "
                        + chain.get(0).getPublicKey().getAlgorithm() + " certificate)");
    }

    /** Returns true if {@code key} is the private half of {@code certificate}'s public key. */
    static boolean matches(PrivateKey key, X509Certificate certificate) {
        PublicKey pub = certificate.getPublicKey();
        if (key instanceof RSAPrivateCrtKey rsa) {
            return pub instanceof RSAPublicKey p
                    && rsa.getModulus().equals(p.getModulus())
                    && rsa.getPublicExponent().equals(p.getPublicExponent());
        }
        // otherwise prove it: sign with the key, verify with the certificate
        byte[] probe = "corral: does this key belong to this certificate?".getBytes(StandardCharsets.US_ASCII);
        try {
            Signature signer = signature(key.getAlgorithm());
            signer.initSign(key);
            signer.update(probe);
            byte[] signed = signer.sign();
            Signature verifier = signature(key.getAlgorithm());
            verifier.initVerify(pub);
            verifier.update(probe);
            return verifier.verify(signed);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    private static Signature signature(String keyAlgorithm) throws GeneralSecurityException {
        return switch (keyAlgorithm) {
            case "EC" -> Signature.getInstance("SHA256withECDSA");
            case "DSA" -> Signature.getInstance("SHA256withDSA");
            case "RSASSA-PSS" -> {
                Signature s = Signature.getInstance("RSASSA-PSS");
                s.setParameter(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1));
                yield s;
            }
            case "RSA" -> Signature.getInstance("SHA256withRSA");
            default -> Signature.getInstance(keyAlgorithm); // EdDSA, Ed25519, Ed448
        };
    }

    /** Returns the subject of {@code c} as RFC 2253 text, such as {@code CN=localhost,O=Example}. */
    static String subject(X509Certificate c) {
        return c.getSubjectX500Principal().getName();
    }

    private static boolean causedBy(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }
}
