package coffre.kms.loadtest;

/**
 * The intended start times of an open-loop run at a fixed rate: call {@code i} is due at
 * {@code start + i / rate}, whatever happened to the calls before it.
 *
 * <p>This is what makes latency free of coordinated omission: a call's latency is measured from
 * its intended start, so when the server stalls and the generator falls behind, the calls that
 * should have been sent during the stall are charged the time they waited, as real callers
 * arriving at that rate would have been.
 */
public record OpenLoopSchedule(long startNanos, double callsPerSecond) {
    public OpenLoopSchedule {
        if (!(callsPerSecond > 0) || Double.isInfinite(callsPerSecond)) {
            throw new IllegalArgumentException("the rate must be a positive number of calls per second, got "
                    + callsPerSecond);
        }
    }

    /** When call {@code index} (0-based) is due. */
    public long intendedStart(long index) {
        return startNanos + (long) Math.floor(index * 1e9 / callsPerSecond);
    }

    /** How many calls are due by {@code nowNanos} (calls 0 .. n-1). */
    public long dueBy(long nowNanos) {
        if (nowNanos < startNanos) {
            return 0;
        }
        long n = (long) Math.floor((nowNanos - startNanos) * callsPerSecond / 1e9) + 1;
        // Correct the floating-point estimate so that it agrees exactly with intendedStart.
        while (n > 0 && intendedStart(n - 1) > nowNanos) {
            n--;
        }
        while (intendedStart(n) <= nowNanos) {
            n++;
        }
        return n;
    }

    /**
     * The coordinated-omission-correct latency of a call due at {@code intendedStart} that
     * completed at {@code completedNanos}.
     */
    public static long latency(long intendedStart, long completedNanos) {
        return completedNanos - intendedStart;
    }
}
