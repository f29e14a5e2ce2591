package io.corral;

import io.corral.internal.server.AccessLogFormat;
import io.corral.internal.tls.CipherSuites;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Arbiter's settings: gunicorn's names and defaults plus Corral's own, immutable and checked
 * when built.
 *
 * <pre>{@code
 * Config config = Config.builder().bind("0.0.0.0:8080").workerClass("virtual").workers(2).build();
 * Config fromCli = Config.fromArgs("--bind", "127.0.0.1:0", "--worker-class", "async", "--timeout", "10");
 * Config fromFile = Config.fromProperties(props);      // bind=..., worker_class=..., keepalive=5
 * }</pre>
 *
 * <p>Each setting is described once, in {@link Setting}. A bad value fails {@link Builder#build()}
 * (and the parsers) with a {@link ConfigException} that names the setting, the value and what is
 * allowed. Times are {@link Duration}s; {@link #OFF} (zero) turns a timeout off where the setting
 * says so.
 *
 * <p>TLS is on when {@code certfile} or {@code keystore} is set ({@link #tlsEnabled()}). Building
 * checks how the TLS settings combine and that each cipher suite is one the JDK supports; the files
 * themselves are read and checked when the Arbiter starts (and again by {@link
 * Arbiter#reloadTls()}), so that a bad file fails the start, never a client's handshake.
 *
 * @param bind the listen address; see {@link Setting#BIND}
 * @param backlog the listen backlog; see {@link Setting#BACKLOG}
 * @param workers the worker count; see {@link Setting#WORKERS}
 * @param workerClass the worker model's name; see {@link Setting#WORKER_CLASS}
 * @param threads the threads per sync worker; see {@link Setting#THREADS}
 * @param workerConnections the connection cap per worker; see {@link Setting#WORKER_CONNECTIONS}
 * @param timeout the request and liveness timeout, or {@link #OFF}; see {@link Setting#TIMEOUT}
 * @param gracefulTimeout the shutdown grace; see {@link Setting#GRACEFUL_TIMEOUT}
 * @param keepalive the keep-alive idle limit, or {@link #OFF}; see {@link Setting#KEEPALIVE}
 * @param maxRequests requests before a worker is recycled, or {@link #UNLIMITED}; see {@link Setting#MAX_REQUESTS}
 * @param maxRequestsJitter the recycling jitter; see {@link Setting#MAX_REQUESTS_JITTER}
 * @param limitRequestLine the request-line cap in bytes; see {@link Setting#LIMIT_REQUEST_LINE}
 * @param limitRequestFields the header count cap; see {@link Setting#LIMIT_REQUEST_FIELDS}
 * @param limitRequestFieldSize the header line cap in bytes; see {@link Setting#LIMIT_REQUEST_FIELD_SIZE}
 * @param limitRequestHead the total head cap in bytes, or {@link #UNLIMITED}; see {@link Setting#LIMIT_REQUEST_HEAD}
 * @param limitRequestBody the body cap in bytes, or {@link #UNLIMITED}; see {@link Setting#LIMIT_REQUEST_BODY}
 * @param headerTimeout the time to receive a request head, or {@link #OFF}; see {@link Setting#HEADER_TIMEOUT}
 * @param overloadPolicy what a full worker does; see {@link Setting#OVERLOAD_POLICY}
 * @param offloadThreads the async worker's blocking-handler pool; see {@link Setting#OFFLOAD_THREADS}
 * @param reusePort SO_REUSEPORT on the listener; see {@link Setting#REUSE_PORT}
 * @param forwardedAllowIps the peers whose forwarded headers count; see {@link Setting#FORWARDED_ALLOW_IPS}
 * @param proxyProtocol the PROXY protocol version required, or off; see {@link Setting#PROXY_PROTOCOL}
 * @param proxyAllowFrom the peers that may send a PROXY header; see {@link Setting#PROXY_ALLOW_FROM}
 * @param shutdownDelay how long shutdown reports not ready before it drains; see {@link Setting#SHUTDOWN_DELAY}
 * @param healthPath the liveness path, or empty; see {@link Setting#HEALTH_PATH}
 * @param readinessPath the readiness path, or empty; see {@link Setting#READINESS_PATH}
 * @param metricsPath the metrics path, or empty; see {@link Setting#METRICS_PATH}
 * @param accessLogFormat the access log line's format; see {@link Setting#ACCESS_LOG_FORMAT}
 * @param certfile the PEM certificate chain, or empty; see {@link Setting#CERTFILE}
 * @param keyfile the PEM private key, or empty (then it is in {@code certfile}); see {@link Setting#KEYFILE}
 * @param caCerts the PEM bundle of CAs for client certificates, or empty; see {@link Setting#CA_CERTS}
 * @param certReqs whether clients must present a certificate; see {@link Setting#CERT_REQS}
 * @param ciphers the cipher suites allowed, in order of preference, or empty for the JDK's defaults;
 *     see {@link Setting#CIPHERS}
 * @param keystore the PKCS#12 or JKS keystore, or empty; see {@link Setting#KEYSTORE}
 * @param keystorePassword the keystore's password, empty if none; never in {@link #toString()}; see
 *     {@link Setting#KEYSTORE_PASSWORD}
 */
public record Config(
        String bind,
        int backlog,
        int workers,
        String workerClass,
        int threads,
        int workerConnections,
        Duration timeout,
        Duration gracefulTimeout,
        Duration keepalive,
        int maxRequests,
        int maxRequestsJitter,
        int limitRequestLine,
        int limitRequestFields,
        int limitRequestFieldSize,
        int limitRequestHead,
        long limitRequestBody,
        Duration headerTimeout,
        OverloadPolicy overloadPolicy,
        int offloadThreads,
        boolean reusePort,
        IpAllowList forwardedAllowIps,
        ProxyProtocol proxyProtocol,
        IpAllowList proxyAllowFrom,
        Duration shutdownDelay,
        Optional<String> healthPath,
        Optional<String> readinessPath,
        Optional<String> metricsPath,
        String accessLogFormat,
        Optional<Path> certfile,
        Optional<Path> keyfile,
        Optional<Path> caCerts,
        ClientAuth certReqs,
        List<String> ciphers,
        Optional<Path> keystore,
        String keystorePassword) {

    /** A duration setting at this value is turned off: {@code timeout}, {@code keepalive}, {@code header_timeout}. */
    public static final Duration OFF = Duration.ZERO;

    /** A count or size setting at this value has no limit: {@code max_requests}, {@code limit_request_body}. */
    public static final int UNLIMITED = 0;

    /** The largest request line or header line, in bytes, that the codec accepts at all. */
    public static final int MAX_LINE = 65536;

    /** The largest header count the codec accepts at all. */
    public static final int MAX_FIELDS = 32768;

    private static final Duration MAX_DURATION = Duration.ofDays(1);

    /** The value of a path setting that is turned off. */
    static final String PATH_OFF = "off";

    /** Checks every setting; the messages name the setting, the value and what is allowed. */
    public Config {
        Objects.requireNonNull(bind, "bind");
        Objects.requireNonNull(workerClass, "worker_class");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(gracefulTimeout, "graceful_timeout");
        Objects.requireNonNull(keepalive, "keepalive");
        Objects.requireNonNull(headerTimeout, "header_timeout");
        Objects.requireNonNull(overloadPolicy, "overload_policy");
        Objects.requireNonNull(forwardedAllowIps, "forwarded_allow_ips");
        Objects.requireNonNull(proxyProtocol, "proxy_protocol");
        Objects.requireNonNull(proxyAllowFrom, "proxy_allow_from");
        Objects.requireNonNull(shutdownDelay, "shutdown_delay");
        Objects.requireNonNull(healthPath, "health_path");
        Objects.requireNonNull(readinessPath, "readiness_path");
        Objects.requireNonNull(metricsPath, "metrics_path");
        Objects.requireNonNull(accessLogFormat, "access_log_format");
        Objects.requireNonNull(certfile, "certfile");
        Objects.requireNonNull(keyfile, "keyfile");
        Objects.requireNonNull(caCerts, "ca_certs");
        Objects.requireNonNull(certReqs, "cert_reqs");
        Objects.requireNonNull(keystore, "keystore");
        Objects.requireNonNull(keystorePassword, "keystore_password");
        ciphers = List.copyOf(ciphers);
        parseBind(bind);
        checkRange(Setting.BACKLOG, backlog, 1, 65535);
        checkRange(Setting.WORKERS, workers, 1, 4096);
        if (!workerClass.matches("[A-Za-z0-9_.$-]+")) {
            throw new ConfigException(
                    Setting.WORKER_CLASS,
                    workerClass,
                    "a worker name such as sync, async or virtual (letters, digits, _ . - only)");
        }
        checkRange(Setting.THREADS, threads, 1, 10_000);
        checkRange(Setting.WORKER_CONNECTIONS, workerConnections, 1, 1_000_000);
        checkDuration(Setting.TIMEOUT, timeout, true);
        checkDuration(Setting.GRACEFUL_TIMEOUT, gracefulTimeout, true);
        checkDuration(Setting.KEEPALIVE, keepalive, true);
        checkDuration(Setting.HEADER_TIMEOUT, headerTimeout, true);
        checkRange(Setting.MAX_REQUESTS, maxRequests, 0, Integer.MAX_VALUE);
        checkRange(Setting.MAX_REQUESTS_JITTER, maxRequestsJitter, 0, Integer.MAX_VALUE);
        checkRange(Setting.LIMIT_REQUEST_LINE, limitRequestLine, 0, MAX_LINE);
        checkRange(Setting.LIMIT_REQUEST_FIELDS, limitRequestFields, 0, MAX_FIELDS);
        checkRange(Setting.LIMIT_REQUEST_FIELD_SIZE, limitRequestFieldSize, 0, MAX_LINE);
        checkRange(Setting.LIMIT_REQUEST_HEAD, limitRequestHead, 0, Integer.MAX_VALUE);
        if (limitRequestBody < 0) {
            throw new ConfigException(
                    Setting.LIMIT_REQUEST_BODY,
                    Long.toString(limitRequestBody),
                    "a byte count of 0 (no limit) or more");
        }
        checkRange(Setting.OFFLOAD_THREADS, offloadThreads, 1, 10_000);
        checkDuration(Setting.SHUTDOWN_DELAY, shutdownDelay, true);
        checkPath(Setting.HEALTH_PATH, healthPath);
        checkPath(Setting.READINESS_PATH, readinessPath);
        checkPath(Setting.METRICS_PATH, metricsPath);
        checkDistinctPaths(healthPath, readinessPath, metricsPath);
        if (proxyProtocol.enabled() && proxyAllowFrom.isEmpty()) {
            throw new ConfigException(
                    Setting.PROXY_ALLOW_FROM,
                    proxyAllowFrom.toString(),
                    "at least one peer (IP or CIDR, or *) while proxy_protocol is " + name(proxyProtocol)
                            + ": otherwise every connection would be closed");
        }
        AccessLogFormat.check(accessLogFormat); // throws ConfigException naming the unknown atom
        checkTls(certfile, keyfile, caCerts, certReqs, ciphers, keystore, keystorePassword);
        // gunicorn's "0 = unlimited" for the header limits means the codec's own ceiling
        if (limitRequestLine == 0) {
            limitRequestLine = MAX_LINE;
        }
        if (limitRequestFields == 0) {
            limitRequestFields = MAX_FIELDS;
        }
        if (limitRequestFieldSize == 0) {
            limitRequestFieldSize = MAX_LINE;
        }
    }

    /** Returns the defaults: gunicorn's, plus Corral's own. */
    public static Config defaults() {
        return builder().build();
    }

    /** Returns a builder that starts from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns a builder that starts from these settings. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.values.clear();
        for (Setting s : Setting.values()) {
            b.values.put(s, valueOf(s));
        }
        return b;
    }

    /**
     * Parses gunicorn-style arguments: {@code --name value}, {@code --name=value} or gunicorn's short
     * flags ({@code -b -w -k -t}); names in kebab-case, as in {@code --worker-class virtual}.
     *
     * @throws ConfigException for an unknown name, a missing value or a bad value
     */
    public static Config fromArgs(String... args) {
        return builder().args(List.of(args)).build();
    }

    /**
     * Reads settings from properties with {@code snake_case} keys, as in {@code worker_class=async};
     * every key must be a setting.
     *
     * @throws ConfigException for an unknown key or a bad value
     */
    public static Config fromProperties(Properties properties) {
        return builder().properties(properties, "").build();
    }

    /**
     * Reads the settings whose keys start with {@code prefix} (such as {@code "corral."}), ignoring
     * the other keys; every prefixed key must be a setting.
     */
    public static Config fromProperties(Properties properties, String prefix) {
        return builder().properties(properties, prefix).build();
    }

    /**
     * Returns the bind address as host and port (the host unresolved until the Arbiter binds).
     *
     * @throws IllegalStateException if {@code bind} is {@code fd://0}, which has no address to bind
     */
    public InetSocketAddress bindAddress() {
        InetSocketAddress a = parseBind(bind);
        if (a == null) {
            throw new IllegalStateException("bind is " + bind + ": the listener is inherited, not bound");
        }
        return a;
    }

    /**
     * Returns true if {@code bind} is {@code fd://0}: the listener is the socket the JVM inherited on
     * its standard input ({@link System#inheritedChannel()}), not one the Arbiter binds.
     */
    public boolean inheritsListener() {
        return bind.equals(INHERITED);
    }

    /** Returns true if {@code timeout} is on. */
    public boolean hasTimeout() {
        return !timeout.isZero();
    }

    /**
     * Returns true if the server speaks TLS: {@code certfile} or {@code keystore} is set. Every
     * connection is then TLS; there is no plain port beside it.
     */
    public boolean tlsEnabled() {
        return certfile.isPresent() || keystore.isPresent();
    }

    /** Returns true if keep-alive is on ({@code keepalive} above zero). */
    public boolean keepAliveEnabled() {
        return !keepalive.isZero();
    }

    /**
     * Returns the setting's current value in the form a properties file would hold it ({@code
     * keystore_password} included; {@link #toString()} hides it).
     */
    public String valueOf(Setting s) {
        return switch (s) {
            case BIND -> bind;
            case BACKLOG -> Integer.toString(backlog);
            case WORKERS -> Integer.toString(workers);
            case WORKER_CLASS -> workerClass;
            case THREADS -> Integer.toString(threads);
            case WORKER_CONNECTIONS -> Integer.toString(workerConnections);
            case TIMEOUT -> format(timeout);
            case GRACEFUL_TIMEOUT -> format(gracefulTimeout);
            case KEEPALIVE -> format(keepalive);
            case MAX_REQUESTS -> Integer.toString(maxRequests);
            case MAX_REQUESTS_JITTER -> Integer.toString(maxRequestsJitter);
            case LIMIT_REQUEST_LINE -> Integer.toString(limitRequestLine);
            case LIMIT_REQUEST_FIELDS -> Integer.toString(limitRequestFields);
            case LIMIT_REQUEST_FIELD_SIZE -> Integer.toString(limitRequestFieldSize);
            case LIMIT_REQUEST_HEAD -> Integer.toString(limitRequestHead);
            case LIMIT_REQUEST_BODY -> Long.toString(limitRequestBody);
            case HEADER_TIMEOUT -> format(headerTimeout);
            case OVERLOAD_POLICY -> overloadPolicy.name().toLowerCase(Locale.ROOT);
            case OFFLOAD_THREADS -> Integer.toString(offloadThreads);
            case REUSE_PORT -> Boolean.toString(reusePort);
            case FORWARDED_ALLOW_IPS -> forwardedAllowIps.toString();
            case PROXY_PROTOCOL -> name(proxyProtocol);
            case PROXY_ALLOW_FROM -> proxyAllowFrom.toString();
            case SHUTDOWN_DELAY -> format(shutdownDelay);
            case HEALTH_PATH -> healthPath.orElse(PATH_OFF);
            case READINESS_PATH -> readinessPath.orElse(PATH_OFF);
            case METRICS_PATH -> metricsPath.orElse(PATH_OFF);
            case ACCESS_LOG_FORMAT -> accessLogFormat;
            case CERTFILE -> pathText(certfile);
            case KEYFILE -> pathText(keyfile);
            case CA_CERTS -> pathText(caCerts);
            case CERT_REQS -> name(certReqs);
            case CIPHERS -> String.join(":", ciphers);
            case KEYSTORE -> pathText(keystore);
            case KEYSTORE_PASSWORD -> keystorePassword;
        };
    }

    /**
     * Returns every setting as {@code name=value}, in {@link Setting} order; a {@code
     * keystore_password} that is set shows as {@code ***}.
     */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Config[");
        for (Setting s : Setting.values()) {
            if (s.ordinal() > 0) {
                sb.append(", ");
            }
            String value = s == Setting.KEYSTORE_PASSWORD && !keystorePassword.isEmpty() ? "***" : valueOf(s);
            sb.append(s.key()).append('=').append(value);
        }
        return sb.append(']').toString();
    }

    private static String format(Duration d) {
        if (d.isZero()) {
            return "0";
        }
        if (d.toNanos() % 1_000_000_000L == 0) {
            return d.toSeconds() + "s";
        }
        if (d.toNanos() % 1_000_000L == 0) {
            return d.toMillis() + "ms";
        }
        return d.toString();
    }

    private static String name(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    private static String pathText(Optional<Path> path) {
        return path.map(Path::toString).orElse("");
    }

    /**
     * How the TLS settings combine; the files are read later, by the Arbiter. The password is never
     * part of a message.
     */
    private static void checkTls(
            Optional<Path> certfile,
            Optional<Path> keyfile,
            Optional<Path> caCerts,
            ClientAuth certReqs,
            List<String> ciphers,
            Optional<Path> keystore,
            String keystorePassword) {
        if (keystore.isPresent() && (certfile.isPresent() || keyfile.isPresent())) {
            throw new ConfigException(
                    Setting.KEYSTORE,
                    keystore.get().toString(),
                    "a keystore instead of certfile and keyfile, not as well: set one or the other");
        }
        if (keyfile.isPresent() && certfile.isEmpty()) {
            throw new ConfigException(
                    Setting.KEYFILE,
                    keyfile.get().toString(),
                    "a key file only together with certfile, the certificate chain the key belongs to");
        }
        if (!keystorePassword.isEmpty() && keystore.isEmpty()) {
            throw new ConfigException(
                    Setting.KEYSTORE_PASSWORD, "set, but keystore is not: it is the keystore's password");
        }
        boolean tls = certfile.isPresent() || keystore.isPresent();
        if (!tls && caCerts.isPresent()) {
            throw new ConfigException(
                    Setting.CA_CERTS,
                    caCerts.get().toString(),
                    "certfile or keystore set too: client certificates are asked for over TLS only");
        }
        if (!tls && certReqs != ClientAuth.NONE) {
            throw new ConfigException(
                    Setting.CERT_REQS, name(certReqs), "none while TLS is off (set certfile or keystore)");
        }
        if (certReqs != ClientAuth.NONE && caCerts.isEmpty()) {
            throw new ConfigException(
                    Setting.CERT_REQS,
                    name(certReqs),
                    "none unless ca_certs names the CAs that sign the client certificates");
        }
        if (!tls && !ciphers.isEmpty()) {
            throw new ConfigException(
                    Setting.CIPHERS, String.join(":", ciphers), "empty while TLS is off (set certfile or keystore)");
        }
        CipherSuites.check(ciphers); // throws ConfigException naming the suite
    }

    private static void checkPath(Setting s, Optional<String> path) {
        if (path.isEmpty()) {
            return;
        }
        String p = path.get();
        boolean ok = p.startsWith("/") && p.length() <= 256;
        for (int i = 0; i < p.length() && ok; i++) {
            char c = p.charAt(i);
            ok = c > 0x20 && c < 0x7f && c != '?' && c != '#' && c != '%';
        }
        if (!ok) {
            throw new ConfigException(
                    s, p, "off, or a path such as /metrics: starting with /, printable ASCII without ? # % or spaces");
        }
    }

    private static void checkDistinctPaths(Optional<String> health, Optional<String> ready, Optional<String> metrics) {
        if (health.isPresent() && health.equals(ready)) {
            throw new ConfigException(Setting.READINESS_PATH, ready.get(), "a path other than health_path's");
        }
        if (metrics.isPresent() && (metrics.equals(health) || metrics.equals(ready))) {
            throw new ConfigException(
                    Setting.METRICS_PATH, metrics.get(), "a path other than health_path's and readiness_path's");
        }
    }

    private static void checkRange(Setting s, long value, long min, long max) {
        if (value < min || value > max) {
            throw new ConfigException(s, Long.toString(value), "an integer from " + min + " to " + max);
        }
    }

    private static void checkDuration(Setting s, Duration d, boolean zeroAllowed) {
        if (d.isNegative() || d.compareTo(MAX_DURATION) > 0 || (!zeroAllowed && d.isZero())) {
            throw new ConfigException(
                    s,
                    format(d),
                    (zeroAllowed ? "0 (off) or " : "") + "a duration up to 1 day,"
                            + " such as 30, 0.5, 500ms, 2s, 1m or PT30S");
        }
    }

    private static final Pattern HOST_PORT = Pattern.compile("(\\[[0-9A-Fa-f:.%a-zA-Z]+]|[^:\\[\\]]*)(?::([0-9]+))?");

    /** The {@code bind} value that takes the listener inherited on standard input. */
    static final String INHERITED = "fd://0";

    /** Returns the host and port of {@code bind}, or null for {@link #INHERITED}. */
    static InetSocketAddress parseBind(String bind) {
        if (bind.equals(INHERITED)) {
            return null;
        }
        if (bind.startsWith("fd://")) {
            throw new ConfigException(
                    Setting.BIND,
                    bind,
                    "fd://0 (the listening socket on standard input, as systemd's StandardInput=socket passes"
                            + " it): the JVM can take over no other inherited descriptor, such as LISTEN_FDS's fd 3,"
                            + " without native code");
        }
        if (bind.startsWith("unix:")) {
            throw new ConfigException(
                    Setting.BIND, bind, "HOST:PORT, [IPv6]:PORT, HOST or fd://0; unix sockets are not supported");
        }
        Matcher m = HOST_PORT.matcher(bind);
        if (!m.matches() || m.group(1).isEmpty()) {
            throw new ConfigException(Setting.BIND, bind, "HOST:PORT, [IPv6]:PORT or HOST, such as 127.0.0.1:8000");
        }
        String host = m.group(1);
        if (host.startsWith("[")) {
            host = host.substring(1, host.length() - 1);
        }
        int port = 8000;
        if (m.group(2) != null) {
            if (m.group(2).length() > 5 || Integer.parseInt(m.group(2)) > 65535) {
                throw new ConfigException(Setting.BIND, bind, "a port from 0 to 65535 after the colon");
            }
            port = Integer.parseInt(m.group(2));
        }
        return InetSocketAddress.createUnresolved(host, port);
    }

    /**
     * Builds a {@link Config}, starting from the defaults; {@link #build()} checks every value. Not
     * thread-safe.
     */
    public static final class Builder {
        private final Map<Setting, String> values = new EnumMap<>(Setting.class);

        private Builder() {
            for (Setting s : Setting.values()) {
                values.put(s, s.defaultValue());
            }
        }

        /** Sets {@code bind}. */
        public Builder bind(String bind) {
            return put(Setting.BIND, bind);
        }

        /** Sets {@code backlog}. */
        public Builder backlog(int backlog) {
            return put(Setting.BACKLOG, Integer.toString(backlog));
        }

        /** Sets {@code workers}. */
        public Builder workers(int workers) {
            return put(Setting.WORKERS, Integer.toString(workers));
        }

        /** Sets {@code worker_class}. */
        public Builder workerClass(String workerClass) {
            return put(Setting.WORKER_CLASS, workerClass);
        }

        /** Sets {@code threads}. */
        public Builder threads(int threads) {
            return put(Setting.THREADS, Integer.toString(threads));
        }

        /** Sets {@code worker_connections}. */
        public Builder workerConnections(int workerConnections) {
            return put(Setting.WORKER_CONNECTIONS, Integer.toString(workerConnections));
        }

        /** Sets {@code timeout}; {@link Config#OFF} turns it off. */
        public Builder timeout(Duration timeout) {
            return put(Setting.TIMEOUT, duration(timeout));
        }

        /** Sets {@code graceful_timeout}. */
        public Builder gracefulTimeout(Duration gracefulTimeout) {
            return put(Setting.GRACEFUL_TIMEOUT, duration(gracefulTimeout));
        }

        /** Sets {@code keepalive}; {@link Config#OFF} turns keep-alive off. */
        public Builder keepalive(Duration keepalive) {
            return put(Setting.KEEPALIVE, duration(keepalive));
        }

        /** Sets {@code max_requests}; {@link Config#UNLIMITED} turns recycling off. */
        public Builder maxRequests(int maxRequests) {
            return put(Setting.MAX_REQUESTS, Integer.toString(maxRequests));
        }

        /** Sets {@code max_requests_jitter}. */
        public Builder maxRequestsJitter(int maxRequestsJitter) {
            return put(Setting.MAX_REQUESTS_JITTER, Integer.toString(maxRequestsJitter));
        }

        /** Sets {@code limit_request_line}. */
        public Builder limitRequestLine(int bytes) {
            return put(Setting.LIMIT_REQUEST_LINE, Integer.toString(bytes));
        }

        /** Sets {@code limit_request_fields}. */
        public Builder limitRequestFields(int count) {
            return put(Setting.LIMIT_REQUEST_FIELDS, Integer.toString(count));
        }

        /** Sets {@code limit_request_field_size}. */
        public Builder limitRequestFieldSize(int bytes) {
            return put(Setting.LIMIT_REQUEST_FIELD_SIZE, Integer.toString(bytes));
        }

        /** Sets {@code limit_request_head}. */
        public Builder limitRequestHead(int bytes) {
            return put(Setting.LIMIT_REQUEST_HEAD, Integer.toString(bytes));
        }

        /** Sets {@code limit_request_body}; {@link Config#UNLIMITED} removes the limit. */
        public Builder limitRequestBody(long bytes) {
            return put(Setting.LIMIT_REQUEST_BODY, Long.toString(bytes));
        }

        /** Sets {@code header_timeout}; {@link Config#OFF} turns it off. */
        public Builder headerTimeout(Duration headerTimeout) {
            return put(Setting.HEADER_TIMEOUT, duration(headerTimeout));
        }

        /** Sets {@code overload_policy}. */
        public Builder overloadPolicy(OverloadPolicy policy) {
            return put(Setting.OVERLOAD_POLICY, policy.name().toLowerCase(Locale.ROOT));
        }

        /** Sets {@code offload_threads}. */
        public Builder offloadThreads(int threads) {
            return put(Setting.OFFLOAD_THREADS, Integer.toString(threads));
        }

        /** Sets {@code reuse_port}. */
        public Builder reusePort(boolean reusePort) {
            return put(Setting.REUSE_PORT, Boolean.toString(reusePort));
        }

        /** Sets {@code forwarded_allow_ips}: IPs and CIDRs, comma-separated, or {@code *}. */
        public Builder forwardedAllowIps(String peers) {
            return put(Setting.FORWARDED_ALLOW_IPS, peers);
        }

        /** Sets {@code proxy_protocol}. */
        public Builder proxyProtocol(ProxyProtocol protocol) {
            return put(Setting.PROXY_PROTOCOL, name(protocol));
        }

        /** Sets {@code proxy_allow_from}: IPs and CIDRs, comma-separated, or {@code *}. */
        public Builder proxyAllowFrom(String peers) {
            return put(Setting.PROXY_ALLOW_FROM, peers);
        }

        /** Sets {@code shutdown_delay}; {@link Config#OFF} drains at once. */
        public Builder shutdownDelay(Duration delay) {
            return put(Setting.SHUTDOWN_DELAY, duration(delay));
        }

        /** Sets {@code health_path}; {@code off} turns it off. */
        public Builder healthPath(String path) {
            return put(Setting.HEALTH_PATH, path);
        }

        /** Sets {@code readiness_path}; {@code off} turns it off. */
        public Builder readinessPath(String path) {
            return put(Setting.READINESS_PATH, path);
        }

        /** Sets {@code metrics_path}; {@code off} turns it off. */
        public Builder metricsPath(String path) {
            return put(Setting.METRICS_PATH, path);
        }

        /** Sets {@code access_log_format}, such as {@code %(h)s "%(r)s" %(s)s %(M)s}. */
        public Builder accessLogFormat(String format) {
            return put(Setting.ACCESS_LOG_FORMAT, format);
        }

        /** Sets {@code certfile}, the PEM certificate chain; this turns TLS on. */
        public Builder certfile(Path certfile) {
            return put(Setting.CERTFILE, certfile.toString());
        }

        /** Sets {@code keyfile}, the PEM private key of {@code certfile}. */
        public Builder keyfile(Path keyfile) {
            return put(Setting.KEYFILE, keyfile.toString());
        }

        /** Sets {@code ca_certs}, the PEM bundle of CAs that client certificates must chain to. */
        public Builder caCerts(Path caCerts) {
            return put(Setting.CA_CERTS, caCerts.toString());
        }

        /** Sets {@code cert_reqs}: whether clients must present a certificate. */
        public Builder certReqs(ClientAuth certReqs) {
            return put(Setting.CERT_REQS, name(certReqs));
        }

        /**
         * Sets {@code ciphers}: JSSE cipher suite names separated by commas or colons, in order of
         * preference; empty for the JDK's defaults.
         */
        public Builder ciphers(String suites) {
            return put(Setting.CIPHERS, suites);
        }

        /** Sets {@code keystore}, a PKCS#12 or JKS keystore used instead of certfile and keyfile; this turns TLS on. */
        public Builder keystore(Path keystore) {
            return put(Setting.KEYSTORE, keystore.toString());
        }

        /** Sets {@code keystore_password}. */
        public Builder keystorePassword(String password) {
            return put(Setting.KEYSTORE_PASSWORD, password);
        }

        /**
         * Sets a setting from its text form, by any of its names ({@code worker_class}, {@code
         * --worker-class}, {@code -k}); the value is checked by {@link #build()}.
         *
         * @throws ConfigException if no setting has that name
         */
        public Builder set(String name, String value) {
            Setting s = Setting.find(name).orElseThrow(() -> unknown(name));
            return put(s, Objects.requireNonNull(value, s.key()));
        }

        /** Applies gunicorn-style arguments; see {@link Config#fromArgs(String...)}. */
        public Builder args(List<String> args) {
            for (int i = 0; i < args.size(); i++) {
                String arg = args.get(i);
                if (!arg.startsWith("-")) {
                    throw new ConfigException("unexpected argument '" + arg + "': settings are given as --name value,"
                            + " such as --workers 2");
                }
                int eq = arg.indexOf('=');
                if (eq > 0) {
                    set(arg.substring(0, eq), arg.substring(eq + 1));
                } else {
                    Setting s = Setting.find(arg).orElseThrow(() -> unknown(arg));
                    if (i + 1 >= args.size()) {
                        throw new ConfigException(
                                s.key() + ": " + arg + " needs a value, such as " + s.flag() + " " + s.defaultValue());
                    }
                    put(s, args.get(++i));
                }
            }
            return this;
        }

        /** Applies properties whose keys start with {@code prefix}; see {@link Config#fromProperties}. */
        public Builder properties(Properties properties, String prefix) {
            for (String key : new TreeSet<>(properties.stringPropertyNames())) {
                if (!key.startsWith(prefix)) {
                    continue;
                }
                String name = key.substring(prefix.length());
                Setting s = Setting.find(name)
                        .filter(found -> found.key().equals(name))
                        .orElseThrow(() -> unknown(key));
                put(s, properties.getProperty(key).trim());
            }
            return this;
        }

        /**
         * Returns the checked configuration.
         *
         * @throws ConfigException naming the first bad setting, its value and what is allowed
         */
        public Config build() {
            return new Config(
                    values.get(Setting.BIND).trim(),
                    intValue(Setting.BACKLOG),
                    intValue(Setting.WORKERS),
                    values.get(Setting.WORKER_CLASS).trim(),
                    intValue(Setting.THREADS),
                    intValue(Setting.WORKER_CONNECTIONS),
                    durationValue(Setting.TIMEOUT),
                    durationValue(Setting.GRACEFUL_TIMEOUT),
                    durationValue(Setting.KEEPALIVE),
                    intValue(Setting.MAX_REQUESTS),
                    intValue(Setting.MAX_REQUESTS_JITTER),
                    intValue(Setting.LIMIT_REQUEST_LINE),
                    intValue(Setting.LIMIT_REQUEST_FIELDS),
                    intValue(Setting.LIMIT_REQUEST_FIELD_SIZE),
                    intValue(Setting.LIMIT_REQUEST_HEAD),
                    longValue(Setting.LIMIT_REQUEST_BODY),
                    durationValue(Setting.HEADER_TIMEOUT),
                    policyValue(),
                    intValue(Setting.OFFLOAD_THREADS),
                    booleanValue(Setting.REUSE_PORT),
                    allowListValue(Setting.FORWARDED_ALLOW_IPS),
                    proxyProtocolValue(),
                    allowListValue(Setting.PROXY_ALLOW_FROM),
                    durationValue(Setting.SHUTDOWN_DELAY),
                    pathValue(Setting.HEALTH_PATH),
                    pathValue(Setting.READINESS_PATH),
                    pathValue(Setting.METRICS_PATH),
                    values.get(Setting.ACCESS_LOG_FORMAT),
                    fileValue(Setting.CERTFILE),
                    fileValue(Setting.KEYFILE),
                    fileValue(Setting.CA_CERTS),
                    certReqsValue(),
                    ciphersValue(),
                    fileValue(Setting.KEYSTORE),
                    values.get(Setting.KEYSTORE_PASSWORD));
        }

        private Optional<Path> fileValue(Setting s) {
            String raw = values.get(s).strip();
            if (raw.isEmpty()) {
                return Optional.empty();
            }
            try {
                return Optional.of(Path.of(raw));
            } catch (InvalidPathException e) {
                throw new ConfigException(s, raw, "a file path (" + e.getReason() + ")");
            }
        }

        private ClientAuth certReqsValue() {
            String raw = values.get(Setting.CERT_REQS);
            return ClientAuth.parse(raw)
                    .orElseThrow(() -> new ConfigException(
                            Setting.CERT_REQS, raw.strip(), "none, optional or required (gunicorn's 0, 1 or 2)"));
        }

        private List<String> ciphersValue() {
            List<String> suites = new ArrayList<>();
            for (String name : values.get(Setting.CIPHERS).split("[,:\\s]+")) {
                if (!name.isEmpty() && !suites.contains(name)) {
                    suites.add(name);
                }
            }
            return suites;
        }

        private boolean booleanValue(Setting s) {
            String raw = values.get(s).trim().toLowerCase(Locale.ROOT);
            return switch (raw) {
                case "true", "yes", "on", "1" -> true;
                case "false", "no", "off", "0" -> false;
                default -> throw new ConfigException(s, values.get(s), "true or false");
            };
        }

        private IpAllowList allowListValue(Setting s) {
            String raw = values.get(s);
            return IpAllowList.parse(raw)
                    .orElseThrow(() -> new ConfigException(
                            s,
                            raw,
                            "IP addresses and CIDR ranges, comma-separated (such as 127.0.0.1,10.0.0.0/8,::1),"
                                    + " or * for any peer; host names are not accepted"));
        }

        private ProxyProtocol proxyProtocolValue() {
            String raw = values.get(Setting.PROXY_PROTOCOL).trim();
            for (ProxyProtocol p : ProxyProtocol.values()) {
                if (p.name().equalsIgnoreCase(raw)) {
                    return p;
                }
            }
            throw new ConfigException(
                    Setting.PROXY_PROTOCOL,
                    raw,
                    "off, v1, v2 or any (v1 or v2); a connection without the header is closed, never guessed");
        }

        private Optional<String> pathValue(Setting s) {
            String raw = values.get(s).trim();
            return raw.isEmpty() || raw.equalsIgnoreCase(PATH_OFF) ? Optional.empty() : Optional.of(raw);
        }

        private Builder put(Setting s, String value) {
            values.put(s, Objects.requireNonNull(value, s.key()));
            return this;
        }

        private static String duration(Duration d) {
            Objects.requireNonNull(d, "duration");
            return d.toString();
        }

        private int intValue(Setting s) {
            long v = longValue(s);
            if (v > Integer.MAX_VALUE || v < Integer.MIN_VALUE) {
                throw new ConfigException(s, values.get(s), "an integer (this one is too large)");
            }
            return (int) v;
        }

        private long longValue(Setting s) {
            String v = values.get(s).trim().replace("_", "");
            try {
                return Long.parseLong(v);
            } catch (NumberFormatException e) {
                throw new ConfigException(s, values.get(s), "a whole number, such as " + s.defaultValue());
            }
        }

        private Duration durationValue(Setting s) {
            String raw = values.get(s).trim();
            Duration d = parseDuration(raw);
            if (d == null) {
                throw new ConfigException(
                        s, raw, "a duration: seconds (30, 0.5), a unit (500ms, 2s, 1m, 1h) or ISO-8601 (PT30S)");
            }
            if (d.isNegative() || d.compareTo(MAX_DURATION) > 0) {
                throw new ConfigException(
                        s, raw, "0 (off) or a duration up to 1 day, such as 30, 0.5, 500ms, 2s, 1m or PT30S");
            }
            return d;
        }

        private OverloadPolicy policyValue() {
            String raw = values.get(Setting.OVERLOAD_POLICY).trim();
            for (OverloadPolicy p : OverloadPolicy.values()) {
                if (p.name().equalsIgnoreCase(raw)) {
                    return p;
                }
            }
            throw new ConfigException(Setting.OVERLOAD_POLICY, raw, "backlog or reject");
        }

        private static ConfigException unknown(String name) {
            List<String> known = new ArrayList<>();
            for (Setting s : Setting.values()) {
                known.add(s.key());
            }
            return new ConfigException("unknown setting '" + name + "'; the settings are " + String.join(", ", known));
        }
    }

    private static final Pattern WITH_UNIT = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)\\s*(ms|s|m|h)?");

    /** Parses {@code 30}, {@code 0.5}, {@code 500ms}, {@code 2s}, {@code 1m}, {@code 1h} or {@code PT30S}; null if none. */
    static Duration parseDuration(String raw) {
        String v = raw.toLowerCase(Locale.ROOT);
        if (v.startsWith("pt") || v.startsWith("p")) {
            try {
                return Duration.parse(raw.toUpperCase(Locale.ROOT));
            } catch (DateTimeParseException e) {
                return null;
            }
        }
        Matcher m = WITH_UNIT.matcher(v);
        if (!m.matches()) {
            return null;
        }
        BigDecimal amount = new BigDecimal(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        BigDecimal nanosPerUnit = switch (unit) {
            case "ms" -> BigDecimal.valueOf(1_000_000L);
            case "s" -> BigDecimal.valueOf(1_000_000_000L);
            case "m" -> BigDecimal.valueOf(60_000_000_000L);
            default -> BigDecimal.valueOf(3_600_000_000_000L);
        };
        BigDecimal nanos = amount.multiply(nanosPerUnit);
        if (nanos.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            return Duration.ofDays(365); // refused by the range check with the setting's name
        }
        return Duration.ofNanos(nanos.longValue());
    }
}
