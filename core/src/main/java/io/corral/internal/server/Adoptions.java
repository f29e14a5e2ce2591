package io.corral.internal.server;

import java.util.concurrent.locks.ReentrantLock;

/**
 * The clients the Arbiter hands a selector loop at shutdown ({@code adopt}) while they are on
 * their way to it, and whether the loop has exited: a stopping loop may end only while none is on
 * its way, and once it has ended none is taken. Shared by the poller and the async event loop.
 *
 * <p>Thread-safe.
 */
public final class Adoptions {

    private final ReentrantLock lock = new ReentrantLock();
    private boolean exited; // guarded by lock
    private int onTheirWay; // guarded by lock

    /** Counts one adoption on its way; false if the loop has exited and cannot take it. Any thread. */
    public boolean begin() {
        lock.lock();
        try {
            if (exited) {
                return false;
            }
            onTheirWay++;
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** One adoption counted by {@link #begin()} has reached the loop. */
    public void arrived() {
        lock.lock();
        try {
            onTheirWay--;
        } finally {
            lock.unlock();
        }
    }

    /** True if none is on its way, and then none is taken from now on: the loop may end. */
    public boolean exitIfNone() {
        lock.lock();
        try {
            exited = onTheirWay == 0;
            return exited;
        } finally {
            lock.unlock();
        }
    }

    /** The loop has ended (or failed): none is taken from now on. */
    public void exit() {
        lock.lock();
        try {
            exited = true;
        } finally {
            lock.unlock();
        }
    }
}
