package io.corral.internal.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link TlsTransport} against the JDK's blocking TLS client over a real loopback socket: the
 * handshake driven by reads, 5 MiB each way with the socket's back-pressure, close_notify, and
 * plain text sent to a TLS socket. The server side runs in the test thread with a selector, the way
 * a selector loop drives it.
 */
class TlsTransportTest {

    private static SSLContext server;
    private static SSLContext client;

    @BeforeAll
    static void keys(@TempDir Path dir) throws Exception {
        Path store = dir.resolve("server.p12");
        Process p = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "keytool")
                                .toString(),
                        "-genkeypair",
                        "-alias",
                        "server",
                        "-keyalg",
                        "EC",
                        "-groupname",
                        "secp256r1",
                        "-dname",
                        "CN=localhost",
                        "-ext",
                        "SAN=dns:localhost,ip:127.0.0.1",
                        "-validity",
                        "2",
                        "-storetype",
                        "PKCS12",
                        "-keystore",
                        store.toString(),
                        "-storepass",
                        "secret",
                        "-keypass",
                        "secret")
                .redirectErrorStream(true)
                .start();
        p.getInputStream().transferTo(OutputStream.nullOutputStream());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "keytool made a key");
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            ks.load(in, "secret".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "secret".toCharArray());
        server = SSLContext.getInstance("TLS");
        server.init(kmf.getKeyManagers(), null, null);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        client = SSLContext.getInstance("TLS");
        client.init(null, tmf.getTrustManagers(), null);
    }

    @Test
    void carriesFiveMebibytesEachWayAfterTheHandshake() throws Exception {
        byte[] payload = new byte[5 * 1024 * 1024];
        new Random(42).nextBytes(payload);
        try (ServerSocketChannel listener = ServerSocketChannel.open();
                Selector selector = Selector.open()) {
            listener.bind(new InetSocketAddress("127.0.0.1", 0));
            int port = ((InetSocketAddress) listener.getLocalAddress()).getPort();
            CompletableFuture<byte[]> echoed = new CompletableFuture<>();
            Thread.ofPlatform().daemon().start(() -> {
                try (SSLSocket s = (SSLSocket) client.getSocketFactory().createSocket("127.0.0.1", port)) {
                    s.setSoTimeout(30_000);
                    Thread writer = Thread.ofPlatform().daemon().start(() -> {
                        try {
                            s.getOutputStream().write(payload);
                            s.getOutputStream().flush();
                        } catch (IOException e) {
                            echoed.completeExceptionally(e);
                        }
                    });
                    byte[] back = s.getInputStream().readNBytes(payload.length);
                    writer.join();
                    echoed.complete(back);
                } catch (IOException | InterruptedException | RuntimeException e) {
                    echoed.completeExceptionally(e);
                }
            });
            SocketChannel channel = listener.accept();
            channel.configureBlocking(false);
            TlsTransport tls = new TlsTransport(channel, engine(), ByteBuffer.allocate(0));
            SelectionKey key = channel.register(selector, SelectionKey.OP_READ);
            ByteBuffer in = ByteBuffer.allocate(20_000);
            ByteBuffer pending = ByteBuffer.allocate(0);
            long received = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (received < payload.length || pending.hasRemaining() || !tls.flush()) {
                assertTrue(System.nanoTime() < deadline, "the exchange finished in time");
                int wants = 0;
                if (!pending.hasRemaining() && received < payload.length) {
                    int n = tls.read(in.clear());
                    assertTrue(n >= 0, "no end of stream mid-payload");
                    if (n > 0) {
                        in.flip();
                        received += n;
                        pending = ByteBuffer.allocate(n).put(in).flip(); // echo what came
                    } else {
                        wants = tls.interestOps(SelectionKey.OP_READ);
                    }
                }
                if (pending.hasRemaining()) {
                    long w = tls.write(new ByteBuffer[] {pending}, 0, 1);
                    if (w == 0) {
                        wants |= tls.interestOps(SelectionKey.OP_WRITE);
                    }
                } else if (received == payload.length && !tls.flush()) {
                    wants |= SelectionKey.OP_WRITE;
                }
                if (wants == 0 && !pending.hasRemaining() && received < payload.length) {
                    tls.runTasks(); // the handshake's delegated work, inline as a serving thread would
                    continue;
                }
                if (wants != 0) {
                    key.interestOps(wants);
                    selector.select(1000);
                    selector.selectedKeys().clear();
                }
            }
            assertTrue(tls.session().isPresent(), "the handshake is done");
            assertArrayEquals(payload, echoed.get(60, TimeUnit.SECONDS), "every byte came back in order");
            tls.shutdownOutput();
            channel.close();
        }
    }

    @Test
    void tellsPlainHttpFromATlsClient() throws Exception {
        try (ServerSocketChannel listener = ServerSocketChannel.open()) {
            listener.bind(new InetSocketAddress("127.0.0.1", 0));
            int port = ((InetSocketAddress) listener.getLocalAddress()).getPort();
            try (Socket plain = new Socket("127.0.0.1", port);
                    SocketChannel channel = listener.accept()) {
                plain.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                TlsTransport tls = new TlsTransport(channel, engine(), ByteBuffer.allocate(0));
                ByteBuffer in = ByteBuffer.allocate(20_000);
                assertThrows(SSLException.class, () -> {
                    while (tls.read(in.clear()) == 0) {
                        Thread.onSpinWait(); // the blocking channel delivers the bytes
                    }
                });
                assertTrue(tls.clientSpokePlainText());
            }
        }
    }

    private static SSLEngine engine() {
        SSLEngine e = server.createSSLEngine();
        e.setUseClientMode(false);
        e.setEnabledProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
        return e;
    }
}
