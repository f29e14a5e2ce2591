package io.corral.internal.http;

import io.corral.http.Response;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The engines' way to a {@link Response}'s body, which the public API keeps to itself: an
 * application sees only {@link Response#isStreaming()} and {@link Response#contentLength()}, the
 * server writes the body with {@link #write}.
 *
 * <p>Java has no friend access across packages, so this works as the JDK's {@code SharedSecrets}
 * do: {@code Response}'s static initializer registers, once, the one {@link Access} that reaches
 * its body. Code that holds a {@code Response} has run that initializer, so {@link #write} always
 * finds it. The package is exported only to the worker modules.
 *
 * <p>Thread-safe: the access is set once, before the first response exists, and never changes.
 */
public final class ResponseBodies {

    /** What {@code Response} lets the server do with its body; {@code Response} is its one implementation. */
    @FunctionalInterface
    public interface Access {
        /** Writes the body of {@code response} to {@code out}; see {@link ResponseBodies#write}. */
        void writeBody(Response response, OutputStream out) throws IOException;
    }

    private static final AtomicReference<Access> ACCESS = new AtomicReference<>();

    private ResponseBodies() {}

    /**
     * Registers {@code Response}'s access; {@code Response}'s static initializer calls this once.
     *
     * @throws IllegalStateException if an access was registered before
     */
    public static void register(Access access) {
        if (!ACCESS.compareAndSet(null, Objects.requireNonNull(access, "access"))) {
            throw new IllegalStateException("the Response body access is registered already");
        }
    }

    /**
     * Writes the body of {@code response} to {@code out}: a fixed body in a single {@code
     * write(byte[], int, int)} of the response's own array (the async worker wraps it without
     * copying), a streaming body by running its {@link io.corral.http.BodyWriter} on the calling
     * thread. The server calls it once per response.
     *
     * @throws IOException what the writer or {@code out} throws
     */
    public static void write(Response response, OutputStream out) throws IOException {
        Objects.requireNonNull(response, "response");
        Access access = ACCESS.get();
        if (access == null) {
            throw new IllegalStateException("Response has not registered its body access"); // cannot happen
        }
        access.writeBody(response, out);
    }
}
