package io.corral.http;

import io.corral.Setting;
import java.io.IOException;
import java.util.Optional;

/**
 * A request that breaks HTTP/1.1's rules or Corral's limits; carries the status to answer with.
 *
 * <p>This is the codec's one error type. The server answers it with {@link #status()} and closes
 * the connection. A handler meets it only while reading a request body that turns out to be
 * malformed (400) or larger than {@code limit_request_body} (413); it is an {@link IOException} so
 * that ordinary body-reading code handles it without special cases.
 */
public final class BadMessageException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final transient Setting limit;

    /**
     * Creates the error.
     *
     * @param status the 4xx or 5xx status to answer with
     * @param message what was wrong, safe to show the client (no request bytes beyond a short excerpt)
     */
    public BadMessageException(int status, String message) {
        this(status, message, null);
    }

    /**
     * Creates the error for a request that broke a limit setting.
     *
     * @param status the 4xx or 5xx status to answer with
     * @param message what was wrong, safe to show the client
     * @param limit the setting the request broke, such as {@link Setting#LIMIT_REQUEST_FIELDS}; null if none
     */
    public BadMessageException(int status, String message, Setting limit) {
        super(message);
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("status must be 4xx or 5xx, got " + status);
        }
        this.status = status;
        this.limit = limit;
    }

    /**
     * Returns the limit setting the request broke ({@code limit_request_line}, {@code
     * limit_request_fields}, {@code limit_request_field_size}, {@code limit_request_head}, {@code
     * limit_request_body}, {@code header_timeout}), if it broke one rather than HTTP's rules.
     */
    public Optional<Setting> limit() {
        return Optional.ofNullable(limit);
    }

    /** Returns the status the server answers with: 400, 413, 414, 431, 501 or 505. */
    public int status() {
        return status;
    }

    /** The stack trace of a refused request tells nothing; skipping it keeps bad traffic cheap. */
    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}
