package io.corral.internal.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.Config;
import io.corral.ConfigException;
import io.corral.Setting;
import io.corral.http.Headers;
import io.corral.http.TlsInfo;
import io.corral.internal.http.RequestHead;
import io.corral.testing.TestCertificates;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AccessLogTest {

    private static final ZonedDateTime WHEN = ZonedDateTime.of(2026, 11, 26, 23, 49, 30, 0, ZoneOffset.UTC);

    private static String line(String format, InetSocketAddress client, RequestHead head, int status, long bytes) {
        return AccessLogFormat.format(
                format,
                new AccessLogFormat.Entry(
                        client, head, status, bytes, Headers.of("Content-Type", "text/plain"), 12_345_678, WHEN, null));
    }

    @Test
    void writesGunicornsDefaultFormat() throws Exception {
        RequestHead head = new RequestHead(
                "GET",
                "/hello?x=1",
                1,
                Headers.of("Host", "h", "User-Agent", "curl/8.5.0", "Referer", "http://r/"),
                -1,
                false,
                true,
                false);
        InetSocketAddress client = new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 50000);
        assertEquals(Setting.ACCESS_LOG_FORMAT.defaultValue(), AccessLogFormat.DEFAULT);
        assertEquals(
                "127.0.0.1 - - [26/Nov/2026:23:49:30 +0000] \"GET /hello?x=1 HTTP/1.1\" 200 13 \"http://r/\" \"curl/8.5.0\"",
                line(AccessLogFormat.DEFAULT, client, head, 200, 13));
    }

    @Test
    void writesDashesForAnEmptyBodyAndMissingHeaders() throws Exception {
        RequestHead head = new RequestHead("HEAD", "/", 0, Headers.empty(), -1, false, false, false);
        InetSocketAddress client = new InetSocketAddress(InetAddress.getByName("::1"), 50000);
        assertEquals(
                "::1 - - [26/Nov/2026:23:49:30 +0000] \"HEAD / HTTP/1.0\" 304 - \"-\" \"-\"",
                line(AccessLogFormat.DEFAULT, client, head, 304, 0));
    }

    @Test
    void writesEveryAtom() throws Exception {
        RequestHead head = new RequestHead(
                "POST",
                "/a/b?q=1&r=2",
                1,
                Headers.of("Host", "h", "Authorization", "Basic YW5uOnNlY3JldA==", "X-Trace", "t-1"),
                5,
                false,
                true,
                false);
        InetSocketAddress client = new InetSocketAddress(InetAddress.getByName("203.0.113.7"), 1);
        String format = "%(h)s|%(l)s|%(u)s|%(r)s|%(m)s|%(U)s|%(q)s|%(H)s|%(s)s|%(B)s|%(b)s|%(T)s|%(M)s|%(D)s|%(L)s"
                + "|%({x-trace}i)s|%({content-type}o)s|%({missing}i)s|100%%";
        assertEquals(
                "203.0.113.7|-|ann|POST /a/b?q=1&r=2 HTTP/1.1|POST|/a/b|q=1&r=2|HTTP/1.1|201|0|-|0|12|12345|0.012345"
                        + "|t-1|text/plain|-|100%",
                line(format, client, head, 201, 0));
        assertTrue(line("%(p)s", client, head, 200, 0).matches("<[0-9]+>"));
    }

    @Test
    void writesModSslVariablesForTheConnectionsTls() throws Exception {
        RequestHead head = new RequestHead("GET", "/", 1, Headers.empty(), -1, false, true, false);
        InetSocketAddress client = new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 1);
        String format = "%({SSL_CLIENT_S_DN}x)s|%({ssl_client_i_dn}x)s|%({SSL_PROTOCOL}x)s|%({SSL_CIPHER}x)s"
                + "|%({SSL_TLS_SNI}x)s";
        TlsInfo mtls = new TlsInfo(
                "TLSv1.3",
                "TLS_AES_128_GCM_SHA256",
                Optional.of("api.example"),
                Optional.of("http/1.1"),
                TestCertificates.shared().client().chain());
        assertEquals(
                "CN=client,O=Corral|CN=Corral Test CA,O=Corral|TLSv1.3|TLS_AES_128_GCM_SHA256|api.example",
                tlsLine(format, client, head, mtls));
        TlsInfo anonymous = new TlsInfo(
                "TLSv1.2", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", Optional.empty(), Optional.empty(), List.of());
        assertEquals("-|-|TLSv1.2|TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256|-", tlsLine(format, client, head, anonymous));
        assertEquals("-|-|-|-|-", tlsLine(format, client, head, null), "a plain connection");
    }

    private static String tlsLine(String format, InetSocketAddress client, RequestHead head, TlsInfo tls) {
        return AccessLogFormat.format(
                format, new AccessLogFormat.Entry(client, head, 200, 0, Headers.empty(), 0, WHEN, tls));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {"%(x)s", "%(h)s %(e)s", "%({h}e)s", "%(h", "%(h)x", "50% off", "%", "%({SSL_SESSION_ID}x)s"})
    void refusesAnUnknownAtomWhenTheSettingsAreBuilt(String format) {
        ConfigException e = assertThrows(
                ConfigException.class,
                () -> Config.builder().accessLogFormat(format).build());
        assertTrue(
                e.getMessage()
                        .startsWith("access_log_format: '" + format + "' is not allowed; expected gunicorn's atoms"),
                e.getMessage());
    }
}
