package coffre.hsm.pkcs11;

import java.time.Duration;
import java.util.Objects;

/**
 * How long Coffre waits for the HSM, and how often it checks and re-initialises it. Immutable,
 * validated at construction with messages that name the setting.
 *
 * <p>Why these three: a caller must never queue behind an HSM that stopped answering, so every wait
 * Coffre controls (an operation session, the object session, key administration, a health probe)
 * is bounded by {@code operationTimeout}; a token can be lost while session-object key copies still
 * answer from the module's memory, so it is probed every {@code probeInterval} even when no call
 * fails; and a lost module is rebuilt in the background, first after {@code reinitInterval}.
 *
 * @param operationTimeout {@code hsm.operationTimeout}: the longest a call waits for an HSM session
 *                         or lock, and the longest a health probe may take; past it the call fails
 *                         with {@code UNAVAILABLE}. A PKCS#11 call already inside the library cannot
 *                         be interrupted: the server's own deadline answers its caller.
 * @param probeInterval    {@code hsm.probeInterval}: how often the background probe checks the token
 *                         while the HSM is up
 * @param reinitInterval   {@code hsm.reinitInterval}: the wait before the first re-initialisation
 *                         attempt and between cheap attempts; attempts that had to load a new copy
 *                         of the library back off (doubling) up to {@link #MAX_REINIT_BACKOFF}
 */
public record HsmTimeouts(Duration operationTimeout, Duration probeInterval, Duration reinitInterval) {
    /** Shortest accepted value of each setting. */
    public static final Duration MIN = Duration.ofMillis(10);
    /** Longest accepted value of each setting. */
    public static final Duration MAX = Duration.ofMinutes(10);
    /**
     * The longest wait between re-initialisation attempts that each load a new library copy: every
     * such attempt keeps about 1 MB that the JVM cannot unload, so at most ~60 per hour.
     */
    public static final Duration MAX_REINIT_BACKOFF = Duration.ofMinutes(1);
    /** {@code PT3S}, {@code PT5S}, {@code PT2S}. */
    public static final HsmTimeouts DEFAULTS = new HsmTimeouts(Duration.ofSeconds(3), Duration.ofSeconds(5),
            Duration.ofSeconds(2));

    public HsmTimeouts {
        check("hsm.operationTimeout", operationTimeout);
        check("hsm.probeInterval", probeInterval);
        check("hsm.reinitInterval", reinitInterval);
    }

    private static void check(String setting, Duration d) {
        Objects.requireNonNull(d, setting + " must be set");
        if (d.compareTo(MIN) < 0 || d.compareTo(MAX) > 0) {
            throw new IllegalArgumentException(setting + " must be between " + MIN + " and " + MAX + ", got " + d);
        }
    }

    public HsmTimeouts withOperationTimeout(Duration d) {
        return new HsmTimeouts(d, probeInterval, reinitInterval);
    }

    public HsmTimeouts withProbeInterval(Duration d) {
        return new HsmTimeouts(operationTimeout, d, reinitInterval);
    }

    public HsmTimeouts withReinitInterval(Duration d) {
        return new HsmTimeouts(operationTimeout, probeInterval, d);
    }
}
