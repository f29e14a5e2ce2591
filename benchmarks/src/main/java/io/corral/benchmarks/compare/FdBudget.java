package io.corral.benchmarks.compare;

import com.sun.management.UnixOperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;

/**
 * How many concurrent connections the open-file limit allows a point of the comparison.
 *
 * <p>At concurrency C the parent holds C client sockets and up to C accepted upstream sockets; the
 * gateway JVM holds C accepted client sockets and up to C upstream client sockets. Both inherit the
 * same limit, so each needs about {@code 2 C} descriptors plus {@link #RESERVE} for jars, selectors
 * and pipes. The JVM raises its soft limit to the hard limit on Linux, so the limit read here is
 * the one that applies.
 */
public final class FdBudget {

    /** Descriptors kept for everything but connections. */
    public static final int RESERVE = 256;

    private FdBudget() {}

    /** Returns this JVM's open-file limit, or -1 if the platform does not tell. */
    public static long limit() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof UnixOperatingSystemMXBean unix) {
            return unix.getMaxFileDescriptorCount();
        }
        return -1;
    }

    /** Returns the highest concurrency that {@code limit} descriptors allow; unlimited if the limit is unknown. */
    public static int maxConcurrency(long limit) {
        if (limit < 0) {
            return Integer.MAX_VALUE;
        }
        return (int) Math.max(0, Math.min(Integer.MAX_VALUE, (limit - RESERVE) / 2));
    }
}
