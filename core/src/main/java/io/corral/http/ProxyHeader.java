package io.corral.http;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The PROXY protocol header a connection began with (HAProxy's {@code proxy-protocol.txt}), as
 * {@link Request#proxyHeader()} gives it to a handler when {@code proxy_protocol} is on: which
 * version, the client's and the proxy's addresses as the proxy saw them, and, for version 2, the
 * TLVs (type-length-value extensions such as the TLS server name, the ALPN protocol or a unique
 * connection id), kept as sent.
 *
 * <pre>{@code
 * request.proxyHeader().flatMap(ProxyHeader::authority).orElse("-");   // the SNI the proxy saw
 * }</pre>
 *
 * <p>The same header serves every request of the connection. Immutable.
 *
 * @param version 1 or 2
 * @param local true for a version 2 {@code LOCAL} command (a health check from the proxy itself)
 *     and a version 1 {@code UNKNOWN} line: the header names no client, and the connection's own
 *     endpoints stand
 * @param source the client's address and port, if the header names one
 * @param destination the address and port the client connected to at the proxy, if named
 * @param tlvs version 2 TLVs in the order sent (empty for version 1 and for {@code LOCAL})
 */
public record ProxyHeader(
        int version,
        boolean local,
        Optional<InetSocketAddress> source,
        Optional<InetSocketAddress> destination,
        List<Tlv> tlvs) {

    /** TLV type of the ALPN protocol the client negotiated with the proxy ({@code PP2_TYPE_ALPN}). */
    public static final int TYPE_ALPN = 0x01;
    /** TLV type of the host name the client asked for, its TLS SNI ({@code PP2_TYPE_AUTHORITY}). */
    public static final int TYPE_AUTHORITY = 0x02;
    /** TLV type of the header's CRC-32C checksum, which the decoder has verified ({@code PP2_TYPE_CRC32C}). */
    public static final int TYPE_CRC32C = 0x03;
    /** TLV type of padding ({@code PP2_TYPE_NOOP}). */
    public static final int TYPE_NOOP = 0x04;
    /** TLV type of an opaque connection id, at most 128 bytes ({@code PP2_TYPE_UNIQUE_ID}). */
    public static final int TYPE_UNIQUE_ID = 0x05;
    /** TLV type of the TLS details of the client's connection to the proxy ({@code PP2_TYPE_SSL}). */
    public static final int TYPE_SSL = 0x20;
    /** TLV type of the network namespace the proxy accepted in ({@code PP2_TYPE_NETNS}). */
    public static final int TYPE_NETNS = 0x30;

    /** Checks the components and makes the TLV list unmodifiable. */
    public ProxyHeader {
        if (version != 1 && version != 2) {
            throw new IllegalArgumentException("version must be 1 or 2: " + version);
        }
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(destination, "destination");
        tlvs = List.copyOf(tlvs);
    }

    /** Returns the first TLV of {@code type}, if there is one. */
    public Optional<Tlv> tlv(int type) {
        for (Tlv t : tlvs) {
            if (t.type() == type) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    /** Returns the host name the client asked the proxy for (the {@code AUTHORITY} TLV, its TLS SNI). */
    public Optional<String> authority() {
        return tlv(TYPE_AUTHORITY).map(Tlv::text);
    }

    /** Returns the application protocol the client negotiated with the proxy (the {@code ALPN} TLV). */
    public Optional<String> alpn() {
        return tlv(TYPE_ALPN).map(Tlv::text);
    }

    /**
     * Returns true if the client reached the proxy over TLS: the {@code SSL} TLV is present with
     * its {@code PP2_CLIENT_SSL} bit set (HAProxy's {@code send-proxy-v2-ssl}).
     */
    public boolean clientUsedTls() {
        return tlv(TYPE_SSL)
                .map(t -> t.length() >= 1 && (t.byteAt(0) & 0x01) != 0)
                .orElse(false);
    }

    /**
     * One TLV of a version 2 header.
     *
     * @param type the type byte, 0 to 255
     * @param value the value as sent (a copy is kept and given out)
     */
    public record Tlv(int type, byte[] value) {
        /** Checks the type and copies the value. */
        public Tlv {
            if (type < 0 || type > 255) {
                throw new IllegalArgumentException("type must be 0 to 255: " + type);
            }
            value = value.clone();
        }

        /** Returns a copy of the value. */
        @Override
        public byte[] value() {
            return value.clone();
        }

        /** Returns the value's length in bytes. */
        public int length() {
            return value.length;
        }

        /** Returns one byte of the value, 0 to 255. */
        public int byteAt(int index) {
            return value[index] & 0xff;
        }

        /** Returns the value as UTF-8 text (for ALPN, AUTHORITY, UNIQUE_ID and the like). */
        public String text() {
            return new String(value, StandardCharsets.UTF_8);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Tlv t && t.type == type && Arrays.equals(t.value, value);
        }

        @Override
        public int hashCode() {
            return 31 * type + Arrays.hashCode(value);
        }

        @Override
        public String toString() {
            return "Tlv[type=0x" + Integer.toHexString(type) + ", length=" + value.length + "]";
        }
    }
}
