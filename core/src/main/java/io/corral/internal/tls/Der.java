package io.corral.internal.tls;

import java.io.ByteArrayOutputStream;

/**
 * The little DER (ASN.1) that reading PEM private keys takes: walking a structure's elements, an
 * object identifier's dotted text, and writing the PKCS#8 envelope around a PKCS#1 or SEC1 key.
 * Not a general ASN.1 library: definite lengths only, and every malformed input is an {@link
 * IllegalArgumentException}. Stateless.
 */
final class Der {

    static final int INTEGER = 0x02;
    static final int OCTET_STRING = 0x04;
    static final int NULL = 0x05;
    static final int OID = 0x06;
    static final int SEQUENCE = 0x30;
    /** The context-specific, constructed tag {@code [0]}. */
    static final int CONTEXT_0 = 0xA0;

    private Der() {}

    /**
     * One element: its tag, and where its content lies in {@code bytes}.
     *
     * @param bytes the whole encoding it was read from
     * @param tag the identifier octet
     * @param start where the tag begins
     * @param contentStart where the content begins
     * @param end one past the content's last byte
     */
    record Element(byte[] bytes, int tag, int start, int contentStart, int end) {

        /** Returns the content bytes. */
        byte[] content() {
            byte[] c = new byte[end - contentStart];
            System.arraycopy(bytes, contentStart, c, 0, c.length);
            return c;
        }

        /** Returns the whole element, tag and length included. */
        byte[] encoded() {
            byte[] e = new byte[end - start];
            System.arraycopy(bytes, start, e, 0, e.length);
            return e;
        }

        /** Returns the first element inside this constructed one. */
        Element first() {
            return read(bytes, contentStart, end);
        }

        /** Returns the element after this one inside {@code parent}, or null if this is the last. */
        Element next(Element parent) {
            return end >= parent.end ? null : read(bytes, end, parent.end);
        }
    }

    /** Reads the element that fills all of {@code bytes}. */
    static Element parse(byte[] bytes) {
        Element e = read(bytes, 0, bytes.length);
        if (e.end != bytes.length) {
            throw new IllegalArgumentException("trailing bytes after the DER structure");
        }
        return e;
    }

    /** Reads the element at {@code offset}, which must end by {@code limit}. */
    static Element read(byte[] bytes, int offset, int limit) {
        if (offset + 2 > limit) {
            throw new IllegalArgumentException("DER element cut short");
        }
        int tag = bytes[offset] & 0xff;
        if ((tag & 0x1f) == 0x1f) {
            throw new IllegalArgumentException("DER multi-byte tags are not expected here");
        }
        int first = bytes[offset + 1] & 0xff;
        int pos = offset + 2;
        long length;
        if (first < 0x80) {
            length = first;
        } else {
            int count = first & 0x7f;
            if (count == 0 || count > 4) {
                throw new IllegalArgumentException("DER length is indefinite or too long");
            }
            if (pos + count > limit) {
                throw new IllegalArgumentException("DER element cut short");
            }
            length = 0;
            for (int i = 0; i < count; i++) {
                length = (length << 8) | (bytes[pos++] & 0xff);
            }
        }
        if (length > limit - pos) {
            throw new IllegalArgumentException("DER element longer than what holds it");
        }
        return new Element(bytes, tag, offset, pos, pos + (int) length);
    }

    /** Returns the dotted text of an object identifier's content, such as {@code 1.2.840.10045.2.1}. */
    static String oidText(byte[] content) {
        if (content.length == 0) {
            throw new IllegalArgumentException("empty object identifier");
        }
        StringBuilder sb = new StringBuilder();
        long value = 0;
        boolean first = true;
        for (byte b : content) {
            if (value > Long.MAX_VALUE >>> 7) {
                throw new IllegalArgumentException("object identifier arc too large");
            }
            value = (value << 7) | (b & 0x7f);
            if ((b & 0x80) == 0) {
                if (first) {
                    long top = Math.min(value / 40, 2);
                    sb.append(top).append('.').append(value - top * 40);
                    first = false;
                } else {
                    sb.append('.').append(value);
                }
                value = 0;
            }
        }
        if ((content[content.length - 1] & 0x80) != 0) {
            throw new IllegalArgumentException("object identifier cut short");
        }
        return sb.toString();
    }

    /** Returns the full encoding of an object identifier given as dotted text. */
    static byte[] oid(String dotted) {
        String[] arcs = dotted.split("\\.");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writeArc(out, Long.parseLong(arcs[0]) * 40 + Long.parseLong(arcs[1]));
        for (int i = 2; i < arcs.length; i++) {
            writeArc(out, Long.parseLong(arcs[i]));
        }
        return tlv(OID, out.toByteArray());
    }

    private static void writeArc(ByteArrayOutputStream out, long arc) {
        int groups = 1;
        while (groups < 10 && (arc >>> (7 * groups)) != 0) {
            groups++;
        }
        for (int g = groups - 1; g >= 0; g--) {
            int b = (int) ((arc >>> (7 * g)) & 0x7f);
            out.write(g == 0 ? b : b | 0x80);
        }
    }

    /** Returns a tag, a length and {@code content}. */
    static byte[] tlv(int tag, byte[]... content) {
        int length = 0;
        for (byte[] c : content) {
            length += c.length;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(length + 6);
        out.write(tag);
        if (length < 0x80) {
            out.write(length);
        } else if (length < 0x100) {
            out.write(0x81);
            out.write(length);
        } else if (length < 0x10000) {
            out.write(0x82);
            out.write(length >> 8);
            out.write(length);
        } else {
            out.write(0x83);
            out.write(length >> 16);
            out.write(length >> 8);
            out.write(length);
        }
        for (byte[] c : content) {
            out.writeBytes(c);
        }
        return out.toByteArray();
    }

    /**
     * Returns a PKCS#8 {@code PrivateKeyInfo} (version 0) around {@code key}, the algorithm's own
     * encoding, with {@code algorithm} as its {@code AlgorithmIdentifier}.
     */
    static byte[] pkcs8(byte[] algorithm, byte[] key) {
        return tlv(SEQUENCE, new byte[] {INTEGER, 1, 0}, algorithm, tlv(OCTET_STRING, key));
    }
}
