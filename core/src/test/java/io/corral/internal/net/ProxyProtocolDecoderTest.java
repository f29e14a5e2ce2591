package io.corral.internal.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.ProxyProtocol;
import io.corral.http.ProxyHeader;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The PROXY protocol decoder, table-driven: raw bytes in, a header or a refusal out. */
class ProxyProtocolDecoderTest {

    static final byte[] SIG = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

    /** A v2 header: version/command byte, family/transport byte, then the block. */
    static byte[] v2(int verCmd, int famTransport, byte[] block) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(SIG);
        out.write(verCmd);
        out.write(famTransport);
        out.write(block.length >> 8);
        out.write(block.length & 0xff);
        out.writeBytes(block);
        return out.toByteArray();
    }

    static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    static byte[] tlv(int type, byte[] value) {
        return concat(bytes(type, value.length >> 8, value.length & 0xff), value);
    }

    /** 192.0.2.1:56324 -> 198.51.100.2:443; ports above 32767 catch a signed decode. */
    static final byte[] INET_BLOCK = bytes(192, 0, 2, 1, 198, 51, 100, 2, 0xDC, 0x04, 0x01, 0xBB);

    static byte[] inet6Block() {
        byte[] b = new byte[36];
        b[0] = 0x20;
        b[1] = 0x01;
        b[2] = 0x0d;
        b[3] = (byte) 0xb8;
        b[15] = 1; // 2001:db8::1
        b[16] = 0x20;
        b[17] = 0x01;
        b[18] = 0x0d;
        b[19] = (byte) 0xb8;
        b[31] = 2; // 2001:db8::2
        b[32] = (byte) 0xff;
        b[33] = (byte) 0xff; // 65535
        b[34] = (byte) 0x80;
        b[35] = 0x00; // 32768
        return b;
    }

    static ProxyHeader decode(ProxyProtocol mode, byte[] input) throws Exception {
        ProxyProtocolDecoder d = new ProxyProtocolDecoder(mode);
        ByteBuffer in = ByteBuffer.wrap(input);
        ProxyHeader h = d.decode(in);
        return h;
    }

    /** Feeds the bytes one at a time: the same header must come out. */
    static ProxyHeader decodeByteByByte(ProxyProtocol mode, byte[] input) throws Exception {
        ProxyProtocolDecoder d = new ProxyProtocolDecoder(mode);
        for (int i = 0; i < input.length; i++) {
            ProxyHeader h = d.decode(ByteBuffer.wrap(input, i, 1));
            if (h != null) {
                assertEquals(input.length - 1, i, "the header ended early");
                return h;
            }
        }
        return null;
    }

    static Stream<Arguments> valid() {
        return Stream.of(
                Arguments.of(
                        "v1 TCP4",
                        ProxyProtocol.V1,
                        "PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n".getBytes(StandardCharsets.US_ASCII),
                        "192.0.2.1:56324",
                        false),
                Arguments.of(
                        "v1 TCP6",
                        ProxyProtocol.ANY,
                        "PROXY TCP6 2001:db8::1 2001:db8::2 65535 32768\r\n".getBytes(StandardCharsets.US_ASCII),
                        "[2001:db8::1]:65535",
                        false),
                Arguments.of(
                        "v1 UNKNOWN, rest ignored",
                        ProxyProtocol.V1,
                        "PROXY UNKNOWN ffff:f...f:ffff 12345 54321\r\n".getBytes(StandardCharsets.US_ASCII),
                        null,
                        true),
                Arguments.of(
                        "v1 UNKNOWN alone",
                        ProxyProtocol.ANY,
                        "PROXY UNKNOWN\r\n".getBytes(StandardCharsets.US_ASCII),
                        null,
                        true),
                Arguments.of(
                        "v1 at 107 bytes",
                        ProxyProtocol.V1,
                        ("PROXY UNKNOWN " + "x".repeat(107 - 16) + "\r\n").getBytes(StandardCharsets.US_ASCII),
                        null,
                        true),
                Arguments.of(
                        "v2 INET, port above 32767",
                        ProxyProtocol.V2,
                        v2(0x21, 0x11, INET_BLOCK),
                        "192.0.2.1:56324",
                        false),
                Arguments.of("v2 INET6", ProxyProtocol.ANY, v2(0x21, 0x21, inet6Block()), "[2001:db8::1]:65535", false),
                Arguments.of("v2 LOCAL", ProxyProtocol.V2, v2(0x20, 0x00, new byte[0]), null, true),
                Arguments.of(
                        "v2 LOCAL with a block, skipped", ProxyProtocol.V2, v2(0x20, 0x11, INET_BLOCK), null, true),
                Arguments.of("v2 UNSPEC PROXY", ProxyProtocol.V2, v2(0x21, 0x00, new byte[0]), null, false),
                Arguments.of("v2 UNIX", ProxyProtocol.V2, v2(0x31 - 0x10, 0x31, new byte[216]), null, false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valid")
    void decodesValidHeaders(String name, ProxyProtocol mode, byte[] input, String source, boolean local)
            throws Exception {
        for (ProxyHeader h : List.of(decode(mode, input), decodeByteByByte(mode, input))) {
            assertEquals(local, h.local(), name);
            assertEquals(source, h.source().map(ProxyProtocolDecoderTest::text).orElse(null), name);
        }
    }

    static String text(InetSocketAddress a) {
        String host = IpAddresses.text(a.getAddress());
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    static Stream<Arguments> malformed() {
        List<Arguments> cases = new ArrayList<>();
        cases.add(Arguments.of("HTTP instead of a header", ProxyProtocol.ANY, ascii("GET / HTTP/1.1\r\n")));
        cases.add(Arguments.of("bad v1 signature", ProxyProtocol.V1, ascii("PROXX TCP4 1.2.3.4 5.6.7.8 1 2\r\n")));
        cases.add(Arguments.of("lower-case proxy", ProxyProtocol.V1, ascii("proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n")));
        cases.add(Arguments.of("v1 when only v2", ProxyProtocol.V2, ascii("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n")));
        cases.add(Arguments.of("v2 when only v1", ProxyProtocol.V1, v2(0x21, 0x11, INET_BLOCK)));
        cases.add(Arguments.of("v1 lone LF", ProxyProtocol.V1, ascii("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n")));
        cases.add(Arguments.of("v1 lone CR", ProxyProtocol.V1, ascii("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\rX\r\n")));
        cases.add(
                Arguments.of("v1 over 107 bytes", ProxyProtocol.V1, ascii("PROXY UNKNOWN " + "x".repeat(92) + "\r\n")));
        cases.add(
                Arguments.of("v1 port above 65535", ProxyProtocol.V1, ascii("PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n")));
        cases.add(Arguments.of("v1 leading zero", ProxyProtocol.V1, ascii("PROXY TCP4 1.2.3.4 5.6.7.8 080 2\r\n")));
        cases.add(Arguments.of("v1 negative port", ProxyProtocol.V1, ascii("PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n")));
        cases.add(Arguments.of("v1 IPv6 as TCP4", ProxyProtocol.V1, ascii("PROXY TCP4 ::1 ::2 1 2\r\n")));
        cases.add(Arguments.of("v1 IPv4 as TCP6", ProxyProtocol.V1, ascii("PROXY TCP6 1.2.3.4 5.6.7.8 1 2\r\n")));
        cases.add(Arguments.of("v1 host name", ProxyProtocol.V1, ascii("PROXY TCP4 localhost 5.6.7.8 1 2\r\n")));
        cases.add(Arguments.of("v1 octet 256", ProxyProtocol.V1, ascii("PROXY TCP4 1.2.3.256 5.6.7.8 1 2\r\n")));
        cases.add(Arguments.of("v1 double space", ProxyProtocol.V1, ascii("PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n")));
        cases.add(Arguments.of("v1 missing port", ProxyProtocol.V1, ascii("PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n")));
        cases.add(Arguments.of("v1 UDP4", ProxyProtocol.V1, ascii("PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n")));
        cases.add(Arguments.of("v1 UNKNOWNX", ProxyProtocol.V1, ascii("PROXY UNKNOWNX\r\n")));
        cases.add(Arguments.of(
                "bad v2 signature",
                ProxyProtocol.V2,
                concat(
                        bytes(0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0B),
                        bytes(0x21, 0x11, 0, 0))));
        cases.add(Arguments.of("v2 version 1", ProxyProtocol.V2, v2(0x11, 0x11, INET_BLOCK)));
        cases.add(Arguments.of("v2 version 3", ProxyProtocol.V2, v2(0x31, 0x11, INET_BLOCK)));
        cases.add(Arguments.of("v2 command 2", ProxyProtocol.V2, v2(0x22, 0x11, INET_BLOCK)));
        cases.add(Arguments.of("v2 DGRAM", ProxyProtocol.V2, v2(0x21, 0x12, INET_BLOCK)));
        cases.add(Arguments.of("v2 INET6 DGRAM", ProxyProtocol.V2, v2(0x21, 0x22, inet6Block())));
        cases.add(Arguments.of("v2 family 4", ProxyProtocol.V2, v2(0x21, 0x41, INET_BLOCK)));
        cases.add(Arguments.of("v2 INET unspecified transport", ProxyProtocol.V2, v2(0x21, 0x10, INET_BLOCK)));
        cases.add(Arguments.of("v2 INET block too short", ProxyProtocol.V2, v2(0x21, 0x11, new byte[11])));
        cases.add(Arguments.of("v2 INET6 block too short", ProxyProtocol.V2, v2(0x21, 0x21, new byte[35])));
        cases.add(Arguments.of(
                "v2 TLV cut short", ProxyProtocol.V2, v2(0x21, 0x11, concat(INET_BLOCK, bytes(0x05, 0x00)))));
        cases.add(Arguments.of(
                "v2 TLV overruns",
                ProxyProtocol.V2,
                v2(0x21, 0x11, concat(INET_BLOCK, bytes(0x05, 0x00, 0x09, 1, 2)))));
        cases.add(Arguments.of(
                "v2 UNIQUE_ID over 128",
                ProxyProtocol.V2,
                v2(0x21, 0x11, concat(INET_BLOCK, tlv(0x05, new byte[129])))));
        cases.add(Arguments.of(
                "v2 CRC32C wrong", ProxyProtocol.V2, v2(0x21, 0x11, concat(INET_BLOCK, tlv(0x03, bytes(1, 2, 3, 4))))));
        cases.add(Arguments.of(
                "v2 CRC32C of 3 bytes",
                ProxyProtocol.V2,
                v2(0x21, 0x11, concat(INET_BLOCK, tlv(0x03, bytes(1, 2, 3))))));
        cases.add(Arguments.of("v2 larger than the cap", ProxyProtocol.V2, concat(SIG, bytes(0x21, 0x11, 0x20, 0x00))));
        return cases.stream();
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void refusesMalformedHeaders(String name, ProxyProtocol mode, byte[] input) {
        assertThrows(ProxyProtocolException.class, () -> decode(mode, input), name);
        assertThrows(ProxyProtocolException.class, () -> decodeByteByByte(mode, input), name);
    }

    static Stream<Arguments> truncated() {
        return Stream.of(
                Arguments.of("v1", ascii("PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n")),
                Arguments.of("v2", v2(0x21, 0x11, concat(INET_BLOCK, tlv(0x02, ascii("example.com"))))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("truncated")
    void waitsForMoreWhileAHeaderIsTruncated(String name, byte[] input) throws Exception {
        for (int cut = 1; cut < input.length; cut++) {
            ProxyProtocolDecoder d = new ProxyProtocolDecoder(ProxyProtocol.ANY);
            ByteBuffer in = ByteBuffer.wrap(input, 0, cut);
            assertNull(d.decode(in), name + " cut at " + cut);
            assertFalse(in.hasRemaining());
            assertTrue(d.inProgress());
        }
    }

    @Test
    void refusesAtTheFirstByteThatCannotBeginAHeader() {
        ProxyProtocolDecoder d = new ProxyProtocolDecoder(ProxyProtocol.ANY);
        ProxyProtocolException e =
                assertThrows(ProxyProtocolException.class, () -> d.decode(ByteBuffer.wrap(ascii("G"))));
        assertTrue(e.getMessage().contains("does not begin with a PROXY protocol header"), e.getMessage());
    }

    @Test
    void consumesExactlyTheHeaderAndLeavesTheHttpBytes() throws Exception {
        byte[] input = concat(ascii("PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n"), ascii("GET / HTTP/1.1\r\n"));
        ByteBuffer in = ByteBuffer.wrap(input);
        ProxyHeader h = new ProxyProtocolDecoder(ProxyProtocol.V1).decode(in);
        assertEquals(1, h.version());
        assertEquals("GET / HTTP/1.1\r\n", StandardCharsets.US_ASCII.decode(in).toString());

        byte[] v2 = concat(v2(0x21, 0x11, INET_BLOCK), ascii("GET"));
        ByteBuffer in2 = ByteBuffer.wrap(v2);
        assertEquals(2, new ProxyProtocolDecoder(ProxyProtocol.V2).decode(in2).version());
        assertEquals(3, in2.remaining());
    }

    @Test
    void keepsTlvsAndChecksTheCrc() throws Exception {
        byte[] ssl = concat(bytes(0x01), bytes(0, 0, 0, 0), tlv(0x21, ascii("TLSv1.3")));
        byte[] block = concat(
                INET_BLOCK,
                tlv(ProxyHeader.TYPE_ALPN, ascii("h2")),
                tlv(ProxyHeader.TYPE_AUTHORITY, ascii("example.com")),
                tlv(ProxyHeader.TYPE_UNIQUE_ID, new byte[128]),
                tlv(ProxyHeader.TYPE_SSL, ssl),
                tlv(ProxyHeader.TYPE_NOOP, new byte[3]),
                tlv(ProxyHeader.TYPE_CRC32C, new byte[4]));
        byte[] header = v2(0x21, 0x11, block);
        CRC32C crc = new CRC32C();
        crc.update(header); // computed with the checksum field zero, as the spec says
        long v = crc.getValue();
        int at = header.length - 4;
        header[at] = (byte) (v >> 24);
        header[at + 1] = (byte) (v >> 16);
        header[at + 2] = (byte) (v >> 8);
        header[at + 3] = (byte) v;
        ProxyHeader h = decodeByteByByte(ProxyProtocol.V2, header);
        assertEquals("h2", h.alpn().orElseThrow());
        assertEquals("example.com", h.authority().orElseThrow());
        assertEquals(128, h.tlv(ProxyHeader.TYPE_UNIQUE_ID).orElseThrow().length());
        assertTrue(h.clientUsedTls());
        assertEquals(6, h.tlvs().size());
        assertEquals("198.51.100.2:443", text(h.destination().orElseThrow()));
        assertArrayEquals(ssl, h.tlv(ProxyHeader.TYPE_SSL).orElseThrow().value());
    }
}
