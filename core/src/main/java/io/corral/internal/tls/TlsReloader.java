package io.corral.internal.tls;

import io.corral.Config;
import io.corral.ConfigException;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import javax.net.ssl.SSLEngine;

/**
 * The {@link TlsContext} in force: what the connection engines ask, once per new connection, for
 * its {@link SSLEngine}, and what {@code Arbiter.reloadTls()} replaces. A reload reads the same
 * settings' files again; if they pass every check of {@link TlsContext#load}, connections accepted
 * from then on get the new certificate while those already open keep theirs; if not, the reload
 * throws and the context in force stays.
 *
 * <p>Or, when the embedder supplied an SSLContext ({@code Arbiter.Builder.tls}), the {@link
 * SuppliedTls} that makes every engine from it: nothing is read and nothing reloads ({@link
 * #reload()} then does nothing).
 *
 * <p>Thread-safe: {@link #current()} and {@link #newEngine} are lock-free reads of final or volatile
 * fields, callable from any thread (event loops included); {@link #reload()} reads files, so it
 * blocks, and concurrent reloads are serialized by {@code reloading}.
 */
public final class TlsReloader {

    private final Config config;
    private final SuppliedTls supplied; // null: TLS from the files, if the settings turn it on
    private final ReentrantLock reloading = new ReentrantLock();
    private volatile TlsContext current; // null while TLS is off, supplied, or not yet loaded

    /** Creates the holder for {@code config}'s TLS settings; nothing is read until {@link #reload()}. */
    public TlsReloader(Config config) {
        this(config, null);
    }

    /**
     * Creates the holder for TLS from {@code supplied}, the embedder's SSLContext, or, if it is
     * null, from {@code config}'s TLS settings.
     *
     * @throws IllegalArgumentException if both supply TLS (the Arbiter refuses that first, naming the setting)
     */
    public TlsReloader(Config config, SuppliedTls supplied) {
        if (supplied != null && config.tlsEnabled()) {
            throw new IllegalArgumentException("TLS from both an SSLContext and the settings' files");
        }
        this.config = config;
        this.supplied = supplied;
    }

    /** Returns true if every connection speaks TLS: the settings turn it on, or an SSLContext was supplied. */
    public boolean enabled() {
        return supplied != null || config.tlsEnabled();
    }

    /** Returns the embedder's SSLContext source, if TLS comes from one rather than from files. */
    public Optional<SuppliedTls> supplied() {
        return Optional.ofNullable(supplied);
    }

    /**
     * Reads and checks the files, and on success makes the result the context in force; the first
     * call loads it. Does nothing and returns empty when TLS is off or supplied. Blocking file I/O.
     *
     * @return the context now in force
     * @throws ConfigException naming the setting, the file and the problem; the context in force
     *     (if any) stays
     */
    public Optional<TlsContext> reload() {
        if (!config.tlsEnabled()) {
            return Optional.empty();
        }
        reloading.lock();
        try {
            TlsContext next = TlsContext.load(config).orElseThrow();
            current = next;
            return Optional.of(next);
        } finally {
            reloading.unlock();
        }
    }

    /** Returns the context in force, or empty when TLS is off or nothing is loaded yet. */
    public Optional<TlsContext> current() {
        return Optional.ofNullable(current);
    }

    /**
     * Returns a new server-mode engine made with the context in force (see {@link
     * TlsContext#newEngine}) or the supplied one (see {@link SuppliedTls#newEngine}), or empty when
     * TLS is off. Lock-free.
     *
     * @throws IllegalStateException if TLS is on from files but {@link #reload()} has not yet loaded them
     */
    public Optional<SSLEngine> newEngine(InetSocketAddress peer) {
        if (supplied != null) {
            return Optional.of(supplied.newEngine(peer));
        }
        TlsContext c = current;
        if (c == null) {
            if (enabled()) {
                throw new IllegalStateException("TLS is on but its files have not been loaded");
            }
            return Optional.empty();
        }
        return Optional.of(c.newEngine(peer));
    }
}
