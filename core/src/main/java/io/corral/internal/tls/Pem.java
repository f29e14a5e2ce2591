package io.corral.internal.tls;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * Reads PEM text (RFC 7468) with the JDK alone: the blocks of a file, the X.509 certificates among
 * them, and a private key in any of the three forms that OpenSSL and gunicorn's users have: PKCS#8
 * ({@code BEGIN PRIVATE KEY}), PKCS#1 RSA ({@code BEGIN RSA PRIVATE KEY}) and SEC1 EC ({@code
 * BEGIN EC PRIVATE KEY}, after an optional {@code BEGIN EC PARAMETERS} block). The last two are
 * re-wrapped as PKCS#8, which is what the JDK's key factories read. Encrypted keys are refused
 * with a message that says what to do instead. Text outside the blocks (OpenSSL's {@code
 * subject=} lines, comments) is ignored. Stateless.
 */
final class Pem {

    /** RSA ({@code rsaEncryption}). */
    static final String OID_RSA = "1.2.840.113549.1.1.1";
    /** RSASSA-PSS. */
    static final String OID_RSASSA_PSS = "1.2.840.113549.1.1.10";
    /** EC ({@code id-ecPublicKey}). */
    static final String OID_EC = "1.2.840.10045.2.1";
    /** Ed25519. */
    static final String OID_ED25519 = "1.3.101.112";
    /** Ed448. */
    static final String OID_ED448 = "1.3.101.113";
    /** DSA. */
    static final String OID_DSA = "1.2.840.10040.4.1";

    private Pem() {}

    /** A file that is not the PEM it should be; the message says what is wrong, for a person. */
    static final class Malformed extends Exception {
        private static final long serialVersionUID = 1L;

        Malformed(String message) {
            super(message);
        }

        Malformed(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * One {@code -----BEGIN LABEL-----} block.
     *
     * @param label the label, such as {@code CERTIFICATE}
     * @param number the block's position in its file, from 1
     * @param encrypted whether RFC 1421 headers ({@code Proc-Type: 4,ENCRYPTED}) say it is encrypted
     * @param der the decoded bytes
     */
    record Block(String label, int number, boolean encrypted, byte[] der) {

        /** Returns true for a block that holds a private key of any form. */
        boolean isPrivateKey() {
            return label.endsWith("PRIVATE KEY");
        }

        /** Returns true for a block that holds an X.509 certificate. */
        boolean isCertificate() {
            return label.equals("CERTIFICATE") || label.equals("X509 CERTIFICATE");
        }
    }

    /** Returns true if {@code bytes} do not look like text: a DER or PKCS#12 file, say. */
    static boolean isBinary(byte[] bytes) {
        int n = Math.min(bytes.length, 512);
        for (int i = 0; i < n; i++) {
            int b = bytes[i] & 0xff;
            if (b < 0x09 || (b > 0x0d && b < 0x20) || b == 0x7f) {
                return true;
            }
        }
        return false;
    }

    /**
     * Returns every PEM block in {@code bytes}, in order.
     *
     * @throws Malformed if a block is not closed, is closed with another label, or is not base64
     */
    static List<Block> blocks(byte[] bytes) throws Malformed {
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        List<Block> blocks = new ArrayList<>();
        String label = null;
        boolean encrypted = false;
        StringBuilder body = new StringBuilder();
        for (String raw : text.split("\r\n|\r|\n")) {
            String line = raw.strip();
            if (label == null) {
                if (line.startsWith("-----BEGIN ") && line.endsWith("-----") && line.length() > 16) {
                    label = line.substring(11, line.length() - 5).strip();
                    encrypted = false;
                    body.setLength(0);
                }
                continue;
            }
            if (line.startsWith("-----END ")) {
                String end = line.endsWith("-----")
                        ? line.substring(9, line.length() - 5).strip()
                        : line;
                if (!end.equals(label)) {
                    throw new Malformed("its -----BEGIN " + label + "----- block (number " + (blocks.size() + 1)
                            + ") ends with " + line + " instead of -----END " + label + "-----");
                }
                byte[] der;
                try {
                    der = Base64.getDecoder().decode(body.toString());
                } catch (IllegalArgumentException e) {
                    throw new Malformed("its " + label + " block (number " + (blocks.size() + 1)
                            + ") is not valid base64: " + e.getMessage());
                }
                blocks.add(new Block(label, blocks.size() + 1, encrypted, der));
                label = null;
            } else if (line.indexOf(':') > 0) {
                // an RFC 1421 header, as in OpenSSL's "traditional" encrypted keys; base64 has no colon
                String upper = line.toUpperCase(Locale.ROOT);
                if (upper.startsWith("DEK-INFO") || (upper.startsWith("PROC-TYPE") && upper.contains("ENCRYPTED"))) {
                    encrypted = true;
                }
            } else {
                body.append(line);
            }
        }
        if (label != null) {
            throw new Malformed("its -----BEGIN " + label + "----- block has no -----END " + label
                    + "----- line (is the file cut short?)");
        }
        return blocks;
    }

    /**
     * Returns the certificates among {@code blocks}, in order.
     *
     * @throws Malformed if a certificate block is not an X.509 certificate
     */
    static List<X509Certificate> certificates(List<Block> blocks) throws Malformed {
        CertificateFactory factory;
        try {
            factory = CertificateFactory.getInstance("X.509");
        } catch (CertificateException e) {
            throw new IllegalStateException("the JDK has no X.509 certificate factory", e);
        }
        List<X509Certificate> certificates = new ArrayList<>();
        for (Block b : blocks) {
            if (!b.isCertificate()) {
                continue;
            }
            try {
                certificates.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(b.der())));
            } catch (CertificateException | RuntimeException e) {
                throw new Malformed(
                        "its CERTIFICATE block (number " + b.number() + ") is not a valid X.509 certificate: "
                                + e.getMessage(),
                        e);
            }
        }
        return certificates;
    }

    /**
     * Returns the private key in {@code block}.
     *
     * @throws Malformed if it is encrypted, of a form or algorithm the JDK cannot use, or damaged
     */
    static PrivateKey privateKey(Block block) throws Malformed {
        String label = block.label();
        if (label.equals("ENCRYPTED PRIVATE KEY") || block.encrypted()) {
            throw new Malformed("it holds an encrypted private key, which Corral does not decrypt: write it"
                    + " unencrypted (openssl pkey -in KEY -out PLAIN, readable by the server only), or put key and"
                    + " certificate in a PKCS#12 file and set keystore and keystore_password");
        }
        try {
            return switch (label) {
                case "PRIVATE KEY" -> pkcs8(block.der());
                case "RSA PRIVATE KEY" ->
                    pkcs8(Der.pkcs8(Der.tlv(Der.SEQUENCE, Der.oid(OID_RSA), new byte[] {Der.NULL, 0}), block.der()));
                case "EC PRIVATE KEY" -> pkcs8(sec1ToPkcs8(block.der()));
                default ->
                    throw new Malformed("its key is a -----BEGIN " + label + "----- block, a form Corral does not"
                            + " read; give the key as"
                            + " PKCS#8 (BEGIN PRIVATE KEY), PKCS#1 RSA (BEGIN RSA PRIVATE KEY) or SEC1 EC (BEGIN EC"
                            + " PRIVATE KEY): openssl pkey -in KEY -out KEY.pem writes PKCS#8");
            };
        } catch (IllegalArgumentException e) {
            throw new Malformed("its " + label + " block is not a valid key: " + e.getMessage(), e);
        }
    }

    /** Reads a PKCS#8 {@code PrivateKeyInfo}, finding the key factory from its algorithm identifier. */
    private static PrivateKey pkcs8(byte[] der) throws Malformed {
        Der.Element info = Der.parse(der);
        Der.Element version = info.first();
        Der.Element algorithm = version.next(info);
        if (info.tag() != Der.SEQUENCE
                || version.tag() != Der.INTEGER
                || algorithm == null
                || algorithm.tag() != Der.SEQUENCE) {
            throw new IllegalArgumentException("not a PKCS#8 PrivateKeyInfo");
        }
        Der.Element oid = algorithm.first();
        if (oid.tag() != Der.OID) {
            throw new IllegalArgumentException("no algorithm identifier");
        }
        String dotted = Der.oidText(oid.content());
        String factory = switch (dotted) {
            case OID_RSA -> "RSA";
            case OID_RSASSA_PSS -> "RSASSA-PSS";
            case OID_EC -> "EC";
            case OID_ED25519 -> "Ed25519";
            case OID_ED448 -> "Ed448";
            case OID_DSA -> "DSA";
            default ->
                throw new Malformed("it holds a key of algorithm " + dotted + ", which cannot sign for a TLS"
                        + " server certificate; use an RSA, EC or Ed25519 key");
        };
        try {
            return KeyFactory.getInstance(factory).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new Malformed("its " + factory + " private key cannot be read: " + e.getMessage(), e);
        }
    }

    /**
     * Wraps a SEC1 {@code ECPrivateKey} (RFC 5915) in PKCS#8, with the named curve its {@code [0]}
     * field gives.
     */
    private static byte[] sec1ToPkcs8(byte[] der) throws Malformed {
        Der.Element key = Der.parse(der);
        if (key.tag() != Der.SEQUENCE) {
            throw new IllegalArgumentException("not a SEC1 ECPrivateKey");
        }
        byte[] curve = null;
        for (Der.Element e = key.first(); e != null; e = e.next(key)) {
            if (e.tag() == Der.CONTEXT_0) {
                Der.Element parameters = e.first();
                if (parameters.tag() != Der.OID) {
                    throw new Malformed("its EC key spells its curve out as explicit parameters; give it with a"
                            + " named curve (openssl ec -in KEY -param_enc named_curve -out KEY.pem)");
                }
                curve = parameters.encoded();
            }
        }
        if (curve == null) {
            throw new Malformed("its EC key does not name its curve (no parameters field); write it as PKCS#8:"
                    + " openssl pkey -in KEY -out KEY.pem");
        }
        return Der.pkcs8(Der.tlv(Der.SEQUENCE, Der.oid(OID_EC), curve), der);
    }
}
