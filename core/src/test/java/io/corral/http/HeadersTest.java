package io.corral.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class HeadersTest {

    private final Headers h = Headers.of("Content-Type", "text/plain", "Set-Cookie", "a=1", "set-cookie", "b=2");

    @Test
    void looksUpNamesIgnoringCase() {
        assertEquals(Optional.of("text/plain"), h.first("content-TYPE"));
        assertEquals(List.of("a=1", "b=2"), h.all("SET-COOKIE"));
        assertEquals(2, h.count("Set-Cookie"));
        assertTrue(h.contains("content-type"));
        assertFalse(h.contains("Accept"));
        assertEquals(List.of(), h.all("Accept"));
    }

    @Test
    void keepsOrderAndTheFirstSpellingOfEachName() {
        assertEquals(Set.of("Content-Type", "Set-Cookie"), h.names());
        assertEquals("set-cookie", h.name(2));
        assertEquals("b=2", h.value(2));
    }

    @Test
    void readsCommaSeparatedTokens() {
        Headers c = Headers.of("Connection", "keep-alive, Upgrade", "Connection", " close ");
        assertTrue(c.containsToken("connection", "close"));
        assertTrue(c.containsToken("Connection", "upgrade"));
        assertFalse(c.containsToken("Connection", "keep"));
    }

    @Test
    void copiesOnChange() {
        Headers more = h.with("X", "1");
        assertEquals(3, h.size());
        assertEquals(4, more.size());
        Headers replaced = h.withReplaced("set-cookie", "c=3");
        assertEquals(List.of("c=3"), replaced.all("Set-Cookie"));
        assertEquals(2, replaced.size());
        assertEquals(1, h.without("Set-Cookie").size());
        assertEquals(h, Headers.of("content-type", "text/plain", "SET-COOKIE", "a=1", "Set-Cookie", "b=2"));
    }

    @Test
    void refusesNamesThatAreNotTokensAndValuesThatWouldSplitAMessage() {
        assertThrows(IllegalArgumentException.class, () -> Headers.of("Bad Name", "x"));
        assertThrows(IllegalArgumentException.class, () -> Headers.of("", "x"));
        assertThrows(IllegalArgumentException.class, () -> Headers.of("X", "a\r\nInjected: 1"));
        assertThrows(IllegalArgumentException.class, () -> Headers.of("X", "a\0"));
        assertThrows(IllegalArgumentException.class, () -> Headers.of("X"));
    }
}
