package io.corral.internal.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.internal.http.ResponseEncoder.Framing;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class BodyCountTest {

    private final BodyCount count = new BodyCount();

    @Test
    void countsALengthDelimitedBodyToItsDeclaredLength() throws IOException {
        count.begin(Framing.LENGTH, 10);
        assertTrue(count.add(4));
        assertTrue(count.add(6));
        count.finish();
        assertEquals(10, count.written());
        IOException e = assertThrows(IOException.class, () -> count.add(1));
        assertEquals("the response body is already complete", e.getMessage());
    }

    @Test
    void refusesAWritePastTheDeclaredLength() throws IOException {
        count.begin(Framing.LENGTH, 10);
        assertTrue(count.add(8));
        IOException e = assertThrows(IOException.class, () -> count.add(3));
        assertEquals("the handler wrote more than the declared Content-Length of the response", e.getMessage());
        assertEquals(8, count.written());
    }

    @Test
    void refusesToEndABodyShortOfItsLength() throws IOException {
        count.begin(Framing.LENGTH, 10);
        count.add(7);
        IOException e = assertThrows(IOException.class, count::finish);
        assertEquals("the handler wrote 3 bytes less than the declared Content-Length", e.getMessage());
        assertTrue(count.finished());
    }

    @Test
    void dropsTheBodyOfAResponseThatHasNone() throws IOException {
        count.begin(Framing.NONE, 0);
        assertFalse(count.add(5));
        assertEquals(0, count.written());
        count.finish();
    }

    @Test
    void countsAChunkedBodyWithoutALimitAndStartsOverOnBegin() throws IOException {
        count.begin(Framing.CHUNKED, -1);
        assertTrue(count.add(1 << 20));
        count.abandon();
        assertThrows(IOException.class, () -> count.add(1));
        count.begin(Framing.CHUNKED, -1);
        assertTrue(count.add(3));
        assertEquals(3, count.written());
    }
}
