package io.corral.http;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.internal.http.ResponseBodies;
import io.corral.testing.ResponseBody;
import java.io.OutputStream;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ResponseTest {

    @Test
    void keepsTheServersBodyPlumbingOffThePublicApi() {
        Set<String> plumbing = Set.of("writeBody", "bodyBytes", "bodyString");
        for (Method m : Response.class.getDeclaredMethods()) {
            if (Modifier.isPublic(m.getModifiers()) || Modifier.isProtected(m.getModifiers())) {
                assertFalse(plumbing.contains(m.getName()), "Response shows " + m);
            }
        }
    }

    @Test
    void writesAFixedBodyInOneWriteOfItsOwnArray() throws Exception {
        List<byte[]> arrays = new ArrayList<>();
        OutputStream capture = new OutputStream() {
            @Override
            public void write(int b) {
                throw new AssertionError("a fixed body is written in one piece");
            }

            @Override
            public void write(byte[] b, int off, int len) {
                arrays.add(b);
            }
        };
        Response response = Response.ok("Hello");
        ResponseBodies.write(response, capture);
        ResponseBodies.write(response, capture);
        assertEquals(2, arrays.size());
        assertSame(arrays.get(0), arrays.get(1), "the response's own array, not a copy");
        assertArrayEquals("Hello".getBytes(UTF_8), arrays.get(0));
    }

    @Test
    void streamsWhatTheWriterWritesOnEachWrite() throws Exception {
        Response response = Response.of(200).body(out -> {
            out.write("chunk ".getBytes(UTF_8));
            out.write("two".getBytes(UTF_8));
        });
        assertTrue(response.isStreaming());
        assertEquals(OptionalLong.empty(), response.contentLength());
        assertEquals("chunk two", ResponseBody.text(response));
        assertEquals("chunk two", ResponseBody.text(response));
    }

    @Test
    void copiesCarryTheBodyAndATextBodyGetsItsType() throws Exception {
        Response response = Response.of(201).header("Location", "/items/7").body("made");
        assertEquals("made", ResponseBody.text(response.status(202)));
        assertEquals(OptionalLong.of(4), response.contentLength());
        assertEquals("text/plain; charset=utf-8", response.headers().firstOrNull("content-type"));
        assertArrayEquals(new byte[0], ResponseBody.bytes(Response.of(204)));
    }

    @Test
    void registersItsBodyAccessOnce() {
        Response.of(200); // the class is initialized, so its access is registered
        assertThrows(IllegalStateException.class, () -> ResponseBodies.register((r, out) -> {}));
    }
}
