package io.corral.internal.net;

import java.io.IOException;

/**
 * A connection that must be closed before any HTTP is read: its PROXY protocol header is missing,
 * malformed or of a version not accepted, or its peer may not send one ({@code proxy_allow_from}).
 * The specification says to close such a connection, not to answer it.
 */
public final class ProxyProtocolException extends IOException {
    private static final long serialVersionUID = 1L;

    /** Creates the error; {@code message} says what was wrong, for a DEBUG log line. */
    public ProxyProtocolException(String message) {
        super(message);
    }
}
