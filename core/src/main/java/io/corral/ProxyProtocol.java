package io.corral;

/**
 * Whether connections must begin with a PROXY protocol header (HAProxy's {@code
 * proxy-protocol.txt}), and of which version; the {@code proxy_protocol} setting. When it is on,
 * a connection that does not begin with a valid header of that version, or that comes from a peer
 * outside {@code proxy_allow_from}, is closed: the server never guesses whether a header is there,
 * as the specification requires (so, unlike gunicorn's {@code auto}, there is no mode that also
 * takes connections without one).
 */
public enum ProxyProtocol {
    /** No PROXY header is expected; the bytes are HTTP from the first one. */
    OFF,
    /** Every connection begins with a version 1 (text) header. */
    V1,
    /** Every connection begins with a version 2 (binary) header. */
    V2,
    /** Every connection begins with a version 1 or a version 2 header. */
    ANY;

    /** Returns true unless this is {@link #OFF}. */
    public boolean enabled() {
        return this != OFF;
    }

    /** Returns true if a version 1 header is accepted. */
    public boolean acceptsV1() {
        return this == V1 || this == ANY;
    }

    /** Returns true if a version 2 header is accepted. */
    public boolean acceptsV2() {
        return this == V2 || this == ANY;
    }
}
