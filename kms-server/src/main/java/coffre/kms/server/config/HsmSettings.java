package coffre.kms.server.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The HSM to use. Exactly one of {@code tokenLabel}, {@code slotId}, {@code slotIndex} is set,
 * and exactly one of {@code pinEnv}, {@code pinFile}. Plain values: the server's {@code HsmFactory}
 * turns them into the HSM adapter's configuration.
 *
 * @param library          null: the profile's default library path
 * @param sessionKeyCopies null: the profile's default
 * @param operationTimeout {@code hsm.operationTimeout}: the longest a call waits for an HSM session or
 *                         lock, and the longest a health probe may take, before {@code HSM_UNAVAILABLE}
 *                         (null: {@code PT3S}); keep it below {@code server.dataPlaneTimeout}
 * @param probeInterval    {@code hsm.probeInterval}: how often the token is probed in the background
 *                         while all is well (null: {@code PT5S})
 * @param reinitInterval   {@code hsm.reinitInterval}: first wait between attempts to re-initialise a
 *                         failed module; costly attempts back off to one minute (null: {@code PT2S})
 */
public record HsmSettings(String profile, Path library, String tokenLabel, Long slotId, Integer slotIndex,
                          String pinEnv, Path pinFile, int sessions, Boolean sessionKeyCopies,
                          Duration operationTimeout, Duration probeInterval, Duration reinitInterval) {

    /** {@code hsm.operationTimeout} when not set. */
    public static final Duration DEFAULT_OPERATION_TIMEOUT = Duration.ofSeconds(3);
    /** {@code hsm.probeInterval} when not set. */
    public static final Duration DEFAULT_PROBE_INTERVAL = Duration.ofSeconds(5);
    /** {@code hsm.reinitInterval} when not set. */
    public static final Duration DEFAULT_REINIT_INTERVAL = Duration.ofSeconds(2);
    /** Shortest accepted deadline or interval (the HSM adapter's own bounds, checked here to fail at start). */
    public static final Duration MIN_DURATION = Duration.ofMillis(10);
    /** Longest accepted deadline or interval. */
    public static final Duration MAX_DURATION = Duration.ofMinutes(10);

    public HsmSettings {
        operationTimeout = bounded("hsm.operationTimeout", operationTimeout, DEFAULT_OPERATION_TIMEOUT);
        probeInterval = bounded("hsm.probeInterval", probeInterval, DEFAULT_PROBE_INTERVAL);
        reinitInterval = bounded("hsm.reinitInterval", reinitInterval, DEFAULT_REINIT_INTERVAL);
    }

    /** Settings with the default deadlines and intervals. */
    public HsmSettings(String profile, Path library, String tokenLabel, Long slotId, Integer slotIndex,
                       String pinEnv, Path pinFile, int sessions, Boolean sessionKeyCopies) {
        this(profile, library, tokenLabel, slotId, slotIndex, pinEnv, pinFile, sessions, sessionKeyCopies,
                null, null, null);
    }

    /** The HSM as operators name it (the {@code hsm} label of its metrics): its token as configured. */
    public String name() {
        return tokenLabel != null ? tokenLabel : slotId != null ? "slot-" + slotId : "slot-index-" + slotIndex;
    }

    private static Duration bounded(String setting, Duration value, Duration otherwise) {
        Duration d = value != null ? value : otherwise;
        if (d.compareTo(MIN_DURATION) < 0 || d.compareTo(MAX_DURATION) > 0) {
            throw new ConfigException(
                    setting + " must be between " + MIN_DURATION + " and " + MAX_DURATION + ", got " + d);
        }
        return d;
    }
}
