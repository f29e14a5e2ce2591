package io.corral.internal.server;

import java.util.concurrent.TimeUnit;

/**
 * The deadlines of one event loop: a hashed timing wheel (Varghese and Lauck) whose entries are
 * the timers themselves, so that arming, moving and cancelling a deadline is O(1) and allocates
 * nothing.
 *
 * <p>Each connection is one {@link Timer} with at most one deadline at a time (header, idle
 * keep-alive, body wait, request or linger, depending on what it is doing), so the wheel holds
 * one entry per connection and never piles up cancelled entries. Deadlines are rounded up to
 * {@link #TICK_NANOS}; a deadline more than one rotation away sits in its slot until the rotation
 * that reaches it.
 *
 * <p>Confined to the thread of the loop that owns it (an async event loop, a {@link Poller}).
 */
public final class TimerWheel {

    /** The resolution: a deadline fires up to this much late. */
    public static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private static final int SIZE = 512; // 5.12 s per rotation
    private static final int MASK = SIZE - 1;
    private static final int DUE = SIZE; // the extra list that collects expired timers

    /** An entry of the wheel; subclasses say what happens when their deadline passes. */
    public abstract static class Timer {
        private long deadlineNanos;
        private Timer prev;
        private Timer next;
        private int slot = -1;

        /** Returns true if a deadline is armed. */
        public final boolean scheduled() {
            return slot >= 0;
        }

        /** Called on the loop once the deadline has passed; the timer is no longer scheduled. */
        protected abstract void expired(long nowNanos);
    }

    private final Timer[] slots = new Timer[SIZE + 1];
    private final long originNanos;
    private long doneTick; // every tick up to this one has been processed

    public TimerWheel(long nowNanos) {
        this.originNanos = nowNanos;
    }

    /** Arms {@code timer} for {@code deadlineNanos} ({@link System#nanoTime()}), replacing its previous deadline. */
    public void schedule(Timer timer, long deadlineNanos) {
        cancel(timer);
        timer.deadlineNanos = deadlineNanos;
        long tick = Math.max(Math.floorDiv(deadlineNanos - originNanos + TICK_NANOS - 1, TICK_NANOS), doneTick + 1);
        link(timer, (int) (tick & MASK));
    }

    /** Disarms {@code timer}; nothing happens if it is not armed. */
    public void cancel(Timer timer) {
        if (timer.slot >= 0) {
            unlink(timer);
        }
    }

    /** Fires every timer whose deadline is at or before {@code nowNanos}. */
    public void expire(long nowNanos) {
        long nowTick = Math.floorDiv(nowNanos - originNanos, TICK_NANOS);
        if (nowTick <= doneTick) {
            return;
        }
        long first = Math.max(doneTick + 1, nowTick - MASK);
        doneTick = nowTick; // timers re-armed by the callbacks below land after now
        for (long tick = first; tick <= nowTick; tick++) {
            Timer t = slots[(int) (tick & MASK)];
            while (t != null) {
                Timer next = t.next;
                if (t.deadlineNanos - nowNanos <= 0) {
                    unlink(t);
                    link(t, DUE);
                }
                t = next;
            }
        }
        // a callback may cancel or re-arm any other timer, including one still in the due list
        Timer t;
        while ((t = slots[DUE]) != null) {
            unlink(t);
            t.expired(nowNanos);
        }
    }

    /**
     * Returns how long the loop may sleep before the next slot that holds a timer comes due, at most
     * {@code maxNanos}; 0 if one is due already.
     */
    public long nanosUntilNext(long nowNanos, long maxNanos) {
        for (long tick = doneTick + 1; tick <= doneTick + SIZE; tick++) {
            if (slots[(int) (tick & MASK)] != null) {
                long due = originNanos + tick * TICK_NANOS - nowNanos;
                return Math.max(0, Math.min(due, maxNanos));
            }
        }
        return maxNanos;
    }

    private void link(Timer t, int slot) {
        Timer head = slots[slot];
        t.slot = slot;
        t.prev = null;
        t.next = head;
        if (head != null) {
            head.prev = t;
        }
        slots[slot] = t;
    }

    private void unlink(Timer t) {
        if (t.prev != null) {
            t.prev.next = t.next;
        } else {
            slots[t.slot] = t.next;
        }
        if (t.next != null) {
            t.next.prev = t.prev;
        }
        t.prev = null;
        t.next = null;
        t.slot = -1;
    }
}
