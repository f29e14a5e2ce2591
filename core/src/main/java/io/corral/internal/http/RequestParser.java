package io.corral.internal.http;

import io.corral.Setting;
import io.corral.http.BadMessageException;
import io.corral.http.Headers;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The incremental HTTP/1.1 request-head parser that every worker shares.
 *
 * <pre>{@code
 * RequestParser parser = new RequestParser(Limits.defaults());
 * RequestHead head;
 * while ((head = parser.parse(buffer)) == null) {
 *     buffer.compact(); channel.read(buffer); buffer.flip();   // needs more bytes
 * }
 * BodyDecoder body = BodyDecoder.forHead(head, limits);      // reads on from the same buffer
 * }</pre>
 *
 * <p>Fed whatever bytes have arrived, in as many pieces as the network delivers (one byte at a
 * time included), it returns the same head as if the bytes had come at once. It allocates nothing
 * per byte: it scans for each line's LF, checks the line where it lies (a line split across reads
 * is first copied into a buffer bounded by the limits), and makes one String per method, target,
 * name and value. Confined to the one thread that serves the connection at a time.
 *
 * <p>What it accepts is RFC 9112 read strictly, as gunicorn does; what it refuses answers with:
 *
 * <ul>
 *   <li>400: a malformed request line or header line (a method that is not a token of 1 to 32
 *       characters, anything but single spaces between the parts, a target with SP or control
 *       bytes or of no accepted form, a malformed version, a bare CR, obsolete line folding,
 *       whitespace before a colon, a control character in a value), ambiguous framing (a repeated
 *       or malformed Content-Length, Content-Length with Transfer-Encoding, Transfer-Encoding on
 *       HTTP/1.0, chunked twice, an empty coding), and a missing or repeated Host;
 *   <li>413: a Content-Length above {@link Limits#body()};
 *   <li>414: a request line longer than {@link Limits#requestLine()} (empty lines before it count);
 *   <li>417: an Expect other than {@code 100-continue};
 *   <li>431: more than {@link Limits#fields()} fields, a field line longer than {@link
 *       Limits#fieldSize()}, or a head larger than {@link Limits#head()} in all;
 *   <li>501: CONNECT, and any transfer coding but chunked;
 *   <li>505: an HTTP version whose major is not 1.
 * </ul>
 *
 * <p>Line endings are CRLF or a bare LF. HTTP/1.2 to HTTP/1.9 are served as HTTP/1.1.
 */
public final class RequestParser {

    /** The longest method accepted, in bytes. */
    static final int MAX_METHOD = 32;

    private static final int REQUEST_LINE = 0;
    private static final int FIELDS = 1;

    private static final String[] COMMON_METHODS = {"GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH"};

    private final Limits limits;
    private final LineReader lines = new LineReader();
    private final FieldLine fieldLine = new FieldLine();

    private BadMessageException failure;
    private int state = REQUEST_LINE;

    /** Bytes of empty lines skipped before the request line; they count toward its limit. */
    private int skipped;

    // The head being parsed; reset by startOver().
    private String method;
    private String target;
    private int minorVersion;
    private Headers.Builder headers;
    private int fieldCount;
    private long headBytes; // the head's lines so far, with their line ends
    private int hostCount;
    private long contentLength;
    private boolean transferEncoding;
    private boolean chunked;
    private boolean unsupportedCoding;
    private boolean connectionClose;
    private boolean connectionKeepAlive;
    private boolean expectContinue;
    private boolean expectationFailed;

    /** Creates a parser that enforces {@code limits}. */
    public RequestParser(Limits limits) {
        this.limits = limits;
        startOver();
    }

    /**
     * Consumes bytes of {@code in}, from its position to its limit, until a head is complete.
     *
     * @return the head, with {@code in} positioned just after the empty line that ends it (body or
     *     pipelined bytes stay in {@code in}); or {@code null} if every byte was consumed and more are
     *     needed
     * @throws BadMessageException if the bytes cannot begin a valid head, with the status to answer;
     *     the parser must not be used again (it throws the same exception again if it is)
     */
    public RequestHead parse(ByteBuffer in) throws BadMessageException {
        if (failure != null) {
            throw failure;
        }
        try {
            while (true) {
                if (state == REQUEST_LINE) {
                    if (!lines.next(in, limits.requestLine() - skipped, 414, "request line", limits.requestLine())) {
                        return null;
                    }
                    if (lines.isEmpty()) {
                        skipped += lines.length();
                    } else {
                        countHead(lines.length());
                        requestLine(lines.array(), lines.start(), lines.end());
                        state = FIELDS;
                    }
                } else {
                    if (!lines.next(in, limits.fieldSize(), 431, "header line", limits.fieldSize())) {
                        return null;
                    }
                    if (lines.isEmpty()) {
                        RequestHead head = finish();
                        startOver();
                        return head;
                    }
                    countHead(lines.length());
                    headerField(lines.array(), lines.start(), lines.end());
                }
            }
        } catch (BadMessageException e) {
            failure = e;
            lines.clear();
            throw e;
        }
    }

    /**
     * Returns true if part of a head has been consumed but it is not complete yet. Empty lines
     * before a request line do not count: a connection that sent only those is idle.
     */
    public boolean inProgress() {
        return failure == null && (state == FIELDS || (lines.holdsPartialLine() && !lines.holdsOnlyCr()));
    }

    /** Adds a line to the head's size; 431 once it passes the total limit. */
    private void countHead(int lineBytes) throws BadMessageException {
        headBytes += lineBytes;
        if (limits.head() > 0 && headBytes > limits.head()) {
            throw new BadMessageException(
                    431, "the request head is larger than " + limits.head() + " bytes", Setting.LIMIT_REQUEST_HEAD);
        }
    }

    private void startOver() {
        headBytes = 0;
        state = REQUEST_LINE;
        skipped = 0;
        method = null;
        target = null;
        minorVersion = 1;
        headers = null;
        fieldCount = 0;
        hostCount = 0;
        contentLength = -1;
        transferEncoding = false;
        chunked = false;
        unsupportedCoding = false;
        connectionClose = false;
        connectionKeepAlive = false;
        expectContinue = false;
        expectationFailed = false;
    }

    /** Parses {@code method SP request-target SP HTTP-version} from {@code a[start, end)}. */
    private void requestLine(byte[] a, int start, int end) throws BadMessageException {
        int p = start;
        while (p < end && FieldLine.isTchar(a[p])) {
            p++;
        }
        int methodLength = p - start;
        if (p == end || a[p] != ' ' || methodLength == 0) {
            throw new BadMessageException(400, "malformed request line: expected a method token and a single space");
        }
        if (methodLength > MAX_METHOD) {
            throw new BadMessageException(400, "method is longer than " + MAX_METHOD + " characters");
        }
        int targetStart = ++p;
        // SP and controls end or spoil the target; bytes from 0x80 are obs-text, as gunicorn allows
        while (p < end && (a[p] & 0xFF) > 0x20 && a[p] != 0x7F) {
            p++;
        }
        int targetEnd = p;
        if (p == end || a[p] != ' ' || targetEnd == targetStart) {
            throw new BadMessageException(
                    400, "malformed request line: expected a target without spaces or controls, and a single space");
        }
        int major = version(a, p + 1, end);
        if (major != 1) {
            throw new BadMessageException(505, "HTTP version " + major + " is not supported; use HTTP/1.1");
        }
        minorVersion = a[end - 1] == '0' ? 0 : 1;
        method = method(a, start, methodLength);
        if (method.equals("CONNECT")) {
            throw new BadMessageException(501, "CONNECT is not supported");
        }
        checkTargetForm(a, targetStart, targetEnd);
        target = new String(a, targetStart, targetEnd - targetStart, StandardCharsets.ISO_8859_1);
        headers = Headers.builder();
    }

    /** Returns the major version of {@code HTTP/d.d} in {@code a[start, end)}. */
    private static int version(byte[] a, int start, int end) throws BadMessageException {
        if (end - start != 8
                || a[start] != 'H'
                || a[start + 1] != 'T'
                || a[start + 2] != 'T'
                || a[start + 3] != 'P'
                || a[start + 4] != '/'
                || !isDigit(a[start + 5])
                || a[start + 6] != '.'
                || !isDigit(a[start + 7])) {
            throw new BadMessageException(400, "malformed HTTP version: expected HTTP/1.1 or HTTP/1.0");
        }
        return a[start + 5] - '0';
    }

    /** Accepts origin-form, absolute-form with an http(s) scheme and an authority, and {@code *} for OPTIONS. */
    private void checkTargetForm(byte[] a, int start, int end) throws BadMessageException {
        if (a[start] == '/') {
            return;
        }
        if (end - start == 1 && a[start] == '*') {
            if (!method.equals("OPTIONS")) {
                throw new BadMessageException(400, "the target * is only for OPTIONS");
            }
            return;
        }
        int authority = schemeEnd(a, start, end);
        if (authority < 0) {
            throw new BadMessageException(400, "request target must start with / or be an http(s):// URI");
        }
        if (authority == end || a[authority] == '/' || a[authority] == '?' || a[authority] == '#') {
            throw new BadMessageException(400, "absolute request target has an empty authority");
        }
    }

    /** Returns the index just after {@code http://} or {@code https://} (any case), or -1. */
    private static int schemeEnd(byte[] a, int start, int end) {
        int p = start;
        if (end - p < 7
                || (a[p] | 0x20) != 'h'
                || (a[p + 1] | 0x20) != 't'
                || (a[p + 2] | 0x20) != 't'
                || (a[p + 3] | 0x20) != 'p') {
            return -1;
        }
        p += 4;
        if ((a[p] | 0x20) == 's') {
            p++;
        }
        if (end - p < 3 || a[p] != ':' || a[p + 1] != '/' || a[p + 2] != '/') {
            return -1;
        }
        return p + 3;
    }

    private static String method(byte[] a, int start, int length) {
        for (String common : COMMON_METHODS) {
            if (common.length() == length && FieldLine.sameBytes(common, a, start)) {
                return common;
            }
        }
        return new String(a, start, length, StandardCharsets.ISO_8859_1);
    }

    /** Parses one header line and notes what it says about framing, persistence and expectations. */
    private void headerField(byte[] a, int start, int end) throws BadMessageException {
        if (++fieldCount > limits.fields()) {
            throw new BadMessageException(
                    431, "more than " + limits.fields() + " header fields", Setting.LIMIT_REQUEST_FIELDS);
        }
        fieldLine.parse(a, start, end);
        String name = fieldLine.name();
        String value = fieldLine.value();
        switch (name.length()) {
            case 4 -> {
                if (name.equalsIgnoreCase("Host") && ++hostCount > 1) {
                    throw new BadMessageException(400, "more than one Host header");
                }
            }
            case 6 -> {
                if (name.equalsIgnoreCase("Expect")) {
                    if (!value.equalsIgnoreCase("100-continue")) {
                        expectationFailed = true;
                    } else if (minorVersion >= 1) {
                        expectContinue = true;
                    } // RFC 9110 10.1.1: a 100-continue from an HTTP/1.0 client is ignored
                }
            }
            case 10 -> {
                if (name.equalsIgnoreCase("Connection")) {
                    connectionClose |= Tokens.listContains(value, "close");
                    connectionKeepAlive |= Tokens.listContains(value, "keep-alive");
                }
            }
            case 14 -> {
                if (name.equalsIgnoreCase("Content-Length")) {
                    if (contentLength >= 0) {
                        throw new BadMessageException(400, "more than one Content-Length header");
                    }
                    contentLength = contentLength(value);
                }
            }
            case 17 -> {
                if (name.equalsIgnoreCase("Transfer-Encoding")) {
                    transferCodings(value);
                }
            }
            default -> {}
        }
        headers.add(name, value);
    }

    /** Parses 1 to 19 ASCII digits. */
    private static long contentLength(String value) throws BadMessageException {
        int n = value.length();
        if (n == 0 || n > 19) {
            throw new BadMessageException(400, "Content-Length must be 1 to 19 digits");
        }
        long v = 0;
        for (int i = 0; i < n; i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                throw new BadMessageException(400, "Content-Length must be digits only");
            }
            v = 10 * v + (c - '0');
            if (v < 0) {
                throw new BadMessageException(400, "Content-Length is too large");
            }
        }
        return v;
    }

    /** Reads a Transfer-Encoding list; repeated fields add to it. Only a single, final chunked is supported. */
    private void transferCodings(String value) throws BadMessageException {
        transferEncoding = true;
        int n = value.length();
        int start = 0;
        while (true) {
            int comma = value.indexOf(',', start);
            int end = comma < 0 ? n : comma;
            int s = FieldLine.trimStart(value, start, end);
            int e = FieldLine.trimEnd(value, s, end);
            if (s == e) {
                throw new BadMessageException(400, "empty element in Transfer-Encoding");
            }
            if (e - s == 7 && value.regionMatches(true, s, "chunked", 0, 7)) {
                if (chunked) {
                    throw new BadMessageException(400, "chunked is applied more than once in Transfer-Encoding");
                }
                chunked = true;
            } else {
                for (int i = s; i < e; i++) {
                    char c = value.charAt(i);
                    if (c >= 0x80 || !FieldLine.isTchar((byte) c)) {
                        throw new BadMessageException(400, "malformed Transfer-Encoding");
                    }
                }
                unsupportedCoding = true;
            }
            if (comma < 0) {
                return;
            }
            start = comma + 1;
        }
    }

    /** Checks the head as a whole and derives framing, persistence and expectation. */
    private RequestHead finish() throws BadMessageException {
        if (minorVersion >= 1 && hostCount == 0) {
            throw new BadMessageException(400, "an HTTP/1.1 request needs a Host header");
        }
        if (transferEncoding) {
            if (contentLength >= 0) {
                throw new BadMessageException(400, "both Content-Length and Transfer-Encoding");
            }
            if (minorVersion == 0) {
                throw new BadMessageException(400, "Transfer-Encoding on an HTTP/1.0 request");
            }
            if (unsupportedCoding) {
                throw new BadMessageException(501, "only the chunked transfer coding is supported");
            }
        }
        if (expectationFailed) {
            throw new BadMessageException(417, "the only expectation supported is 100-continue");
        }
        if (limits.body() > 0 && contentLength > limits.body()) {
            throw new BadMessageException(
                    413, "body is larger than " + limits.body() + " bytes", Setting.LIMIT_REQUEST_BODY);
        }
        boolean keepAlive = !connectionClose && (minorVersion >= 1 || connectionKeepAlive);
        return new RequestHead(
                method, target, minorVersion, headers.build(), contentLength, chunked, keepAlive, expectContinue);
    }

    private static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }
}
