package io.corral.internal.http;

import io.corral.Config;

/**
 * The codec's limits, taken from {@link Config}.
 *
 * @param requestLine the longest request line in bytes, not counting its CRLF (exceeded: 414)
 * @param fields the most header fields in a head, and separately in a chunked body's trailers (exceeded: 431)
 * @param fieldSize the longest header line in bytes, name, colon and value, not counting its CRLF (exceeded: 431)
 * @param head the largest head in bytes, request line and header lines with their line ends
 *     together (exceeded: 431), or 0 for none but the per-line limits
 * @param body the largest request body in bytes, or 0 for no limit (exceeded: 413)
 */
public record Limits(int requestLine, int fields, int fieldSize, int head, long body) {

    /** Refuses limits no request could pass; {@link Config} has already mapped gunicorn's 0s to maximums. */
    public Limits {
        if (requestLine < 1 || fields < 1 || fieldSize < 1 || head < 0 || body < 0) {
            throw new IllegalArgumentException("limits must be positive (body: 0 for none): requestLine=" + requestLine
                    + ", fields=" + fields + ", fieldSize=" + fieldSize + ", head=" + head + ", body=" + body);
        }
    }

    /** Limits without a total head limit. */
    public Limits(int requestLine, int fields, int fieldSize, long body) {
        this(requestLine, fields, fieldSize, 0, body);
    }

    /** Returns the limits of {@code config}. */
    public static Limits of(Config config) {
        return new Limits(
                config.limitRequestLine(),
                config.limitRequestFields(),
                config.limitRequestFieldSize(),
                config.limitRequestHead(),
                config.limitRequestBody());
    }

    /** Returns gunicorn's defaults with Corral's 10 MiB body limit. */
    public static Limits defaults() {
        return of(Config.defaults());
    }
}
