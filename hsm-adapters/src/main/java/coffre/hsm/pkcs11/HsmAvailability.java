package coffre.hsm.pkcs11;

import coffre.hsm.HsmErrorKind;
import coffre.hsm.HsmException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Objects;

/**
 * Whether the current PKCS#11 module may be used: the circuit breaker of {@link RecoveringHsm}.
 *
 * <p>Why: once a module has lost its token, every call would otherwise go down into the library
 * and fail there, one by one, perhaps slowly. After a failure that condemns the module the breaker
 * is {@linkplain #markDown down} and {@link #requireUp()} fails at once with
 * {@link HsmErrorKind#UNAVAILABLE}, until a re-initialised (or recovered) module is
 * {@linkplain #markUp up} again.
 *
 * <p>Why generations: the module is replaced as a whole, and a slow call on the replaced module may
 * fail after the new one is up; {@link #markDown} only counts failures of the current generation.
 *
 * <p>Why the backoff: a re-initialisation attempt that loads a new library copy keeps about 1 MB
 * the JVM can never unload ({@link LibraryCopies}), so such costly attempts wait twice as long each
 * time, from {@code reinitInterval} up to {@code maxBackoff}; cheap attempts (the library did not
 * even initialise) repeat every {@code reinitInterval}.
 *
 * <p>Thread-safe: the check on every call is one volatile read; changes are synchronised and rare.
 * Reasons are operator text (kinds and CKR names, never secrets) and stay out of the exceptions
 * that callers see.
 */
final class HsmAvailability {

    /**
     * The breaker's state for health detail and tests.
     *
     * @param reason      why the module went down
     * @param lastAttempt why the latest recovery attempt failed ("" before the first)
     */
    record Snapshot(boolean up, long generation, Instant since, String reason, int failedAttempts, String lastAttempt,
                    Duration nextDelay) {
        /** One line for operators. */
        String describe() {
            if (up) {
                return "up since " + since + " (module generation " + generation + ")";
            }
            return "HSM unavailable since " + since + ": " + reason
                    + (failedAttempts == 0 ? "; re-initialising"
                    : "; " + failedAttempts + " re-initialisation attempt(s) failed (last: " + lastAttempt + "), next in "
                    + nextDelay);
        }
    }

    private final Duration reinitInterval;
    private final Duration maxBackoff;
    private final InstantSource clock;
    private volatile Snapshot state;
    private int costlyStreak;

    HsmAvailability(Duration reinitInterval, Duration maxBackoff, InstantSource clock) {
        this.reinitInterval = Objects.requireNonNull(reinitInterval, "reinitInterval");
        this.maxBackoff = maxBackoff.compareTo(reinitInterval) < 0 ? reinitInterval : maxBackoff;
        this.clock = clock;
        this.state = new Snapshot(true, 0, clock.instant(), "", 0, "", Duration.ZERO);
    }

    boolean isUp() {
        return state.up();
    }

    /** Fails at once with {@link HsmErrorKind#UNAVAILABLE} while the breaker is down. */
    void requireUp() {
        if (!state.up()) {
            throw new HsmException(HsmErrorKind.UNAVAILABLE, "the HSM is unavailable; it is being re-initialised");
        }
    }

    /**
     * Marks generation {@code generation} down for {@code reason}.
     *
     * @return true if this changed the state (the caller should start recovery); false if the
     *         breaker was already down or the failure came from a replaced generation
     */
    synchronized boolean markDown(long generation, String reason) {
        Snapshot s = state;
        if (!s.up() || s.generation() != generation) {
            return false;
        }
        costlyStreak = 0;
        state = new Snapshot(false, generation, clock.instant(), reason, 0, "", Duration.ZERO);
        return true;
    }

    /** Generation {@code generation} (the same one, recovered, or a new one) works. */
    synchronized void markUp(long generation) {
        costlyStreak = 0;
        state = new Snapshot(true, generation, clock.instant(), "", 0, "", Duration.ZERO);
    }

    /**
     * Records a failed recovery attempt.
     *
     * @param costly whether the attempt loaded a new library copy (which is never unloaded)
     * @param reason why it failed, for operators
     * @return how long to wait before the next attempt
     */
    synchronized Duration attemptFailed(boolean costly, String reason) {
        Snapshot s = state;
        if (s.up()) {
            return reinitInterval;
        }
        Duration delay = reinitInterval;
        if (costly) {
            costlyStreak++;
            delay = reinitInterval;
            // The first costly failure waits reinitInterval, each further one twice as long.
            for (int i = 1; i < costlyStreak && delay.compareTo(maxBackoff) < 0; i++) {
                delay = delay.multipliedBy(2);
            }
            if (delay.compareTo(maxBackoff) > 0) {
                delay = maxBackoff;
            }
        }
        state = new Snapshot(false, s.generation(), s.since(), s.reason(), s.failedAttempts() + 1, reason, delay);
        return delay;
    }

    Snapshot snapshot() {
        return state;
    }
}
