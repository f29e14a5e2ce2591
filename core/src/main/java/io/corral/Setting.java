package io.corral;

import java.util.Locale;
import java.util.Optional;

/**
 * Every setting Corral reads, with its name in each form, its default and what it means. This is
 * the one place each setting is documented; {@link Config}'s accessors, {@code --help} and the
 * README's table say the same words.
 *
 * <p>Names follow gunicorn: {@code snake_case} in properties files ({@link #key()}), {@code
 * --kebab-case} on a command line ({@link #flag()}). Durations are given in seconds ({@code 30},
 * {@code 0.5}), with a unit ({@code 500ms}, {@code 2s}, {@code 1m}) or in ISO-8601 ({@code PT30S}).
 */
public enum Setting {
    /** Where to listen. */
    BIND(
            "bind",
            "127.0.0.1:8000",
            "b",
            "The address to listen on: HOST:PORT, [IPv6]:PORT or HOST (port 8000). "
                    + "Port 0 picks a free port; Arbiter.port() tells which. fd://0 takes the listening socket"
                    + " the JVM inherited on its standard input (systemd StandardInput=socket)."),
    /** Kernel accept queue length. */
    BACKLOG(
            "backlog",
            "2048",
            null,
            "The listen backlog: how many connections the kernel queues while every"
                    + " worker is busy or full. The kernel may cap it (net.core.somaxconn)."),
    /** Worker count. */
    WORKERS("workers", "1", "w", "How many workers the Arbiter runs, from 1 to 4096; resize() changes it at runtime."),
    /** Worker model. */
    WORKER_CLASS(
            "worker_class",
            "sync",
            "k",
            "The worker model: sync, async or virtual; its module (corral-worker-NAME) must be on the"
                    + " class path or module path."),
    /** Threads per sync worker. */
    THREADS(
            "threads",
            "1",
            null,
            "Platform threads per sync worker, each running one request at a time; waiting for a request costs"
                    + " no thread. Ignored by the async and virtual workers."),
    /** Connection cap per worker. */
    WORKER_CONNECTIONS(
            "worker_connections",
            "1000",
            null,
            "Open connections per worker, idle ones included. A full worker stops accepting (or answers 503,"
                    + " see overload_policy). On sync, threads caps the requests that run at once."),
    /** Request and liveness timeout. */
    TIMEOUT(
            "timeout",
            "30s",
            "t",
            "A request busy longer than this is aborted: the client gets 504 if nothing was sent,"
                    + " else the connection closes. A worker silent this long is replaced. 0 turns both off."),
    /** Shutdown grace. */
    GRACEFUL_TIMEOUT(
            "graceful_timeout",
            "30s",
            null,
            "How long a graceful shutdown (or a retiring worker) waits for"
                    + " requests in flight before it aborts them."),
    /** Keep-alive idle limit. */
    KEEPALIVE(
            "keepalive",
            "2s",
            null,
            "How long an idle keep-alive connection waits for its next request. 0 turns"
                    + " keep-alive off. Behind a load balancer, set it above the balancer's idle timeout (ALB: 60s)."),
    /** Recycle after N requests. */
    MAX_REQUESTS(
            "max_requests",
            "0",
            null,
            "A worker that served this many requests is replaced: its successor"
                    + " starts first, then it drains. 0 turns recycling off."),
    /** Recycle jitter. */
    MAX_REQUESTS_JITTER(
            "max_requests_jitter",
            "0",
            null,
            "Adds a random 0..N to max_requests per worker so that" + " workers do not all restart at once."),
    /** Request line cap. */
    LIMIT_REQUEST_LINE(
            "limit_request_line",
            "4094",
            null,
            "The longest request line in bytes, 1 to 65536 (0 means" + " 65536). Longer gets 414."),
    /** Header count cap. */
    LIMIT_REQUEST_FIELDS(
            "limit_request_fields",
            "100",
            null,
            "The most header fields in a request, 1 to 32768" + " (0 means 32768). More gets 431."),
    /** Header line cap. */
    LIMIT_REQUEST_FIELD_SIZE(
            "limit_request_field_size",
            "8190",
            null,
            "The longest header line in bytes, name and" + " value, 1 to 65536 (0 means 65536). Longer gets 431."),
    /** Request head cap, in total. */
    LIMIT_REQUEST_HEAD(
            "limit_request_head",
            "16384",
            null,
            "The largest request head in bytes, request line and header lines together"
                    + " (16 KiB). Larger gets 431. 0 means only the per-line limits apply."),
    /** Request body cap. */
    LIMIT_REQUEST_BODY(
            "limit_request_body",
            "10485760",
            null,
            "The largest request body in bytes (10 MiB). Larger gets" + " 413. 0 means no limit."),
    /** Slow-client guard. */
    HEADER_TIMEOUT(
            "header_timeout",
            "10s",
            null,
            "How long a client may take to send a request's line and headers"
                    + " once it has started (or once connected). Slower gets 408 and a close."),
    /** What a full server does. */
    OVERLOAD_POLICY(
            "overload_policy",
            "backlog",
            null,
            "What a full worker does with a new connection: backlog"
                    + " (stop accepting; the kernel queues it) or reject (answer 503 with Retry-After and close)."),
    /** Blocking handler pool of the async worker. */
    OFFLOAD_THREADS(
            "offload_threads",
            "64",
            null,
            "Threads per async worker that run a blocking Handler, so that it never blocks the event loop;"
                    + " up to 4 times as many requests wait for one, and more get 503. Ignored by the other workers."),
    /** SO_REUSEPORT on the listener. */
    REUSE_PORT(
            "reuse_port",
            "false",
            null,
            "Sets SO_REUSEPORT on the listener, so that several Arbiters (in one JVM or several) can bind the"
                    + " same port and the kernel spreads new connections among them: start the new instance, then"
                    + " shut the old one down. Linux; see the README for tcp_migrate_req."),
    /** Peers whose forwarded headers are trusted. */
    FORWARDED_ALLOW_IPS(
            "forwarded_allow_ips",
            "127.0.0.1,::1",
            null,
            "The peers (IPs and CIDRs, comma-separated; * for any) whose Forwarded and X-Forwarded-For,"
                    + " -Proto, -Host headers are honoured; from any other peer they change nothing. The client"
                    + " is the right-most address that is not one of these."),
    /** PROXY protocol on the listener. */
    PROXY_PROTOCOL(
            "proxy_protocol",
            "off",
            null,
            "off, v1, v2 or any (v1 or v2): every connection must begin with a PROXY protocol header of that"
                    + " version within header_timeout, or it is closed; never guessed. The address it carries is"
                    + " the client for the whole connection."),
    /** Peers allowed to send a PROXY header. */
    PROXY_ALLOW_FROM(
            "proxy_allow_from",
            "127.0.0.1,::1",
            null,
            "The peers (IPs and CIDRs, comma-separated; * for any) allowed to connect when proxy_protocol"
                    + " is on; a connection from any other peer is closed at once."),
    /** Readiness lost before the drain. */
    SHUTDOWN_DELAY(
            "shutdown_delay",
            "0",
            null,
            "On shutdown, how long the server first reports not ready (readiness_path answers 503) while"
                    + " it keeps serving as before, so that load balancers stop sending; then it drains."
                    + " 0 drains at once."),
    /** Liveness endpoint. */
    HEALTH_PATH(
            "health_path",
            "off",
            null,
            "A path (such as /livez) that the workers answer before the application: 200 while the"
                    + " Arbiter runs. off turns it off."),
    /** Readiness endpoint. */
    READINESS_PATH(
            "readiness_path",
            "off",
            null,
            "A path (such as /readyz) that the workers answer before the application: 200 until shutdown"
                    + " begins, 503 from then on (through shutdown_delay and the drain). off turns it off."),
    /** Metrics endpoint. */
    METRICS_PATH(
            "metrics_path",
            "off",
            null,
            "A path (such as /metrics) that the workers answer before the application with the metrics"
                    + " in the Prometheus text format (Arbiter.metrics() gives the same). off turns it off."),
    /** Access log line format. */
    ACCESS_LOG_FORMAT(
            "access_log_format",
            "%(h)s %(l)s %(u)s %(t)s \"%(r)s\" %(s)s %(b)s \"%(f)s\" \"%(a)s\"",
            null,
            "The access log line, with gunicorn's atoms: h l u t r m U q H s B b f a T M D L p, {header}i"
                    + " and {header}o; h is the client as derived from trusted proxies. For TLS, mod_ssl's"
                    + " {SSL_CLIENT_S_DN}x (the client certificate's subject), {SSL_CLIENT_I_DN}x,"
                    + " {SSL_PROTOCOL}x, {SSL_CIPHER}x and {SSL_TLS_SNI}x. An unknown atom fails at start."),
    /** The server's certificate chain; turns TLS on. */
    CERTFILE(
            "certfile",
            "",
            null,
            "A PEM file with the server's certificate chain, its own certificate first; setting it (or"
                    + " keystore) turns TLS on: TLS 1.3 and 1.2 only, ALPN http/1.1. Checked at start (missing,"
                    + " unreadable, expired, not matching the key fail it) and re-read by reloadTls()."),
    /** The certificate's private key. */
    KEYFILE(
            "keyfile",
            "",
            null,
            "A PEM file with the certificate's private key: PKCS#8 (BEGIN PRIVATE KEY), PKCS#1 RSA (BEGIN RSA"
                    + " PRIVATE KEY) or SEC1 EC (BEGIN EC PRIVATE KEY), not encrypted (use keystore for a"
                    + " password). Empty: the key is in certfile."),
    /** The CAs that sign client certificates. */
    CA_CERTS(
            "ca_certs",
            "",
            null,
            "A PEM file with the CA certificates that client certificates must chain to; needed by"
                    + " cert_reqs optional or required."),
    /** Whether clients must present a certificate. */
    CERT_REQS(
            "cert_reqs",
            "none",
            null,
            "Whether a TLS client must present a certificate signed by ca_certs: none, optional (asked"
                    + " for; one sent must verify) or required (the handshake fails without one); gunicorn's 0,"
                    + " 1 and 2 too."),
    /** The cipher suites allowed. */
    CIPHERS(
            "ciphers",
            "",
            null,
            "The TLS cipher suites allowed, in order of preference: JSSE (IANA) names separated by commas"
                    + " or colons, such as TLS_AES_128_GCM_SHA256:TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 (OpenSSL"
                    + " names are refused). Empty: the JDK's defaults."),
    /** A keystore instead of certfile and keyfile. */
    KEYSTORE(
            "keystore",
            "",
            null,
            "A PKCS#12 (or JKS) keystore with the private key and its certificate chain, instead of"
                    + " certfile and keyfile (not with them); opened with keystore_password. Checked at start"
                    + " and re-read by reloadTls() as certfile is."),
    /** The keystore's password. */
    KEYSTORE_PASSWORD(
            "keystore_password",
            "",
            null,
            "The password of keystore and of its key. Never logged; prefer a properties file or the builder"
                    + " to a command line, which other users of the host can read.");

    private final String key;
    private final String defaultValue;
    private final String shortFlag;
    private final String description;

    Setting(String key, String defaultValue, String shortFlag, String description) {
        this.key = key;
        this.defaultValue = defaultValue;
        this.shortFlag = shortFlag;
        this.description = description;
    }

    /** Returns the properties name, such as {@code worker_class}. */
    public String key() {
        return key;
    }

    /** Returns the command-line flag, such as {@code --worker-class}. */
    public String flag() {
        return "--" + key.replace('_', '-');
    }

    /** Returns the one-letter flag gunicorn uses, such as {@code -w}, if there is one. */
    public Optional<String> shortFlag() {
        return Optional.ofNullable(shortFlag).map(s -> "-" + s);
    }

    /** Returns the default in the form it would be written in a properties file. */
    public String defaultValue() {
        return defaultValue;
    }

    /** Returns what the setting means, with its range and units. */
    public String description() {
        return description;
    }

    /**
     * Finds a setting by any of its names: {@code worker_class}, {@code worker-class}, {@code
     * --worker-class}, {@code -k}, and gunicorn's spellings {@code --keep-alive}, {@code
     * --limit-request-field_size} and {@code proxy_allow_ips}.
     */
    public static Optional<Setting> find(String name) {
        String n = name;
        if (n.length() == 2 && n.charAt(0) == '-' && n.charAt(1) != '-') {
            for (Setting s : values()) {
                if (s.shortFlag != null && s.shortFlag.equals(n.substring(1))) {
                    return Optional.of(s);
                }
            }
            return Optional.empty();
        }
        if (n.startsWith("--")) {
            n = n.substring(2);
        }
        n = n.toLowerCase(Locale.ROOT).replace('-', '_');
        if (n.equals("keep_alive")) {
            n = "keepalive";
        } else if (n.equals("proxy_allow_ips")) {
            n = "proxy_allow_from"; // gunicorn's key; its flag is --proxy-allow-from
        }
        for (Setting s : values()) {
            if (s.key.equals(n)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }
}
