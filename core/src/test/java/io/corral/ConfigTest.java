package io.corral;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Properties;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigTest {

    @Test
    void defaultsAreGunicornsPlusCorralsOwn() {
        Config c = Config.defaults();
        assertEquals("127.0.0.1:8000", c.bind());
        assertEquals(2048, c.backlog());
        assertEquals(1, c.workers());
        assertEquals("sync", c.workerClass());
        assertEquals(1, c.threads());
        assertEquals(1000, c.workerConnections());
        assertEquals(Duration.ofSeconds(30), c.timeout());
        assertEquals(Duration.ofSeconds(30), c.gracefulTimeout());
        assertEquals(Duration.ofSeconds(2), c.keepalive());
        assertEquals(0, c.maxRequests());
        assertEquals(0, c.maxRequestsJitter());
        assertEquals(4094, c.limitRequestLine());
        assertEquals(100, c.limitRequestFields());
        assertEquals(16384, c.limitRequestHead());
        assertEquals(8190, c.limitRequestFieldSize());
        assertEquals(10 * 1024 * 1024, c.limitRequestBody());
        assertEquals(Duration.ofSeconds(10), c.headerTimeout());
        assertEquals(OverloadPolicy.BACKLOG, c.overloadPolicy());
        assertEquals(64, c.offloadThreads());
    }

    @Test
    void everySettingDefaultParsesToTheRecordDefault() {
        Config c = Config.defaults();
        for (Setting s : Setting.values()) {
            Config parsed = Config.builder().set(s.key(), s.defaultValue()).build();
            assertEquals(c, parsed, s.key());
            assertEquals(s.defaultValue(), c.valueOf(s), s.key());
        }
    }

    @Test
    void parsesGunicornStyleArguments() {
        Config c = Config.fromArgs(
                "--bind",
                "0.0.0.0:9000",
                "-w",
                "3",
                "--worker-class=virtual",
                "--threads",
                "8",
                "--worker-connections",
                "5000",
                "-t",
                "10",
                "--graceful-timeout",
                "0.5",
                "--keep-alive",
                "75",
                "--max-requests",
                "1000",
                "--max-requests-jitter",
                "50",
                "--limit-request-line",
                "8190",
                "--limit-request-fields",
                "50",
                "--limit-request-field_size",
                "4096",
                "--limit-request-body",
                "1_000",
                "--header-timeout",
                "500ms",
                "--overload-policy",
                "reject",
                "--offload-threads",
                "16",
                "--backlog",
                "128");
        assertEquals("0.0.0.0:9000", c.bind());
        assertEquals(3, c.workers());
        assertEquals("virtual", c.workerClass());
        assertEquals(8, c.threads());
        assertEquals(5000, c.workerConnections());
        assertEquals(Duration.ofSeconds(10), c.timeout());
        assertEquals(Duration.ofMillis(500), c.gracefulTimeout());
        assertEquals(Duration.ofSeconds(75), c.keepalive());
        assertEquals(1000, c.maxRequests());
        assertEquals(50, c.maxRequestsJitter());
        assertEquals(8190, c.limitRequestLine());
        assertEquals(50, c.limitRequestFields());
        assertEquals(4096, c.limitRequestFieldSize());
        assertEquals(1000, c.limitRequestBody());
        assertEquals(Duration.ofMillis(500), c.headerTimeout());
        assertEquals(OverloadPolicy.REJECT, c.overloadPolicy());
        assertEquals(16, c.offloadThreads());
        assertEquals(128, c.backlog());
    }

    @Test
    void readsSnakeCaseProperties() {
        Properties p = new Properties();
        p.setProperty("bind", "127.0.0.1:0");
        p.setProperty("worker_class", "async");
        p.setProperty("keepalive", "PT1M");
        p.setProperty("limit_request_body", "0");
        Config c = Config.fromProperties(p);
        assertEquals("async", c.workerClass());
        assertEquals(Duration.ofMinutes(1), c.keepalive());
        assertEquals(Config.UNLIMITED, c.limitRequestBody());
    }

    @Test
    void readsOnlyPrefixedPropertiesWhenGivenAPrefix() {
        Properties p = new Properties();
        p.setProperty("corral.workers", "4");
        p.setProperty("java.home", "/somewhere");
        assertEquals(4, Config.fromProperties(p, "corral.").workers());
    }

    @Test
    void acceptsDurationsInEveryDocumentedForm() {
        assertEquals(Duration.ofSeconds(30), Config.parseDuration("30"));
        assertEquals(Duration.ofMillis(1500), Config.parseDuration("1.5"));
        assertEquals(Duration.ofMillis(250), Config.parseDuration("250ms"));
        assertEquals(Duration.ofSeconds(2), Config.parseDuration("2s"));
        assertEquals(Duration.ofMinutes(3), Config.parseDuration("3m"));
        assertEquals(Duration.ofHours(1), Config.parseDuration("1h"));
        assertEquals(Duration.ofSeconds(45), Config.parseDuration("PT45S"));
        assertEquals(null, Config.parseDuration("soon"));
        assertEquals(null, Config.parseDuration("-1"));
    }

    @Test
    void offTurnsTimeoutsOffAndZeroLimitsMeanTheirMaximum() {
        Config c = Config.fromArgs(
                "--timeout",
                "0",
                "--keepalive",
                "0",
                "--limit-request-line",
                "0",
                "--limit-request-fields",
                "0",
                "--limit-request-field-size",
                "0");
        assertTrue(!c.hasTimeout());
        assertTrue(!c.keepAliveEnabled());
        assertEquals(Config.MAX_LINE, c.limitRequestLine());
        assertEquals(Config.MAX_FIELDS, c.limitRequestFields());
        assertEquals(Config.MAX_LINE, c.limitRequestFieldSize());
    }

    @Test
    void parsesBindForms() {
        assertEquals(
                8000, Config.builder().bind("localhost").build().bindAddress().getPort());
        assertEquals(
                "::1", Config.builder().bind("[::1]:9000").build().bindAddress().getHostString());
        assertEquals(
                0, Config.builder().bind("127.0.0.1:0").build().bindAddress().getPort());
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "bind|127.0.0.1:99999|bind: '127.0.0.1:99999' is not allowed; expected a port from 0 to 65535",
                "bind|unix:/tmp/s|bind: 'unix:/tmp/s' is not allowed; expected HOST:PORT, [IPv6]:PORT, HOST or"
                        + " fd://0; unix sockets",
                "bind|fd://3|bind: 'fd://3' is not allowed; expected fd://0 (the listening socket on standard input",
                "bind|:80|bind: ':80' is not allowed; expected HOST:PORT",
                "backlog|0|backlog: '0' is not allowed; expected an integer from 1 to 65535",
                "workers|0|workers: '0' is not allowed; expected an integer from 1 to 4096",
                "workers|two|workers: 'two' is not allowed; expected a whole number, such as 1",
                "workers|99999999999|workers: '99999999999' is not allowed; expected an integer (this one is too"
                        + " large)",
                "worker_class|no such|worker_class: 'no such' is not allowed; expected a worker name",
                "threads|0|threads: '0' is not allowed; expected an integer from 1 to 10000",
                "worker_connections|0|worker_connections: '0' is not allowed; expected an integer from 1 to 1000000",
                "timeout|-1|timeout: '-1' is not allowed; expected a duration",
                "timeout|2d|timeout: '2d' is not allowed; expected a duration",
                "timeout|PT48H|timeout: 'PT48H' is not allowed; expected 0 (off) or a duration up to 1 day",
                "graceful_timeout|later|graceful_timeout: 'later' is not allowed; expected a duration",
                "keepalive|x|keepalive: 'x' is not allowed; expected a duration",
                "max_requests|-5|max_requests: '-5' is not allowed; expected an integer from 0 to 2147483647",
                "max_requests_jitter|-1|max_requests_jitter: '-1' is not allowed; expected an integer from 0",
                "limit_request_line|70000|limit_request_line: '70000' is not allowed; expected an integer from 0 to"
                        + " 65536",
                "limit_request_fields|40000|limit_request_fields: '40000' is not allowed; expected an integer from 0"
                        + " to 32768",
                "limit_request_field_size|-1|limit_request_field_size: '-1' is not allowed; expected an integer from"
                        + " 0 to 65536",
                "limit_request_body|-1|limit_request_body: '-1' is not allowed; expected a byte count of 0 (no"
                        + " limit) or more",
                "header_timeout|fast|header_timeout: 'fast' is not allowed; expected a duration",
                "overload_policy|drop|overload_policy: 'drop' is not allowed; expected backlog or reject",
                "offload_threads|0|offload_threads: '0' is not allowed; expected an integer from 1 to 10000",
                "reuse_port|maybe|reuse_port: 'maybe' is not allowed; expected true or false",
                "forwarded_allow_ips|proxy.local|forwarded_allow_ips: 'proxy.local' is not allowed; expected IP"
                        + " addresses and CIDR ranges",
                "forwarded_allow_ips|10.0.0.0/33|forwarded_allow_ips: '10.0.0.0/33' is not allowed; expected IP",
                "forwarded_allow_ips|010.0.0.1|forwarded_allow_ips: '010.0.0.1' is not allowed; expected IP",
                "proxy_protocol|auto|proxy_protocol: 'auto' is not allowed; expected off, v1, v2 or any (v1 or v2);"
                        + " a connection without the header is closed, never guessed",
                "proxy_allow_from|::1/129|proxy_allow_from: '::1/129' is not allowed; expected IP addresses",
                "shutdown_delay|-1|shutdown_delay: '-1' is not allowed; expected a duration",
                "health_path|healthz|health_path: 'healthz' is not allowed; expected off, or a path such as /metrics",
                "readiness_path|/ready?x|readiness_path: '/ready?x' is not allowed; expected off, or a path",
                "metrics_path|/a b|metrics_path: '/a b' is not allowed; expected off, or a path",
                "access_log_format|%(z)s|access_log_format: '%(z)s' is not allowed; expected gunicorn's atoms",
            })
    void refusesEachBadValueNamingSettingValueAndWhatIsAllowed(String key, String value, String message) {
        ConfigException e = assertThrows(
                ConfigException.class, () -> Config.builder().set(key, value).build());
        assertTrue(e.getMessage().startsWith(message), e.getMessage());
        assertEquals(key, e.setting().orElseThrow().key());
    }

    @Test
    void parsesTheFleetSettings() {
        Config c = Config.fromArgs(
                "--reuse-port",
                "true",
                "--forwarded-allow-ips",
                " 10.0.0.0/8, fd00::/8 ,127.0.0.1",
                "--proxy-protocol",
                "V2",
                "--proxy-allow-from",
                "*",
                "--shutdown-delay",
                "5s",
                "--health-path",
                "/livez",
                "--readiness-path",
                "/readyz",
                "--metrics-path",
                "/metrics",
                "--access-log-format",
                "%(h)s %(M)s");
        assertTrue(c.reusePort());
        assertEquals("10.0.0.0/8,fd00::/8,127.0.0.1", c.forwardedAllowIps().toString());
        assertEquals(ProxyProtocol.V2, c.proxyProtocol());
        assertTrue(c.proxyAllowFrom().any());
        assertEquals(Duration.ofSeconds(5), c.shutdownDelay());
        assertEquals("/livez", c.healthPath().orElseThrow());
        assertEquals("/readyz", c.readinessPath().orElseThrow());
        assertEquals("/metrics", c.metricsPath().orElseThrow());
        assertEquals("%(h)s %(M)s", c.accessLogFormat());
        assertEquals(c, c.toBuilder().build());
        // gunicorn's key for proxy_allow_from
        assertEquals(
                "10.1.0.0/16",
                Config.builder()
                        .set("proxy_allow_ips", "10.1.0.0/16")
                        .build()
                        .proxyAllowFrom()
                        .toString());
        assertTrue(Config.fromArgs("--bind", "fd://0").inheritsListener());
    }

    @Test
    void refusesProxyProtocolWithNoPeerAllowedAndTwoEndpointsOnOnePath() {
        ConfigException none = assertThrows(
                ConfigException.class,
                () -> Config.builder()
                        .proxyProtocol(ProxyProtocol.V1)
                        .proxyAllowFrom("")
                        .build());
        assertTrue(none.getMessage().startsWith("proxy_allow_from: '' is not allowed; expected at least one peer"));
        ConfigException same = assertThrows(
                ConfigException.class,
                () -> Config.builder().healthPath("/h").readinessPath("/h").build());
        assertEquals(Setting.READINESS_PATH, same.setting().orElseThrow());
    }

    @Test
    void namesTheUnknownSettingAndListsTheKnownOnes() {
        ConfigException e = assertThrows(ConfigException.class, () -> Config.fromArgs("--wrokers", "2"));
        assertTrue(
                e.getMessage().startsWith("unknown setting '--wrokers'; the settings are bind, backlog, workers"),
                e.getMessage());
        Properties p = new Properties();
        p.setProperty("worker-class", "sync"); // properties take snake_case only
        assertThrows(ConfigException.class, () -> Config.fromProperties(p));
    }

    @Test
    void saysWhichArgumentLacksAValue() {
        expectMessage("workers: --workers needs a value, such as --workers 1", () -> Config.fromArgs("--workers"));
        expectMessage(
                "unexpected argument 'extra': settings are given as --name value, such as --workers 2",
                () -> Config.fromArgs("extra"));
    }

    @Test
    void buildsFromTypedBuilderMethods() {
        Config c = Config.builder()
                .bind("127.0.0.1:0")
                .workers(2)
                .workerClass("virtual")
                .timeout(Config.OFF)
                .maxRequests(10)
                .overloadPolicy(OverloadPolicy.REJECT)
                .build();
        assertEquals(c, c.toBuilder().build());
        assertTrue(c.toString().contains("worker_class=virtual"), c.toString());
    }

    private static void expectMessage(String message, Supplier<Config> build) {
        ConfigException e = assertThrows(ConfigException.class, build::get);
        assertEquals(message, e.getMessage());
    }
}
