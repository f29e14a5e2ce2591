package io.corral.internal.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.corral.http.Headers;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The codec's table: raw requests with the heads, bodies and trailers they must give, or the status
 * they must be refused with. Shared by the table test and the property tests.
 */
final class RequestCases {

    /** Gunicorn's defaults with Corral's 10 MiB body limit. */
    static final Limits DEFAULTS = Limits.defaults();

    /** Small limits for boundary cases: request line 32, 4 fields, field line 28, body 16. */
    static final Limits SMALL = new Limits(32, 4, 28, 16);

    /** Default line limits without a body limit. */
    static final Limits UNLIMITED_BODY = new Limits(4094, 100, 8190, 0);

    private static final String HOST = "Host: a\r\n";

    /** How the input may end for a case that is not refused. */
    enum Ending {
        /** Every byte formed complete requests. */
        CLEAN,
        /** The input ends inside a head. */
        IN_HEAD,
        /** The input ends inside a body. */
        IN_BODY
    }

    /**
     * One row.
     *
     * @param status the status the input must be refused with, or 0 if it is accepted
     * @param requests the requests that must be completed (before the refusal, if any)
     */
    record Case(String name, byte[] raw, Limits limits, int status, List<Req> requests, Ending ending) {

        boolean valid() {
            return status == 0;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** The expected fields of one request; unspecified headers are not checked. */
    static final class Req {
        final String method;
        final String target;
        int minor = 1;
        final Map<String, List<String>> headers = new LinkedHashMap<>();
        long contentLength = -1;
        boolean chunked;
        boolean keepAlive = true;
        boolean expectContinue;
        String body = "";
        Headers trailers = Headers.empty();
        int headerCount = -1;

        Req(String method, String target) {
            this.method = method;
            this.target = target;
        }

        Req v10() {
            minor = 0;
            keepAlive = false;
            return this;
        }

        Req header(String name, String... values) {
            headers.put(name, List.of(values));
            return this;
        }

        Req headerCount(int n) {
            headerCount = n;
            return this;
        }

        Req length(long n) {
            contentLength = n;
            return this;
        }

        Req chunked() {
            chunked = true;
            return this;
        }

        Req keepAlive(boolean b) {
            keepAlive = b;
            return this;
        }

        Req expectContinue() {
            expectContinue = true;
            return this;
        }

        Req body(String b) {
            body = b;
            return this;
        }

        Req trailers(String... namesAndValues) {
            trailers = Headers.of(namesAndValues);
            return this;
        }

        void check(CodecDriver.Exchange x, String where) {
            RequestHead h = x.head();
            assertEquals(method, h.method(), where + ": method");
            assertEquals(target, h.target(), where + ": target");
            assertEquals(minor, h.minorVersion(), where + ": minor version");
            headers.forEach((name, values) -> assertEquals(values, h.headers().all(name), where + ": header " + name));
            if (headerCount >= 0) {
                assertEquals(headerCount, h.headers().size(), where + ": header count");
            }
            assertEquals(contentLength, h.contentLength(), where + ": contentLength");
            assertEquals(chunked, h.chunked(), where + ": chunked");
            assertEquals(keepAlive, h.keepAlive(), where + ": keepAlive");
            assertEquals(expectContinue, h.expectContinue(), where + ": expectContinue");
            assertEquals(body, x.body(), where + ": body");
            assertEquals(trailers, x.trailers(), where + ": trailers");
        }
    }

    private final List<Case> cases = new ArrayList<>();

    private RequestCases() {}

    static List<Case> all() {
        RequestCases t = new RequestCases();
        t.requestLines();
        t.headerFields();
        t.framing();
        t.persistenceAndExpect();
        t.chunkedBodies();
        t.pipelining();
        t.limits();
        return List.copyOf(t.cases);
    }

    static List<Case> valid() {
        return all().stream().filter(Case::valid).toList();
    }

    private static Req req(String method, String target) {
        return new Req(method, target);
    }

    private static Req get(String target) {
        return new Req("GET", target);
    }

    private void ok(String name, String raw, Req... requests) {
        add(name, raw, DEFAULTS, 0, Ending.CLEAN, requests);
    }

    private void ok(String name, Limits limits, String raw, Req... requests) {
        add(name, raw, limits, 0, Ending.CLEAN, requests);
    }

    private void incomplete(String name, Ending ending, String raw, Req... completed) {
        add(name, raw, DEFAULTS, 0, ending, completed);
    }

    private void incomplete(String name, Ending ending, Limits limits, String raw, Req... completed) {
        add(name, raw, limits, 0, ending, completed);
    }

    private void bad(int status, String name, String raw, Req... before) {
        add(name, raw, DEFAULTS, status, Ending.CLEAN, before);
    }

    private void bad(int status, String name, Limits limits, String raw, Req... before) {
        add(name, raw, limits, status, Ending.CLEAN, before);
    }

    private void add(String name, String raw, Limits limits, int status, Ending ending, Req... requests) {
        cases.add(new Case(
                name, raw.getBytes(StandardCharsets.ISO_8859_1), limits, status, Arrays.asList(requests), ending));
    }

    private void requestLines() {
        ok(
                "accepts a simple GET",
                "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n",
                get("/").header("Host", "example.com").headerCount(1));
        ok(
                "accepts HTTP/1.0 without Host",
                "GET /index.html HTTP/1.0\r\n\r\n",
                get("/index.html").v10().headerCount(0));
        ok("serves HTTP/1.2 as HTTP/1.1", "GET / HTTP/1.2\r\n" + HOST + "\r\n", get("/"));
        ok("serves HTTP/1.9 as HTTP/1.1", "GET / HTTP/1.9\r\n" + HOST + "\r\n", get("/"));
        ok("accepts a lowercase method as sent", "get / HTTP/1.1\r\n" + HOST + "\r\n", req("get", "/"));
        ok("accepts a mixed-case method as sent", "Post / HTTP/1.1\r\n" + HOST + "\r\n", req("Post", "/"));
        ok(
                "accepts lowercase connect as an ordinary method",
                "connect /x HTTP/1.1\r\n" + HOST + "\r\n",
                req("connect", "/x"));
        ok(
                "accepts an extension method",
                "M-SEARCH / HTTP/1.1\r\n" + HOST + "\r\n",
                req("M-SEARCH", "/").header("Host", "a"));
        ok(
                "accepts a method of every tchar",
                "!#$%&'*+-.^_`|~09azAZ / HTTP/1.1\r\n" + HOST + "\r\n",
                req("!#$%&'*+-.^_`|~09azAZ", "/"));
        ok("accepts a one-character method", "X / HTTP/1.1\r\n" + HOST + "\r\n", req("X", "/"));
        ok(
                "accepts a 32-character method",
                "M".repeat(32) + " / HTTP/1.1\r\n" + HOST + "\r\n",
                req("M".repeat(32), "/"));
        bad(400, "rejects a 33-character method", "M".repeat(33) + " / HTTP/1.1\r\n" + HOST + "\r\n");
        ok("accepts HEAD", "HEAD /h HTTP/1.1\r\n" + HOST + "\r\n", req("HEAD", "/h"));
        ok("accepts a query", "GET /search?q=a+b&x=%20 HTTP/1.1\r\n" + HOST + "\r\n", get("/search?q=a+b&x=%20"));
        ok(
                "accepts absolute-form http",
                "GET http://example.com/a?b HTTP/1.1\r\n" + HOST + "\r\n",
                get("http://example.com/a?b"));
        ok(
                "accepts absolute-form https in any case",
                "GET HTTPS://example.com HTTP/1.1\r\n" + HOST + "\r\n",
                get("HTTPS://example.com"));
        ok(
                "accepts absolute-form with userinfo and port",
                "GET http://u@h:8080/x HTTP/1.1\r\n" + HOST + "\r\n",
                get("http://u@h:8080/x"));
        ok(
                "accepts absolute-form with a query after the authority",
                "GET http://h?x HTTP/1.1\r\n" + HOST + "\r\n",
                get("http://h?x"));
        ok("accepts asterisk-form with OPTIONS", "OPTIONS * HTTP/1.1\r\n" + HOST + "\r\n", req("OPTIONS", "*"));
        ok("accepts origin-form with OPTIONS", "OPTIONS /a HTTP/1.1\r\n" + HOST + "\r\n", req("OPTIONS", "/a"));
        ok(
                "accepts obs-text in the target as ISO-8859-1",
                "GET /caf\u00e9 HTTP/1.1\r\n" + HOST + "\r\n",
                get("/caf\u00e9"));
        ok(
                "accepts raw UTF-8 in the target byte for byte",
                "GET /\u00c3\u00a9 HTTP/1.1\r\n" + HOST + "\r\n",
                get("/\u00c3\u00a9"));
        ok("accepts a target of slashes", "GET /// HTTP/1.1\r\n" + HOST + "\r\n", get("///"));
        ok("accepts quotes and braces in the target", "GET /a\"b{c}|d HTTP/1.1\r\n" + HOST + "\r\n", get("/a\"b{c}|d"));
        ok("ignores empty CRLF lines before the request line", "\r\n\r\nGET / HTTP/1.1\r\n" + HOST + "\r\n", get("/"));
        ok("ignores empty bare-LF lines before the request line", "\n\nGET / HTTP/1.1\r\n" + HOST + "\r\n", get("/"));
        ok("accepts bare LF line endings", "GET / HTTP/1.1\nHost: a\n\n", get("/").header("Host", "a"));
        ok("accepts mixed line endings", "GET / HTTP/1.1\nHost: a\r\nX: y\n\r\n", get("/").header("X", "y"));

        bad(400, "rejects two spaces after the method", "GET  / HTTP/1.1\r\n" + HOST + "\r\n");
        bad(400, "rejects two spaces before the version", "GET /  HTTP/1.1\r\n" + HOST + "\r\n");
        bad(400, "rejects a tab as separator", "GET\t/ HTTP/1.1\r\n" + HOST + "\r\n");
        bad(400, "rejects a space before the method", " GET / HTTP/1.1\r\n" + HOST + "\r\n");
        bad(400, "rejects a space after the version", "GET / HTTP/1.1 \r\n" + HOST + "\r\n");
        bad(400, "rejects a request line without version", "GET /\r\n" + HOST + "\r\n");
        bad(400, "rejects a lone method", "GET\r\n\r\n");
        bad(400, "rejects a fourth part in the request line", "GET / HTTP/1.1 extra\r\n" + HOST + "\r\n");
        bad(400, "rejects a space inside the target", "GET /a b HTTP/1.1\r\n" + HOST + "\r\n");
        bad(400, "rejects an empty target", "GET  HTTP/1.1\r\n" + HOST + "\r\n");
        bad(400, "rejects a method that is not a token", "G(T / HTTP/1.1\r\n" + HOST + "\r\n");
        bad(400, "rejects a non-ASCII method", "G\u00c9T / HTTP/1.1\r\n" + HOST + "\r\n");
        bad(400, "rejects a control byte in the target", "GET /a\u0001b HTTP/1.1\r\n" + HOST + "\r\n");
        bad(400, "rejects DEL in the target", "GET /a\u007fb HTTP/1.1\r\n" + HOST + "\r\n");
        bad(400, "rejects NUL in the target", "GET /a\u0000 HTTP/1.1\r\n" + HOST + "\r\n");
        bad(400, "rejects a relative target", "GET foo HTTP/1.1\r\n" + HOST + "\r\n");
        bad(400, "rejects another scheme", "GET ftp://h/ HTTP/1.1\r\n" + HOST + "\r\n");
        bad(400, "rejects a scheme without slashes", "GET http:/h HTTP/1.1\r\n" + HOST + "\r\n");
        bad(400, "rejects absolute-form without authority", "GET http:// HTTP/1.1\r\n" + HOST + "\r\n");
        bad(400, "rejects absolute-form with an empty authority", "GET http:///x HTTP/1.1\r\n" + HOST + "\r\n");
        bad(400, "rejects authority-form with GET", "GET example.com:80 HTTP/1.1\r\n" + HOST + "\r\n");
        bad(400, "rejects asterisk-form with GET", "GET * HTTP/1.1\r\n" + HOST + "\r\n");
        bad(400, "rejects asterisk-form with lowercase options", "options * HTTP/1.1\r\n" + HOST + "\r\n");
        bad(501, "refuses CONNECT with 501", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n");
        bad(501, "refuses CONNECT with any target with 501", "CONNECT / HTTP/1.1\r\n" + HOST + "\r\n");
        bad(400, "rejects a lowercase protocol name", "GET / http/1.1\r\n" + HOST + "\r\n");
        bad(400, "rejects a version without minor", "GET / HTTP/1\r\n" + HOST + "\r\n");
        bad(400, "rejects a three-part version", "GET / HTTP/1.1.1\r\n" + HOST + "\r\n");
        bad(400, "rejects a version without dot", "GET / HTTP/11\r\n" + HOST + "\r\n");
        bad(400, "rejects a two-digit minor version", "GET / HTTP/1.10\r\n" + HOST + "\r\n");
        bad(400, "rejects a two-digit major version", "GET / HTTP/10.1\r\n" + HOST + "\r\n");
        bad(400, "rejects a letter as minor version", "GET / HTTP/1.x\r\n" + HOST + "\r\n");
        bad(400, "rejects HTTPS as protocol name", "GET / HTTPS/1.1\r\n" + HOST + "\r\n");
        bad(400, "rejects junk after the version", "GET / HTTP/1.1x\r\n" + HOST + "\r\n");
        bad(505, "refuses HTTP/2.0 with 505", "GET / HTTP/2.0\r\n" + HOST + "\r\n");
        bad(505, "refuses HTTP/0.9 with 505", "GET / HTTP/0.9\r\n" + HOST + "\r\n");
        bad(505, "refuses HTTP/3.0 with 505", "GET / HTTP/3.0\r\n" + HOST + "\r\n");
        bad(505, "refuses HTTP/9.9 with 505", "GET / HTTP/9.9\r\n" + HOST + "\r\n");
        bad(400, "rejects a bare CR inside the request line", "GET /\r HTTP/1.1\r\n" + HOST + "\r\n");
        bad(400, "rejects a bare CR ending the request line", "GET / HTTP/1.1\rHost: a\r\n\r\n");
        bad(400, "rejects CR CR LF after the request line", "GET / HTTP/1.1\r\r\n" + HOST + "\r\n");
        bad(400, "rejects bare CRs before the request line", "\r\rGET / HTTP/1.1\r\n" + HOST + "\r\n");
        bad(400, "rejects a line of spaces before the request line", "  \r\nGET / HTTP/1.1\r\n" + HOST + "\r\n");
    }

    private void headerFields() {
        ok(
                "strips whitespace around a value",
                "GET / HTTP/1.1\r\nHost: a\r\nX:  \t v a l \t \r\n\r\n",
                get("/").header("X", "v a l"));
        ok(
                "keeps an inner tab in a value",
                "GET / HTTP/1.1\r\nHost: a\r\nX: a\tb\r\n\r\n",
                get("/").header("X", "a\tb"));
        ok(
                "accepts an empty value",
                "GET / HTTP/1.1\r\nHost: a\r\nX:\r\nY:   \r\n\r\n",
                get("/").header("X", "").header("Y", ""));
        ok("accepts an empty Host", "GET / HTTP/1.1\r\nHost:\r\n\r\n", get("/").header("Host", ""));
        ok(
                "accepts a value without space after the colon",
                "GET / HTTP/1.1\r\nHost:a\r\n\r\n",
                get("/").header("Host", "a"));
        ok(
                "decodes obs-text in values as ISO-8859-1",
                "GET / HTTP/1.1\r\nHost: a\r\nX: \u00e9\u00ff\u0080\r\n\r\n",
                get("/").header("X", "\u00e9\u00ff\u0080"));
        ok(
                "keeps repeated fields in order",
                "GET / HTTP/1.1\r\nHost: a\r\nAccept: x\r\nB: 1\r\naccept: y\r\n\r\n",
                get("/").header("ACCEPT", "x", "y").headerCount(4));
        ok(
                "keeps the case of names and finds them in any case",
                "GET / HTTP/1.1\r\nhOsT: a\r\nX-Custom-NAME: v\r\n\r\n",
                get("/").header("x-custom-name", "v").header("HOST", "a"));
        ok(
                "accepts a name of every tchar",
                "GET / HTTP/1.1\r\nHost: a\r\n!#$%&'*+-.^_`|~09azAZ: v\r\n\r\n",
                get("/").header("!#$%&'*+-.^_`|~09azAZ", "v"));
        ok(
                "accepts common headers",
                "GET / HTTP/1.1\r\nhost: a\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n"
                        + "accept-encoding: gzip\r\nCookie: a=1; b=2\r\n\r\n",
                get("/").header("User-Agent", "curl/8.5.0")
                        .header("Cookie", "a=1; b=2")
                        .headerCount(5));
        ok(
                "accepts Host on HTTP/1.0",
                "GET / HTTP/1.0\r\nHost: a\r\n\r\n",
                get("/").v10().header("Host", "a"));
        ok(
                "accepts colons in a value",
                "GET / HTTP/1.1\r\nHost: a:8080\r\nX: a:b: c\r\n\r\n",
                get("/").header("Host", "a:8080").header("X", "a:b: c"));

        bad(400, "rejects obs-fold with a space", "GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n");
        bad(400, "rejects obs-fold with a tab", "GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n\tb\r\n\r\n");
        bad(400, "rejects a folded line right after the request line", "GET / HTTP/1.1\r\n Host: a\r\n\r\n");
        bad(400, "rejects a space before the colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n");
        bad(400, "rejects a tab before the colon", "GET / HTTP/1.1\r\nHost\t: a\r\n\r\n");
        bad(400, "rejects an empty name", "GET / HTTP/1.1\r\nHost: a\r\n: v\r\n\r\n");
        bad(400, "rejects a line without colon", "GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n");
        bad(400, "rejects a name that is not a token", "GET / HTTP/1.1\r\nHost: a\r\nX(y): v\r\n\r\n");
        bad(400, "rejects a non-ASCII name", "GET / HTTP/1.1\r\nHost: a\r\nX\u00e9: v\r\n\r\n");
        bad(400, "rejects NUL in a value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\u0000b\r\n\r\n");
        bad(400, "rejects a bare CR in a value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n");
        bad(400, "rejects a bare CR ending a header line", "GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n");
        bad(400, "rejects CR CR LF after a header line", "GET / HTTP/1.1\r\nHost: a\r\r\n\r\n");
        bad(400, "rejects a bare CR as the empty line", "GET / HTTP/1.1\r\nHost: a\r\n\r\r\n");
        bad(400, "rejects DEL in a value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\u007f\r\n\r\n");
        bad(400, "rejects a control character in a value", "GET / HTTP/1.1\r\nHost: a\r\nX: \u0001\r\n\r\n");
        bad(400, "rejects ESC in a value", "GET / HTTP/1.1\r\nHost: a\r\nX: \u001b[0m\r\n\r\n");
        bad(400, "rejects a missing Host on HTTP/1.1", "GET / HTTP/1.1\r\nX: a\r\n\r\n");
        bad(400, "rejects two Host fields", "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n");
        bad(400, "rejects two Host fields in different case", "GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n");
        bad(400, "rejects two Host fields on HTTP/1.0", "GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n");
    }

    private void framing() {
        ok(
                "reads a Content-Length body",
                "POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
                req("POST", "/p").length(5).body("hello"));
        ok(
                "reads a zero Content-Length as no body",
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n",
                req("POST", "/").length(0));
        ok(
                "accepts leading zeros in Content-Length",
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 005\r\n\r\nhello",
                req("POST", "/").length(5).body("hello"));
        ok(
                "accepts whitespace around Content-Length",
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length:  5 \t\r\n\r\n" + "hello",
                req("POST", "/").length(5).body("hello"));
        ok(
                "accepts Content-Length in any case",
                "POST / HTTP/1.1\r\nHost: a\r\ncontent-LENGTH: 2\r\n\r\nhi",
                req("POST", "/").length(2).body("hi"));
        ok(
                "reads a body with any bytes",
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\n\r\n\r\n\u0000\u00ff\r\r",
                req("POST", "/").length(6).body("\r\n\u0000\u00ff\r\r"));
        ok(
                "reads Transfer-Encoding chunked in any case",
                "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n" + "\r\n3\r\nabc\r\n0\r\n\r\n",
                req("POST", "/").chunked().body("abc"));
        ok(
                "strips whitespace around chunked",
                "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:  chunked \r\n" + "\r\n0\r\n\r\n",
                req("POST", "/").chunked());
        incomplete(
                "accepts the largest Content-Length when the body is unlimited",
                Ending.IN_BODY,
                UNLIMITED_BODY,
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9223372036854775807\r\n\r\nabc");

        bad(
                400,
                "rejects both Content-Length and Transfer-Encoding",
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
        bad(
                400,
                "rejects both Transfer-Encoding and Content-Length",
                "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\nhello");
        bad(
                400,
                "rejects Transfer-Encoding with a zero Content-Length",
                "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n");
        bad(
                400,
                "rejects a space-padded chunked with Content-Length",
                "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:  chunked\r\nContent-Length: 3\r\n\r\n");
        bad(
                501,
                "refuses chunked followed by identity",
                "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked," + " identity\r\n\r\n");
        bad(501, "refuses identity", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n");
        bad(
                501,
                "refuses gzip before chunked",
                "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n");
        bad(
                501,
                "refuses chunked before deflate",
                "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, deflate" + "\r\n\r\n");
        bad(501, "refuses compress", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: compress\r\n\r\n");
        bad(501, "refuses xchunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n");
        bad(
                501,
                "refuses a coding in a second Transfer-Encoding field",
                "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n");
        bad(
                400,
                "rejects chunked twice in one field",
                "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, " + "chunked\r\n\r\n");
        bad(
                400,
                "rejects chunked in two fields",
                "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n" + "Transfer-Encoding: chunked\r\n\r\n");
        bad(400, "rejects an empty Transfer-Encoding", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n\r\n");
        bad(
                400,
                "rejects a trailing comma in Transfer-Encoding",
                "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: " + "chunked,\r\n\r\n");
        bad(
                400,
                "rejects a leading comma in Transfer-Encoding",
                "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: ," + "chunked\r\n\r\n");
        bad(
                400,
                "rejects a coding that is not a token",
                "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked;" + "q=1\r\n\r\n");
        bad(
                400,
                "rejects a space before the colon of Transfer-Encoding",
                "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n");
        bad(
                400,
                "rejects a tab before the colon of Transfer-Encoding",
                "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding\t: chunked\r\n\r\n0\r\n\r\n");
        bad(
                400,
                "rejects a folded Transfer-Encoding",
                "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n identity\r\n\r\n0\r\n\r\n");
        bad(
                400,
                "rejects Transfer-Encoding on HTTP/1.0",
                "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n" + "0\r\n\r\n");
        bad(
                400,
                "rejects a repeated equal Content-Length",
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n" + "Content-Length: 5\r\n\r\nhello");
        bad(400, "rejects a Content-Length list", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\nhello");
        bad(
                400,
                "rejects a plus sign in Content-Length",
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n" + "hello");
        bad(400, "rejects a negative Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n");
        bad(400, "rejects a hex Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x5\r\n\r\nhello");
        bad(400, "rejects a space inside Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5 5\r\n\r\n");
        bad(
                400,
                "rejects an underscore in Content-Length",
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1_0\r\n" + "\r\n");
        bad(400, "rejects an empty Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n");
        bad(
                400,
                "rejects a Content-Length that overflows",
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: " + "9223372036854775808\r\n\r\n");
        bad(
                400,
                "rejects a Content-Length of 19 nines",
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: " + "9999999999999999999\r\n\r\n");
        bad(
                400,
                "rejects a Content-Length of 20 digits",
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: " + "00000000000000000001\r\n\r\n");
        bad(
                413,
                "refuses a Content-Length over the body limit with 413",
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10485761\r\n\r\n");
    }

    private void persistenceAndExpect() {
        ok(
                "keeps an HTTP/1.0 connection with keep-alive",
                "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
                get("/").v10().keepAlive(true));
        ok(
                "closes an HTTP/1.0 connection that lists close with keep-alive",
                "GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n",
                get("/").v10());
        ok(
                "closes an HTTP/1.1 connection on close",
                "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
                get("/").keepAlive(false));
        ok(
                "reads Connection as a case-insensitive list",
                "GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade ,CLOSE\r\n" + "\r\n",
                get("/").keepAlive(false));
        ok(
                "reads close from any Connection field",
                "GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\n" + "connection: close\r\n\r\n",
                get("/").keepAlive(false));
        ok("does not read closed as close", "GET / HTTP/1.1\r\nHost: a\r\nConnection: closed\r\n\r\n", get("/"));
        ok(
                "sets expectContinue for 100-continue",
                "POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n" + "Content-Length: 1\r\n\r\nx",
                req("POST", "/").expectContinue().length(1).body("x"));
        ok(
                "reads 100-continue in any case",
                "POST / HTTP/1.1\r\nHost: a\r\nexpect: 100-Continue\r\n\r\n",
                req("POST", "/").expectContinue());
        ok(
                "ignores 100-continue on HTTP/1.0",
                "POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n" + "x",
                req("POST", "/").v10().length(1).body("x"));
        bad(417, "refuses an unknown expectation with 417", "GET / HTTP/1.1\r\nHost: a\r\nExpect: foo\r\n\r\n");
        bad(
                417,
                "refuses a list of expectations with 417",
                "GET / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue, foo" + "\r\n\r\n");
        bad(417, "refuses an unknown expectation on HTTP/1.0 with 417", "GET / HTTP/1.0\r\nExpect: foo\r\n\r\n");
        bad(417, "refuses an empty expectation with 417", "GET / HTTP/1.1\r\nHost: a\r\nExpect:\r\n\r\n");
    }

    private static final String CHUNKED = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";

    private void chunkedBodies() {
        ok(
                "reads a chunked body",
                CHUNKED + "5\r\nhello\r\n0\r\n\r\n",
                req("POST", "/").chunked().body("hello"));
        ok(
                "reads several chunks",
                CHUNKED + "5\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\n\r\n",
                req("POST", "/").chunked().body("hello world"));
        ok(
                "reads an empty chunked body",
                CHUNKED + "0\r\n\r\n",
                req("POST", "/").chunked());
        ok(
                "reads uppercase hex and leading zeros",
                CHUNKED + "00A\r\n0123456789\r\n000\r\n\r\n",
                req("POST", "/").chunked().body("0123456789"));
        ok(
                "reads lowercase hex",
                CHUNKED + "a\r\nabcdefghij\r\n0\r\n\r\n",
                req("POST", "/").chunked().body("abcdefghij"));
        ok(
                "reads a chunk size of 16 hex digits",
                CHUNKED + "0000000000000003\r\nabc\r\n0\r\n\r\n",
                req("POST", "/").chunked().body("abc"));
        ok(
                "reads chunk data with CR and LF inside",
                CHUNKED + "4\r\n\r\n\r\n\r\n0\r\n\r\n",
                req("POST", "/").chunked().body("\r\n\r\n"));
        ok(
                "accepts chunk extensions",
                CHUNKED + "5;foo=bar\r\nhello\r\n0;last\r\n\r\n",
                req("POST", "/").chunked().body("hello"));
        ok(
                "accepts whitespace around chunk extensions",
                CHUNKED + "5 ;a ; b = c\t;d\r\nhello\r\n0\r\n\r\n",
                req("POST", "/").chunked().body("hello"));
        ok(
                "accepts quoted chunk extension values",
                CHUNKED + "5;a=\"x;y=\\\"z\\\" \u00e9\"\r\nhello\r\n0\r\n\r\n",
                req("POST", "/").chunked().body("hello"));
        ok(
                "accepts bare LF in chunked framing",
                "POST / HTTP/1.1\nHost: a\nTransfer-Encoding: chunked\n\n5\nhello\n0" + "\n\n",
                req("POST", "/").chunked().body("hello"));
        ok(
                "reads trailers",
                CHUNKED + "5\r\nhello\r\n0\r\nX-Checksum: abc\r\nX-Empty:\r\n\r\n",
                req("POST", "/").chunked().body("hello").trailers("X-Checksum", "abc", "X-Empty", ""));
        ok(
                "reads trailers with bare LF",
                CHUNKED + "0\nX: 1\n\n",
                req("POST", "/").chunked().trailers("X", "1"));

        bad(400, "rejects a chunk size that is not hex", CHUNKED + "x\r\nhello\r\n0\r\n\r\n");
        bad(400, "rejects an empty chunk size line", CHUNKED + "\r\nhello\r\n0\r\n\r\n");
        bad(400, "rejects a plus sign in a chunk size", CHUNKED + "+5\r\nhello\r\n0\r\n\r\n");
        bad(400, "rejects a minus sign in a chunk size", CHUNKED + "-5\r\nhello\r\n0\r\n\r\n");
        bad(400, "rejects a 0x prefix in a chunk size", CHUNKED + "0x5\r\nhello\r\n0\r\n\r\n");
        bad(400, "rejects a space before a chunk size", CHUNKED + " 5\r\nhello\r\n0\r\n\r\n");
        bad(400, "rejects a space inside a chunk size", CHUNKED + "5 5\r\nhello\r\n0\r\n\r\n");
        bad(400, "rejects a space after a chunk size without extension", CHUNKED + "5 \r\nhello\r\n0\r\n\r\n");
        bad(400, "rejects a chunk size of 17 hex digits", CHUNKED + "00000000000000005\r\nhello\r\n0\r\n\r\n");
        bad(400, "rejects a chunk size that overflows", CHUNKED + "8000000000000000\r\nhello\r\n0\r\n\r\n");
        bad(400, "rejects a chunk size of 16 Fs", CHUNKED + "FFFFFFFFFFFFFFFF\r\nhello\r\n0\r\n\r\n");
        bad(413, "refuses the largest chunk size with 413", CHUNKED + "7FFFFFFFFFFFFFFF\r\nhello\r\n0\r\n\r\n");
        bad(400, "rejects a bare CR in a chunk extension", CHUNKED + "5;a\rb\r\nhello\r\n0\r\n\r\n");
        bad(400, "rejects a bare CR after a chunk size", CHUNKED + "5\rhello\r\n0\r\n\r\n");
        bad(400, "rejects a chunk extension without name", CHUNKED + "5;\r\nhello\r\n0\r\n\r\n");
        bad(400, "rejects a chunk extension without value", CHUNKED + "5;a=\r\nhello\r\n0\r\n\r\n");
        bad(400, "rejects an unterminated quoted chunk extension", CHUNKED + "5;a=\"x\r\nhello\r\n0\r\n\r\n");
        bad(
                400,
                "rejects a control byte in a quoted chunk extension",
                CHUNKED + "5;a=\"\u0001\"\r\nhello\r\n0\r\n\r\n");
        bad(
                400,
                "rejects a chunk size line over 4096 bytes",
                CHUNKED + "5;a=" + "b".repeat(4093) + "\r\nhello\r\n0" + "\r\n\r\n");
        ok(
                "accepts a chunk size line of 4096 bytes",
                CHUNKED + "5;a=" + "b".repeat(4092) + "\r\nhello\r\n0\r\n\r\n",
                req("POST", "/").chunked().body("hello"));
        bad(400, "rejects chunk data not followed by CRLF", CHUNKED + "5\r\nhelloX\r\n0\r\n\r\n");
        bad(400, "rejects chunk data followed by CR and no LF", CHUNKED + "5\r\nhello\rX0\r\n\r\n");
        bad(400, "rejects chunk data longer than its size", CHUNKED + "3\r\nhello\r\n0\r\n\r\n");
        bad(400, "rejects a folded trailer", CHUNKED + "0\r\nX: a\r\n b\r\n\r\n");
        bad(400, "rejects a trailer without colon", CHUNKED + "0\r\nX\r\n\r\n");
        bad(400, "rejects a NUL in a trailer", CHUNKED + "0\r\nX: \u0000\r\n\r\n");
        bad(400, "rejects a Content-Length trailer", CHUNKED + "0\r\nContent-Length: 5\r\n\r\n");
        bad(400, "rejects a Transfer-Encoding trailer", CHUNKED + "0\r\ntransfer-encoding: chunked\r\n\r\n");
        bad(400, "rejects a Host trailer", CHUNKED + "0\r\nHOST: b\r\n\r\n");
        bad(400, "rejects a Trailer trailer", CHUNKED + "0\r\nTrailer: X\r\n\r\n");
        bad(400, "rejects a TE trailer", CHUNKED + "0\r\nte: trailers\r\n\r\n");
        bad(400, "rejects an Authorization trailer", CHUNKED + "0\r\nAuthorization: Basic eDp5\r\n\r\n");
        incomplete("waits for the empty line after the last chunk", Ending.IN_BODY, CHUNKED + "5\r\nhello\r\n0\r\n");
        incomplete("waits for the rest of a chunk", Ending.IN_BODY, CHUNKED + "5\r\nhel");
    }

    private void pipelining() {
        ok(
                "reads two pipelined GETs",
                "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n",
                get("/1"),
                get("/2"));
        ok(
                "reads a body and then the next request",
                "POST /1 HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nGET " + "GET /2 HTTP/1.1\r\nHost: a\r\n\r\n",
                req("POST", "/1").length(4).body("GET "),
                get("/2"));
        ok(
                "reads a chunked body with trailers and then two requests",
                CHUNKED + "3\r\nabc\r\n0\r\nX: y\r\n\r\n"
                        + "GET /2 HTTP/1.1\r\nHost: a\r\n\r\nDELETE /3 HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\nz",
                req("POST", "/").chunked().body("abc").trailers("X", "y"),
                get("/2"),
                req("DELETE", "/3").length(1).body("z"));
        ok(
                "skips a CRLF between pipelined requests",
                "POST /1 HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\nx\r\n" + "GET /2 HTTP/1.1\r\nHost: a\r\n\r\n",
                req("POST", "/1").length(1).body("x"),
                get("/2"));
        ok(
                "reads pipelined HTTP/1.0 and HTTP/1.1 requests",
                "GET /1 HTTP/1.0\r\n\r\nGET /2 HTTP/1.1\r\nHost: b\r\n" + "Connection: close\r\n\r\n",
                get("/1").v10(),
                get("/2").keepAlive(false).header("Host", "b"));
        bad(
                505,
                "refuses a bad request after a good one",
                "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/2.0\r\n" + "Host: a\r\n\r\n",
                get("/1"));
        bad(400, "rejects a smuggled request after a bad chunk", CHUNKED + "5\r\nhelloGET /x HTTP/1.1\r\n\r\n");
        incomplete("waits for the rest of a head", Ending.IN_HEAD, "GET / HTTP/1.1\r\nHost: a\r\n");
        incomplete(
                "waits after a complete request for the next head",
                Ending.IN_HEAD,
                "GET / HTTP/1.1\r\nHost: a" + "\r\n\r\nGET /2 HT",
                get("/"));
        incomplete(
                "waits for the rest of a body",
                Ending.IN_BODY,
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9" + "\r\n\r\nabc");
        ok("treats trailing empty lines as idle", "GET / HTTP/1.1\r\nHost: a\r\n\r\n\r\n\r\n", get("/"));
    }

    private void limits() {
        // SMALL: request line 32, 4 fields, field line 28, body 16
        String line32 = "GET /" + "a".repeat(18) + " HTTP/1.1"; // 5 + 18 + 9
        ok("accepts a request line at the limit", SMALL, line32 + "\r\n" + HOST + "\r\n", get("/" + "a".repeat(18)));
        bad(
                414,
                "refuses a request line one byte over the limit with 414",
                SMALL,
                "GET /" + "a".repeat(19) + " HTTP/1.1\r\n" + HOST + "\r\n");
        bad(414, "refuses a request line over the limit before its end arrives", SMALL, "GET /" + "a".repeat(40));
        bad(414, "counts a CR not followed by LF toward the request line limit", SMALL, line32 + "\rx");
        incomplete("waits for the LF after a request line at the limit and a CR", Ending.IN_HEAD, SMALL, line32 + "\r");
        ok(
                "counts empty lines toward the request line limit",
                SMALL,
                "\r\n\n" + "GET /" + "a".repeat(15) + " HTTP/1.1\r\n" + HOST + "\r\n",
                get("/" + "a".repeat(15)));
        bad(
                414,
                "refuses empty lines and a request line one byte over the limit",
                SMALL,
                "\r\n\n" + "GET /" + "a".repeat(16) + " HTTP/1.1\r\n" + HOST + "\r\n");
        bad(
                414,
                "refuses empty lines that push the request line over the limit",
                SMALL,
                "\r\n\r\n" + line32 + "\r\n" + HOST + "\r\n");
        bad(414, "refuses endless empty lines", SMALL, "\r\n".repeat(100));
        String field28 = "X-Long: " + "v".repeat(20); // 8 + 20
        ok(
                "accepts a header line at the limit",
                SMALL,
                "GET / HTTP/1.1\r\n" + HOST + field28 + "\r\n\r\n",
                get("/").header("X-Long", "v".repeat(20)));
        bad(
                431,
                "refuses a header line one byte over the limit with 431",
                SMALL,
                "GET / HTTP/1.1\r\n" + HOST + field28 + "v\r\n\r\n");
        bad(
                431,
                "refuses a header line over the limit before its end arrives",
                SMALL,
                "GET / HTTP/1.1\r\n" + HOST + field28 + "vvvvvvv");
        bad(
                431,
                "counts trailing whitespace toward the header line limit",
                SMALL,
                "GET / HTTP/1.1\r\n" + HOST + field28 + " \r\n\r\n");
        ok(
                "accepts as many fields as the limit",
                SMALL,
                "GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n",
                get("/").headerCount(4));
        bad(
                431,
                "refuses one field more than the limit with 431",
                SMALL,
                "GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\n" + "B: 2\r\nC: 3\r\nD: 4\r\n\r\n");
        ok(
                "accepts a Content-Length at the body limit",
                SMALL,
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 16\r\n" + "\r\n" + "b".repeat(16),
                req("POST", "/").length(16).body("b".repeat(16)));
        bad(
                413,
                "refuses a Content-Length one over the body limit with 413",
                SMALL,
                "POST / HTTP/1.1\r\nHost: a\r\n" + "Content-Length: 17\r\n\r\n" + "b".repeat(17));
        ok(
                "accepts a chunked body at the body limit",
                SMALL,
                CHUNKED + "8\r\n" + "b".repeat(8) + "\r\n8\r\n" + "c".repeat(8) + "\r\n0\r\n\r\n",
                req("POST", "/").chunked().body("b".repeat(8) + "c".repeat(8)));
        bad(
                413,
                "refuses a chunked body one over the body limit with 413",
                SMALL,
                CHUNKED + "8\r\n" + "b".repeat(8) + "\r\n9\r\n" + "c".repeat(9) + "\r\n0\r\n\r\n");
        bad(413, "refuses a chunk over the body limit before its data", SMALL, CHUNKED + "11\r\n");
        ok(
                "accepts as many trailers as the field limit",
                SMALL,
                CHUNKED + "0\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n",
                req("POST", "/").chunked().trailers("A", "1", "B", "2", "C", "3", "D", "4"));
        bad(
                431,
                "refuses one trailer more than the field limit with 431",
                SMALL,
                CHUNKED + "0\r\nA: 1\r\nB: 2\r\n" + "C: 3\r\nD: 4\r\nE: 5\r\n\r\n");
        ok(
                "accepts a trailer line at the limit",
                SMALL,
                CHUNKED + "0\r\n" + field28 + "\r\n\r\n",
                req("POST", "/").chunked().trailers("X-Long", "v".repeat(20)));
        bad(
                431,
                "refuses a trailer line one byte over the limit with 431",
                SMALL,
                CHUNKED + "0\r\n" + field28 + "v\r\n\r\n");
        ok(
                "reads a large body when the body is unlimited",
                UNLIMITED_BODY,
                "POST / HTTP/1.1\r\nHost: a\r\n" + "Content-Length: 20000\r\n\r\n" + "z".repeat(20000),
                req("POST", "/").length(20000).body("z".repeat(20000)));
        bad(
                413,
                "refuses a large Content-Length under the default limit",
                "POST / HTTP/1.1\r\nHost: a\r\n" + "Content-Length: 99999999999\r\n\r\n");
    }
}
