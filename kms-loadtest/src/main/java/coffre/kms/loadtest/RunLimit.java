package coffre.kms.loadtest;

import java.time.Duration;

/**
 * When a phase stops issuing calls: after a duration or after a number of calls (exactly one).
 */
public record RunLimit(Duration duration, long calls) {
    public RunLimit {
        if ((duration == null) == (calls <= 0)) {
            throw new IllegalArgumentException("give either a duration or a positive number of calls, not both");
        }
        if (duration != null && (duration.isNegative() || duration.isZero())) {
            throw new IllegalArgumentException("the duration must be positive, got " + duration);
        }
    }

    public static RunLimit ofDuration(Duration duration) {
        return new RunLimit(duration, 0);
    }

    public static RunLimit ofCalls(long calls) {
        return new RunLimit(null, calls);
    }

    /** The last instant (nanoTime) at which a call may start, given the phase's start. */
    long deadline(long startNanos) {
        return duration == null ? Long.MAX_VALUE : startNanos + duration.toNanos();
    }

    /** How many calls may start ({@link Long#MAX_VALUE} when limited by time). */
    long maxCalls() {
        return duration == null ? calls : Long.MAX_VALUE;
    }

    @Override
    public String toString() {
        return duration == null ? calls + " calls" : duration.toMillis() / 1000.0 + " s";
    }
}
