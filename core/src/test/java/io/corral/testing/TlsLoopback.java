package io.corral.testing;

import java.nio.ByteBuffer;
import java.util.Optional;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;

/**
 * A TLS handshake between two {@link SSLEngine}s in memory, no socket: each side's records are
 * handed straight to the other, delegated tasks run inline, and a side that fails still sends its
 * alert so that the other sees why. For tests of what a server engine accepts and refuses.
 *
 * <pre>{@code
 * TlsLoopback.Result r = TlsLoopback.handshake(clientEngine, tlsContext.newEngine(null));
 * assertTrue(r.succeeded(), r.toString());
 * assertEquals("TLSv1.3", r.server().getSession().getProtocol());
 * }</pre>
 *
 * <p>Stateless; the engines belong to the caller.
 */
public final class TlsLoopback {

    private static final int BUFFER = 64 * 1024;
    private static final int MAX_ROUNDS = 200;

    private TlsLoopback() {}

    /**
     * How a handshake ended.
     *
     * @param client the client engine
     * @param server the server engine
     * @param clientFailure what the client's engine threw, if it failed
     * @param serverFailure what the server's engine threw, if it failed
     */
    public record Result(
            SSLEngine client,
            SSLEngine server,
            Optional<SSLException> clientFailure,
            Optional<SSLException> serverFailure) {

        /** Returns true if neither side failed and both finished the handshake. */
        public boolean succeeded() {
            return clientFailure.isEmpty() && serverFailure.isEmpty() && done(client) && done(server);
        }

        /** Returns the failures as text, for assertion messages. */
        @Override
        public String toString() {
            return "client: " + clientFailure.map(Throwable::toString).orElse("ok") + "; server: "
                    + serverFailure.map(Throwable::toString).orElse("ok");
        }
    }

    /** Runs the handshake to its end, success or failure. */
    public static Result handshake(SSLEngine client, SSLEngine server) {
        Side c = new Side(client);
        Side s = new Side(server);
        try {
            client.beginHandshake();
        } catch (SSLException e) {
            c.failure = e;
        }
        try {
            server.beginHandshake();
        } catch (SSLException e) {
            s.failure = e;
        }
        for (int round = 0; round < MAX_ROUNDS; round++) {
            boolean moved = c.wrap() | s.wrap();
            moved |= c.unwrap(s.out) | s.unwrap(c.out);
            boolean finished = (done(client) || c.failure != null) && (done(server) || s.failure != null);
            if (finished && c.out.position() == 0 && s.out.position() == 0 || !moved) {
                break;
            }
        }
        return new Result(client, server, Optional.ofNullable(c.failure), Optional.ofNullable(s.failure));
    }

    private static boolean done(SSLEngine engine) {
        SSLEngineResult.HandshakeStatus st = engine.getHandshakeStatus();
        return (st == SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING || st == SSLEngineResult.HandshakeStatus.FINISHED)
                && !engine.isOutboundDone()
                && engine.getSession().isValid()
                && !engine.getSession().getProtocol().equals("NONE");
    }

    /** One engine and the records it has written and the other side has not yet read. Test-thread confined. */
    private static final class Side {
        final SSLEngine engine;
        final ByteBuffer out = ByteBuffer.allocate(BUFFER);
        final ByteBuffer app = ByteBuffer.allocate(BUFFER);
        SSLException failure;

        Side(SSLEngine engine) {
            this.engine = engine;
        }

        /** Writes what the engine has to send (an alert too, after a failure); true if it wrote any. */
        boolean wrap() {
            if (engine.isOutboundDone()) {
                return false;
            }
            try {
                SSLEngineResult r = engine.wrap(ByteBuffer.allocate(0), out);
                runTasks();
                return r.bytesProduced() > 0;
            } catch (SSLException e) {
                if (failure == null) {
                    failure = e;
                }
                return true;
            }
        }

        /** Reads what the other side wrote into {@code in}; true if it consumed any. */
        boolean unwrap(ByteBuffer in) {
            in.flip();
            try {
                if (engine.isInboundDone() || !in.hasRemaining()) {
                    return false;
                }
                app.clear();
                SSLEngineResult r = engine.unwrap(in, app);
                runTasks();
                return r.bytesConsumed() > 0;
            } catch (SSLException e) {
                if (failure == null) {
                    failure = e;
                }
                in.clear(); // what follows a fatal error is of no use
                in.flip();
                return true;
            } finally {
                in.compact();
            }
        }

        private void runTasks() {
            Runnable task;
            while ((task = engine.getDelegatedTask()) != null) {
                task.run();
            }
        }
    }
}
