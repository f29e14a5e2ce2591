package io.corral.internal.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.IpAllowList;
import io.corral.http.BadMessageException;
import io.corral.http.Headers;
import java.net.InetSocketAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Forwarded-header resolution, table-driven: the peer, the trusted list and the headers in; the
 * client, scheme and host out (or a 400). Header cells hold {@code Name: value} lines separated by
 * {@code ;;}.
 */
class ForwardingTest {

    private static Forwarding.Result resolve(String trusted, String peer, String headers) throws Exception {
        Headers.Builder h = Headers.builder();
        if (!headers.isBlank()) {
            for (String line : headers.split(";;")) {
                int colon = line.indexOf(':');
                h.add(
                        line.substring(0, colon).strip(),
                        line.substring(colon + 1).strip());
            }
        }
        InetSocketAddress p = new InetSocketAddress(IpAddresses.parse(peer), 40000);
        return Forwarding.resolve(IpAllowList.parse(trusted).orElseThrow(), p, "http", h.build());
    }

    private static String text(InetSocketAddress a) {
        String host = IpAddresses.text(a.getAddress());
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                // what, trusted, peer, headers, client, scheme, host
                "no headers|127.0.0.1|127.0.0.1||127.0.0.1:40000|http|",
                "untrusted peer spoofs XFF|127.0.0.1|203.0.113.9|X-Forwarded-For: 1.1.1.1;;X-Forwarded-Proto: https;;"
                        + "X-Forwarded-Host: evil|203.0.113.9:40000|http|",
                "untrusted peer spoofs Forwarded|127.0.0.1|203.0.113.9|Forwarded: for=1.1.1.1;proto=https|"
                        + "203.0.113.9:40000|http|",
                "one trusted hop|127.0.0.1|127.0.0.1|X-Forwarded-For: 198.51.100.7|198.51.100.7:0|http|",
                "client-sent left part ignored|127.0.0.1,10.0.0.0/8|127.0.0.1|X-Forwarded-For: 6.6.6.6, 198.51.100.7,"
                        + " 10.0.0.2|198.51.100.7:0|http|",
                "several lines joined|127.0.0.1,10.0.0.0/8|127.0.0.1|X-Forwarded-For: 6.6.6.6;;X-Forwarded-For:"
                        + " 198.51.100.7, 10.0.0.2|198.51.100.7:0|http|",
                "every hop trusted: the left-most|127.0.0.1,10.0.0.0/8|127.0.0.1|X-Forwarded-For: 10.0.0.3, 10.0.0.2|"
                        + "10.0.0.3:0|http|",
                "unknown stops the walk at the proxy|127.0.0.1,10.0.0.0/8|127.0.0.1|X-Forwarded-For: 1.1.1.1, unknown,"
                        + " 10.0.0.2|10.0.0.2:0|http|",
                "garbage stops the walk|127.0.0.1|127.0.0.1|X-Forwarded-For: 1.1.1.1, not-an-ip|127.0.0.1:40000|http|",
                "XFF with a port|127.0.0.1|127.0.0.1|X-Forwarded-For: 198.51.100.7:4711|198.51.100.7:4711|http|",
                "XFF IPv6|::1|::1|X-Forwarded-For: 2001:db8::7|[2001:db8::7]:0|http|",
                "XFF bracketed IPv6 and port|::1|::1|X-Forwarded-For: [2001:db8::7]:4711|[2001:db8::7]:4711|http|",
                "Forwarded quoted IPv6 and port|127.0.0.1|127.0.0.1|Forwarded: for=\"[2001:db8:cafe::17]:4711\";"
                        + "proto=https;host=example.com|[2001:db8:cafe::17]:4711|https|example.com",
                "Forwarded chain, right to left|127.0.0.1,10.0.0.0/8|127.0.0.1|Forwarded: for=6.6.6.6;proto=http,"
                        + " for=192.0.2.60;proto=https;host=a.example, for=10.0.0.2;proto=http|192.0.2.60:0|https|"
                        + "a.example",
                "Forwarded lines joined|127.0.0.1|127.0.0.1|Forwarded: for=6.6.6.6;;Forwarded: for=192.0.2.60|"
                        + "192.0.2.60:0|http|",
                "Forwarded obfuscated stops|127.0.0.1|127.0.0.1|Forwarded: for=_hidden|127.0.0.1:40000|http|",
                "Forwarded bare IPv6 is refused as a node|127.0.0.1|127.0.0.1|Forwarded: for=\"2001:db8::1\"|"
                        + "127.0.0.1:40000|http|",
                "Forwarded case-insensitive names|127.0.0.1|127.0.0.1|Forwarded: For=192.0.2.60;PROTO=https|"
                        + "192.0.2.60:0|https|",
                "XFP single value|127.0.0.1|127.0.0.1|X-Forwarded-For: 192.0.2.1;;X-Forwarded-Proto: https;;"
                        + "X-Forwarded-Host: shop.example:8443|192.0.2.1:0|https|shop.example:8443",
                "XFP aligned with the client|127.0.0.1,10.0.0.0/8|127.0.0.1|X-Forwarded-For: 192.0.2.1, 10.0.0.2;;"
                        + "X-Forwarded-Proto: https, http|192.0.2.1:0|https|",
                "XFP not aligned: the nearest proxy's|127.0.0.1,10.0.0.0/8|127.0.0.1|X-Forwarded-For: 192.0.2.1,"
                        + " 10.0.0.2;;X-Forwarded-Proto: http|192.0.2.1:0|http|",
                "X-Forwarded-Ssl on|127.0.0.1|127.0.0.1|X-Forwarded-Ssl: on|127.0.0.1:40000|https|",
                "X-Forwarded-Protocol ssl|127.0.0.1|127.0.0.1|X-Forwarded-Protocol: ssl|127.0.0.1:40000|https|",
                "agreeing scheme headers|127.0.0.1|127.0.0.1|X-Forwarded-Proto: https;;X-Forwarded-Ssl: on|"
                        + "127.0.0.1:40000|https|",
                "both families agree|127.0.0.1|127.0.0.1|Forwarded: for=192.0.2.1;proto=https;;X-Forwarded-For:"
                        + " 192.0.2.1;;X-Forwarded-Proto: https|192.0.2.1:0|https|",
                "any peer with *|*|203.0.113.9|X-Forwarded-For: 192.0.2.1|192.0.2.1:0|http|",
                "trusted CIDR|10.0.0.0/8|10.1.2.3|X-Forwarded-For: 192.0.2.1|192.0.2.1:0|http|",
            })
    void resolvesTheClientSchemeAndHost(
            String what, String trusted, String peer, String headers, String client, String scheme, String host)
            throws Exception {
        Forwarding.Result r = resolve(trusted, peer, headers == null ? "" : headers);
        assertEquals(client, text(r.client()), what);
        assertEquals(scheme, r.scheme(), what);
        assertEquals(host, r.host(), what);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "contradictory scheme headers|X-Forwarded-Proto: http;;X-Forwarded-Ssl: on|Contradictory scheme",
                "Forwarded proto against XFP|Forwarded: for=192.0.2.1;proto=https;;X-Forwarded-For: 192.0.2.1;;"
                        + "X-Forwarded-Proto: http|Contradictory scheme",
                "families name different clients|Forwarded: for=6.6.6.6;;X-Forwarded-For: 192.0.2.1|"
                        + "name different clients",
                "hosts disagree|Forwarded: for=192.0.2.1;host=a;;X-Forwarded-For: 192.0.2.1;;X-Forwarded-Host: b|"
                        + "different hosts",
                "unknown scheme|X-Forwarded-Proto: gopher|other than http or https",
                "malformed Forwarded|Forwarded: for|malformed Forwarded",
                "unterminated quote|Forwarded: for=\"1.2.3.4|malformed Forwarded",
                "repeated parameter|Forwarded: for=1.2.3.4;for=5.6.7.8|repeats a parameter",
                "host with a slash|X-Forwarded-Host: a/b|not a host name",
            })
    void refusesContradictoryOrMalformedHeadersFromATrustedPeer(String what, String headers, String message) {
        BadMessageException e =
                assertThrows(BadMessageException.class, () -> resolve("127.0.0.1", "127.0.0.1", headers));
        assertEquals(400, e.status(), what);
        assertTrue(e.getMessage().contains(message), what + ": " + e.getMessage());
        // the same headers from an untrusted peer change nothing, and are no error
        assertThrowsNothing(headers);
    }

    private static void assertThrowsNothing(String headers) {
        try {
            Forwarding.Result r = resolve("127.0.0.1", "203.0.113.9", headers);
            assertEquals("203.0.113.9:40000", text(r.client()));
        } catch (Exception e) {
            throw new AssertionError("an untrusted peer's headers must be ignored", e);
        }
    }
}
