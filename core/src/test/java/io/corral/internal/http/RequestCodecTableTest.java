package io.corral.internal.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.internal.http.CodecDriver.Feed;
import io.corral.internal.http.CodecDriver.Outcome;
import io.corral.internal.http.RequestCases.Case;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Runs every row of {@link RequestCases} fed whole, and again one byte at a time. */
class RequestCodecTableTest {

    static List<Case> cases() {
        return RequestCases.all();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void givesTheExpectedResultFedWhole(Case c) {
        check(c, CodecDriver.run(c.raw(), c.limits(), Feed.whole(c.raw().length)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void givesTheExpectedResultFedOneByteAtATime(Case c) {
        check(c, CodecDriver.run(c.raw(), c.limits(), Feed.byteByByte()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void givesTheExpectedResultFromADirectBuffer(Case c) {
        check(c, CodecDriver.run(c.raw(), c.limits(), new Feed(new int[] {7, 1, 13}, 16, 5, true)));
    }

    @Test
    void tableHasAtLeastEightyCasesOfBothKinds() {
        List<Case> all = RequestCases.all();
        long valid = all.stream().filter(Case::valid).count();
        assertTrue(all.size() >= 80, "cases: " + all.size());
        assertTrue(valid >= 30 && all.size() - valid >= 30, "valid: " + valid + " of " + all.size());
        assertEquals(all.size(), all.stream().map(Case::name).distinct().count(), "case names are unique");
    }

    private static void check(Case c, Outcome out) {
        assertEquals(c.status(), out.status(), () -> "status (" + out.message() + ")");
        assertEquals(c.requests().size(), out.exchanges().size(), "completed requests");
        for (int i = 0; i < c.requests().size(); i++) {
            c.requests().get(i).check(out.exchanges().get(i), "request " + (i + 1));
        }
        if (c.valid()) {
            switch (c.ending()) {
                case CLEAN -> assertTrue(out.clean(), "every byte forms complete requests: " + out);
                case IN_HEAD -> assertTrue(out.headInProgress() && out.partial() == null, "ends inside a head");
                case IN_BODY -> assertTrue(out.partial() != null && !out.headInProgress(), "ends inside a body");
            }
        }
    }
}
