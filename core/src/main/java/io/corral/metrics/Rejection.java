package io.corral.metrics;

import io.corral.Setting;
import java.util.Locale;

/**
 * Why the server refused a request or a connection itself, before or instead of the application:
 * the {@code reason} label of {@code corral_rejections_total}. There is one reason per limit
 * setting, named after it, so that a dashboard can tell which limit is tripping.
 */
public enum Rejection {
    /** A full worker answered 503 ({@code worker_connections}, {@code threads}, {@code offload_threads}, {@code overload_policy=reject}). */
    OVERLOAD,
    /** A request head (or a wait for request body bytes) took longer than {@code header_timeout}: 408. */
    HEADER_TIMEOUT,
    /** A request line longer than {@code limit_request_line}: 414. */
    LIMIT_REQUEST_LINE,
    /** More header (or trailer) fields than {@code limit_request_fields}: 431. */
    LIMIT_REQUEST_FIELDS,
    /** A header line longer than {@code limit_request_field_size}: 431. */
    LIMIT_REQUEST_FIELD_SIZE,
    /** A request head larger than {@code limit_request_head}: 431. */
    LIMIT_REQUEST_HEAD,
    /** A request body larger than {@code limit_request_body}: 413. */
    LIMIT_REQUEST_BODY,
    /** A malformed request, or one the server does not support (400, 417, 501, 505). */
    BAD_REQUEST,
    /** A connection closed for a missing or invalid PROXY header, or from a peer outside {@code proxy_allow_from}. */
    PROXY_PROTOCOL;

    /** Returns the label value: the name in lower case, such as {@code limit_request_line}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Returns the rejection that a request breaking {@code limit} counts as, or {@link #BAD_REQUEST}. */
    public static Rejection of(Setting limit) {
        return switch (limit) {
            case HEADER_TIMEOUT -> HEADER_TIMEOUT;
            case LIMIT_REQUEST_LINE -> LIMIT_REQUEST_LINE;
            case LIMIT_REQUEST_FIELDS -> LIMIT_REQUEST_FIELDS;
            case LIMIT_REQUEST_FIELD_SIZE -> LIMIT_REQUEST_FIELD_SIZE;
            case LIMIT_REQUEST_HEAD -> LIMIT_REQUEST_HEAD;
            case LIMIT_REQUEST_BODY -> LIMIT_REQUEST_BODY;
            default -> BAD_REQUEST;
        };
    }
}
