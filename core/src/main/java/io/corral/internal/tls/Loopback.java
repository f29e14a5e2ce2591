package io.corral.internal.tls;

import java.nio.ByteBuffer;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;

/**
 * Runs a TLS handshake between two {@link SSLEngine}s in memory, with no socket: how {@link
 * TlsContext} proves at load time that its certificate, key and cipher suites can serve a client.
 * Delegated tasks run on the calling thread. Stateless.
 */
final class Loopback {

    private static final int BUFFER = 64 * 1024; // larger than any handshake flight of a sane chain
    private static final int MAX_ROUNDS = 100;

    private Loopback() {}

    /**
     * Drives {@code client} and {@code server} until both have finished the handshake.
     *
     * @return null on success, else the first failure either side reported
     */
    static SSLException handshake(SSLEngine client, SSLEngine server) {
        ByteBuffer toServer = ByteBuffer.allocate(BUFFER);
        ByteBuffer toClient = ByteBuffer.allocate(BUFFER);
        ByteBuffer app = ByteBuffer.allocate(BUFFER);
        ByteBuffer none = ByteBuffer.allocate(0);
        try {
            client.beginHandshake();
            server.beginHandshake();
            for (int round = 0; round < MAX_ROUNDS; round++) {
                step(client.wrap(none, toServer), client);
                step(server.wrap(none, toClient), server);
                toServer.flip();
                toClient.flip();
                app.clear();
                step(client.unwrap(toClient, app), client);
                app.clear();
                step(server.unwrap(toServer, app), server);
                toServer.compact();
                toClient.compact();
                if (finished(client) && finished(server) && toServer.position() == 0 && toClient.position() == 0) {
                    return null;
                }
            }
            return new SSLException("the handshake did not finish within " + MAX_ROUNDS + " rounds");
        } catch (SSLException e) {
            return e;
        }
    }

    private static void step(SSLEngineResult result, SSLEngine engine) throws SSLException {
        if (result.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
            throw new SSLException("a handshake message larger than " + BUFFER + " bytes");
        }
        Runnable task;
        while ((task = engine.getDelegatedTask()) != null) {
            task.run();
        }
    }

    private static boolean finished(SSLEngine engine) {
        SSLEngineResult.HandshakeStatus s = engine.getHandshakeStatus();
        return s == SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING || s == SSLEngineResult.HandshakeStatus.FINISHED;
    }
}
