package io.corral.internal.net;

import io.corral.ProxyProtocol;
import io.corral.http.ProxyHeader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * The incremental PROXY protocol decoder (HAProxy's {@code proxy-protocol.txt}, versions 1 and 2),
 * fed the bytes a connection begins with, in as many pieces as the network delivers, like {@link
 * io.corral.internal.http.RequestParser}.
 *
 * <pre>{@code
 * ProxyProtocolDecoder decoder = new ProxyProtocolDecoder(ProxyProtocol.ANY);
 * ProxyHeader header;
 * while ((header = decoder.decode(buffer)) == null) {
 *     buffer.compact(); channel.read(buffer); buffer.flip();   // needs more bytes
 * }
 * // buffer now starts with the first byte of HTTP
 * }</pre>
 *
 * <p>It consumes exactly the header, nothing after it, and refuses as early as the bytes allow:
 * the first byte that cannot begin an accepted signature, a version 1 line without CRLF within 107
 * bytes (a lone CR or LF included), an address that is not a literal of its family, a port with a
 * leading zero or above 65535, a version 2 header with another version or command, a datagram
 * transport, an address block shorter than its family needs, TLVs that overrun the header, a
 * {@code UNIQUE_ID} over 128 bytes or a CRC-32C that does not match. Version 2 headers are capped at
 * {@link #MAX_V2_BYTES}. Confined to the one thread serving the connection at a time.
 */
public final class ProxyProtocolDecoder {

    /** The longest version 1 line, CRLF included. */
    public static final int MAX_V1_BYTES = 107;

    /** The largest version 2 header accepted, its 16 fixed bytes included. */
    public static final int MAX_V2_BYTES = 16 + 4096;

    private static final byte[] V1_SIGNATURE = "PROXY ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

    private final boolean v1;
    private final boolean v2;
    private byte[] buf = new byte[MAX_V1_BYTES];
    private int n; // bytes buffered
    private int v2Length = -1; // the whole v2 header's length once its fixed part is in

    /** Creates a decoder that accepts the versions {@code mode} allows; {@code mode} must be on. */
    public ProxyProtocolDecoder(ProxyProtocol mode) {
        if (!mode.enabled()) {
            throw new IllegalArgumentException("proxy_protocol is off");
        }
        this.v1 = mode.acceptsV1();
        this.v2 = mode.acceptsV2();
    }

    /**
     * Consumes bytes of {@code in} until the header is complete.
     *
     * @return the header, with {@code in} positioned just after it; or null if every byte was
     *     consumed and more are needed
     * @throws ProxyProtocolException if the bytes cannot begin a valid, accepted header
     */
    public ProxyHeader decode(ByteBuffer in) throws ProxyProtocolException {
        while (in.hasRemaining()) {
            if (v2Length > 0) {
                int take = Math.min(in.remaining(), v2Length - n);
                in.get(buf, n, take);
                n += take;
                if (n == v2Length) {
                    return v2();
                }
                continue;
            }
            byte b = in.get();
            buf[n++] = b;
            if (n <= V2_SIGNATURE.length && isV2Prefix()) {
                continue;
            }
            if (n <= V1_SIGNATURE.length && isV1Prefix()) {
                continue;
            }
            if (n > V2_SIGNATURE.length && isV2()) {
                if (n == 16) {
                    int len = ((buf[14] & 0xff) << 8) | (buf[15] & 0xff);
                    if (16 + len > MAX_V2_BYTES) {
                        throw refuse("a version 2 header of " + (16 + len) + " bytes is larger than " + MAX_V2_BYTES);
                    }
                    checkV2Fixed();
                    byte[] whole = new byte[16 + len];
                    System.arraycopy(buf, 0, whole, 0, 16);
                    buf = whole;
                    v2Length = 16 + len;
                    if (len == 0) {
                        return v2();
                    }
                }
                continue;
            }
            if (n > V1_SIGNATURE.length && isV1()) {
                if (b == '\n') {
                    if (buf[n - 2] != '\r') {
                        throw refuse("a version 1 line must end with CRLF, not a lone LF");
                    }
                    return v1();
                }
                if (buf[n - 2] == '\r') {
                    throw refuse("a lone CR in a version 1 line");
                }
                if (n >= MAX_V1_BYTES) {
                    throw refuse("a version 1 line without CRLF within " + MAX_V1_BYTES + " bytes");
                }
                continue;
            }
            throw refuse(
                    n == 1
                            ? "the connection does not begin with a PROXY protocol header" + accepted()
                            : "the PROXY protocol signature is wrong" + accepted());
        }
        return null;
    }

    /** Returns true while part of a header has arrived but not all of it. */
    public boolean inProgress() {
        return n > 0;
    }

    private String accepted() {
        return v1 && v2 ? " (version 1 or 2 expected)" : v1 ? " (version 1 expected)" : " (version 2 expected)";
    }

    private boolean isV2Prefix() {
        return v2 && startsWith(V2_SIGNATURE, Math.min(n, V2_SIGNATURE.length));
    }

    private boolean isV1Prefix() {
        return v1 && startsWith(V1_SIGNATURE, Math.min(n, V1_SIGNATURE.length));
    }

    private boolean isV2() {
        return v2 && startsWith(V2_SIGNATURE, V2_SIGNATURE.length);
    }

    private boolean isV1() {
        return v1 && startsWith(V1_SIGNATURE, V1_SIGNATURE.length);
    }

    private boolean startsWith(byte[] signature, int len) {
        for (int i = 0; i < len; i++) {
            if (buf[i] != signature[i]) {
                return false;
            }
        }
        return true;
    }

    // ---- version 1 ----------------------------------------------------------------------------

    private ProxyHeader v1() throws ProxyProtocolException {
        String line = new String(buf, V1_SIGNATURE.length, n - 2 - V1_SIGNATURE.length, StandardCharsets.US_ASCII);
        if (line.startsWith("UNKNOWN")) {
            if (line.length() > 7 && line.charAt(7) != ' ') {
                throw refuse("a version 1 line with an unknown protocol");
            }
            return new ProxyHeader(1, true, Optional.empty(), Optional.empty(), List.of()); // the rest is ignored
        }
        String[] f = line.split(" ", -1);
        if (f.length != 5) {
            throw refuse("a version 1 line needs the protocol, two addresses and two ports, single-spaced");
        }
        boolean tcp4 = f[0].equals("TCP4");
        if (!tcp4 && !f[0].equals("TCP6")) {
            throw refuse("a version 1 line with protocol " + printable(f[0]) + " (TCP4, TCP6 or UNKNOWN expected)");
        }
        InetSocketAddress source = v1Address(f[1], f[3], tcp4);
        InetSocketAddress destination = v1Address(f[2], f[4], tcp4);
        return new ProxyHeader(1, false, Optional.of(source), Optional.of(destination), List.of());
    }

    private static InetSocketAddress v1Address(String ip, String port, boolean tcp4) throws ProxyProtocolException {
        byte[] bytes = IpAddresses.bytes(ip, 0, ip.length());
        boolean family = bytes != null && (tcp4 ? ip.indexOf(':') < 0 : ip.indexOf(':') >= 0);
        if (!family) {
            throw refuse(
                    "a version 1 line with " + printable(ip) + ", not an " + (tcp4 ? "IPv4" : "IPv6") + " address");
        }
        int p = IpAddresses.port(port, 0, port.length());
        if (p < 0) {
            throw refuse("a version 1 line with port " + printable(port) + " (0 to 65535, no leading zeros)");
        }
        return new InetSocketAddress(address(bytes), p);
    }

    private static String printable(String s) {
        String cut = s.length() > 40 ? s.substring(0, 40) + "..." : s;
        return "'" + cut.replaceAll("[^\\x21-\\x7e]", "?") + "'";
    }

    // ---- version 2 ----------------------------------------------------------------------------

    private void checkV2Fixed() throws ProxyProtocolException {
        int verCmd = buf[12] & 0xff;
        if ((verCmd >> 4) != 2) {
            throw refuse("a version 2 signature with version " + (verCmd >> 4));
        }
        if ((verCmd & 0x0f) > 1) {
            throw refuse("a version 2 header with command " + (verCmd & 0x0f) + " (LOCAL or PROXY expected)");
        }
    }

    private ProxyHeader v2() throws ProxyProtocolException {
        boolean local = (buf[12] & 0x0f) == 0;
        if (local) {
            // LOCAL (the proxy's own health check): the block is skipped, the real endpoints stand
            return new ProxyHeader(2, true, Optional.empty(), Optional.empty(), List.of());
        }
        int family = (buf[13] & 0xff) >> 4;
        int transport = buf[13] & 0x0f;
        int at = 16;
        Optional<InetSocketAddress> source = Optional.empty();
        Optional<InetSocketAddress> destination = Optional.empty();
        if (transport == 2) {
            throw refuse("a version 2 header for a datagram (DGRAM) connection on a stream listener");
        }
        switch (family) {
            case 0 -> {
                if (transport != 0) {
                    throw refuse("a version 2 header with an unspecified family but transport " + transport);
                }
            }
            case 1, 2 -> {
                if (transport != 1) {
                    throw refuse("a version 2 header with transport " + transport + " (STREAM expected)");
                }
                int size = family == 1 ? 4 : 16;
                if (v2Length - 16 < 2 * size + 4) {
                    throw refuse(
                            "a version 2 header too short for its " + (family == 1 ? "IPv4" : "IPv6") + " addresses");
                }
                byte[] src = new byte[size];
                byte[] dst = new byte[size];
                System.arraycopy(buf, at, src, 0, size);
                System.arraycopy(buf, at + size, dst, 0, size);
                int srcPort = u16(at + 2 * size);
                int dstPort = u16(at + 2 * size + 2);
                source = Optional.of(new InetSocketAddress(address(src), srcPort));
                destination = Optional.of(new InetSocketAddress(address(dst), dstPort));
                at += 2 * size + 4;
            }
            case 3 -> {
                if (transport != 1) {
                    throw refuse("a version 2 header with transport " + transport + " (STREAM expected)");
                }
                if (v2Length - 16 < 216) {
                    throw refuse("a version 2 header too short for its UNIX addresses");
                }
                at += 216; // a UNIX socket names no IP client: the connection's own peer stands
            }
            default -> throw refuse("a version 2 header with unknown address family " + family);
        }
        List<ProxyHeader.Tlv> tlvs = tlvs(at);
        return new ProxyHeader(2, false, source, destination, tlvs);
    }

    private List<ProxyHeader.Tlv> tlvs(int from) throws ProxyProtocolException {
        List<ProxyHeader.Tlv> tlvs = new ArrayList<>();
        int at = from;
        while (at < v2Length) {
            if (v2Length - at < 3) {
                throw refuse("a version 2 TLV cut short");
            }
            int type = buf[at] & 0xff;
            int len = u16(at + 1);
            if (at + 3 + len > v2Length) {
                throw refuse("a version 2 TLV of type 0x" + Integer.toHexString(type) + " overruns the header");
            }
            byte[] value = new byte[len];
            System.arraycopy(buf, at + 3, value, 0, len);
            if (type == ProxyHeader.TYPE_UNIQUE_ID && len > 128) {
                throw refuse("a version 2 UNIQUE_ID TLV longer than 128 bytes");
            }
            if (type == ProxyHeader.TYPE_CRC32C) {
                checkCrc(at + 3, len);
            }
            tlvs.add(new ProxyHeader.Tlv(type, value));
            at += 3 + len;
        }
        return tlvs;
    }

    private void checkCrc(int at, int len) throws ProxyProtocolException {
        if (len != 4) {
            throw refuse("a version 2 CRC32C TLV of " + len + " bytes (4 expected)");
        }
        long sent = ((long) (buf[at] & 0xff) << 24)
                | ((buf[at + 1] & 0xff) << 16)
                | ((buf[at + 2] & 0xff) << 8)
                | (buf[at + 3] & 0xff);
        byte[] copy = new byte[v2Length];
        System.arraycopy(buf, 0, copy, 0, v2Length);
        for (int i = 0; i < 4; i++) {
            copy[at + i] = 0;
        }
        CRC32C crc = new CRC32C();
        crc.update(copy, 0, v2Length);
        if (crc.getValue() != sent) {
            throw refuse("a version 2 header whose CRC32C does not match");
        }
    }

    private int u16(int at) {
        return ((buf[at] & 0xff) << 8) | (buf[at + 1] & 0xff);
    }

    private static InetAddress address(byte[] bytes) {
        try {
            return InetAddress.getByAddress(bytes); // no lookup: 4 or 16 bytes
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // only for a length other than 4 or 16
        }
    }

    private static ProxyProtocolException refuse(String why) {
        return new ProxyProtocolException("PROXY protocol: " + why);
    }
}
