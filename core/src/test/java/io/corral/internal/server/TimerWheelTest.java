package io.corral.internal.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The loop's timer wheel, driven with a made-up clock. */
class TimerWheelTest {

    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long T0 = 1_000_000 * MS; // any origin will do, negative ones included

    private final List<String> fired = new ArrayList<>();
    private final TimerWheel wheel = new TimerWheel(T0);

    private final class Named extends TimerWheel.Timer {
        private final String name;

        Named(String name) {
            this.name = name;
        }

        @Override
        protected void expired(long nowNanos) {
            fired.add(name);
        }
    }

    @Test
    void firesATimerOnceItsDeadlineHasPassedAndNotBefore() {
        Named t = new Named("a");
        wheel.schedule(t, T0 + 100 * MS);
        wheel.expire(T0 + 99 * MS);
        assertEquals(List.of(), fired);
        assertTrue(t.scheduled());
        wheel.expire(T0 + 110 * MS);
        assertEquals(List.of("a"), fired);
        assertFalse(t.scheduled());
        wheel.expire(T0 + 1000 * MS);
        assertEquals(List.of("a"), fired, "fired once");
    }

    @Test
    void rearmingMovesTheDeadlineAndCancellingDropsIt() {
        Named moved = new Named("moved");
        Named cancelled = new Named("cancelled");
        wheel.schedule(moved, T0 + 50 * MS);
        wheel.schedule(cancelled, T0 + 50 * MS);
        wheel.schedule(moved, T0 + 300 * MS);
        wheel.cancel(cancelled);
        wheel.expire(T0 + 200 * MS);
        assertEquals(List.of(), fired);
        wheel.expire(T0 + 310 * MS);
        assertEquals(List.of("moved"), fired);
    }

    @Test
    void keepsADeadlineMoreThanOneRotationAwayUntilItsRotation() {
        Named far = new Named("far");
        wheel.schedule(far, T0 + 12_345 * MS); // more than two rotations of 5.12 s
        for (long ms = 10; ms < 12_345; ms += 10) {
            wheel.expire(T0 + ms * MS);
        }
        assertEquals(List.of(), fired);
        wheel.expire(T0 + 12_350 * MS);
        assertEquals(List.of("far"), fired);
    }

    @Test
    void catchesUpAfterTheLoopWasAwayLongerThanARotation() {
        wheel.schedule(new Named("a"), T0 + 20 * MS);
        wheel.schedule(new Named("b"), T0 + 4_000 * MS);
        wheel.schedule(new Named("c"), T0 + 60_000 * MS);
        wheel.expire(T0 + 30_000 * MS);
        assertEquals(List.of("a", "b"), fired.stream().sorted().toList());
        wheel.expire(T0 + 60_010 * MS);
        assertEquals(3, fired.size());
    }

    @Test
    void aDeadlineInThePastFiresAtTheNextTick() {
        wheel.expire(T0 + 500 * MS);
        wheel.schedule(new Named("late"), T0 + 100 * MS);
        assertEquals(0, wheel.nanosUntilNext(T0 + 520 * MS, 1000 * MS));
        wheel.expire(T0 + 520 * MS);
        assertEquals(List.of("late"), fired);
    }

    @Test
    void aCallbackMayCancelOrRearmAnotherTimerDueInTheSameTick() {
        Named victim = new Named("victim");
        TimerWheel.Timer killer = new TimerWheel.Timer() {
            @Override
            protected void expired(long nowNanos) {
                fired.add("killer");
                wheel.schedule(victim, nowNanos + 500 * MS);
            }
        };
        wheel.schedule(victim, T0 + 100 * MS);
        wheel.schedule(killer, T0 + 100 * MS);
        wheel.expire(T0 + 100 * MS);
        // whichever ran first, the victim either fired already or was moved: never both, never lost
        if (fired.get(0).equals("killer")) {
            assertEquals(List.of("killer"), fired);
            assertTrue(victim.scheduled());
            wheel.expire(T0 + 610 * MS);
            assertEquals(List.of("killer", "victim"), fired);
        } else {
            assertEquals(List.of("victim", "killer"), fired);
        }
    }

    @Test
    void tellsTheLoopHowLongItMaySleep() {
        long max = 1000 * MS;
        assertEquals(max, wheel.nanosUntilNext(T0, max), "nothing armed: the longest sleep");
        wheel.schedule(new Named("a"), T0 + 200 * MS);
        long wait = wheel.nanosUntilNext(T0, max);
        assertTrue(wait >= 200 * MS && wait <= 200 * MS + TimerWheel.TICK_NANOS, "wait " + wait);
        assertEquals(50 * MS, wheel.nanosUntilNext(T0, 50 * MS), "never past the cap");
    }
}
