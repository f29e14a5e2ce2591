package io.corral.worker.async;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Writes of one connection: a response is out only once the transport has flushed what it took. */
class OutboundTest {

    private static ByteBuffer ascii(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void aWriteIsOutOnlyOnceTheTransportHasFlushedWhatItTook() throws Exception {
        HoldingTransport tls = new HoldingTransport();
        ByteBuffer head = ascii("HEAD\r\n\r\n");
        ByteBuffer body = ascii("body");
        assertFalse(
                Outbound.writeNow(tls, new ByteBuffer[2], head, body),
                "taken whole, but held by the transport: not sent");
        assertFalse(head.hasRemaining() || body.hasRemaining(), "the transport took every byte");

        Outbound pending = new Outbound(); // nothing queued: only the transport holds bytes
        assertFalse(pending.flush(tls), "still held");
        tls.open();
        assertTrue(pending.flush(tls), "out once the transport flushed");
        assertEquals("HEAD\r\n\r\nbody", tls.sent());
    }

    @Test
    void aWriteTheTransportTakesAndFlushesIsOut() throws Exception {
        HoldingTransport plain = new HoldingTransport();
        plain.open();
        assertTrue(Outbound.writeNow(plain, new ByteBuffer[2], ascii("HEAD\r\n\r\n"), null));
        assertEquals("HEAD\r\n\r\n", plain.sent());
    }
}
