package io.corral.metrics;

import java.util.Locale;

/** How a connection ended: the {@code reason} label of {@code corral_connections_closed_total}. */
public enum CloseReason {
    /** Its exchanges ended normally: the client closed it, keep-alive ran out, or a response said close. */
    COMPLETED,
    /** The server refused something on it (a {@link Rejection}, PROXY protocol ones included) and closed it. */
    REJECTED,
    /** A request on it ran past {@code timeout} and was aborted. */
    TIMEOUT,
    /** It was lost with a request unanswered: the client went away mid-exchange, or a worker was aborted. */
    LOST;

    /** Returns the label value: the name in lower case. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
