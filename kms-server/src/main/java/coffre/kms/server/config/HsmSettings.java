package coffre.kms.server.config;

import coffre.hsm.pkcs11.HsmTimeouts;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The HSM to use. Exactly one of {@code tokenLabel}, {@code slotId}, {@code slotIndex} is set,
 * and exactly one of {@code pinEnv}, {@code pinFile}.
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

    public HsmSettings {
        HsmTimeouts d = HsmTimeouts.DEFAULTS;
        operationTimeout = operationTimeout != null ? operationTimeout : d.operationTimeout();
        probeInterval = probeInterval != null ? probeInterval : d.probeInterval();
        reinitInterval = reinitInterval != null ? reinitInterval : d.reinitInterval();
        try {
            new HsmTimeouts(operationTimeout, probeInterval, reinitInterval);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage(), e);
        }
    }

    /** Settings with the default deadlines and intervals. */
    public HsmSettings(String profile, Path library, String tokenLabel, Long slotId, Integer slotIndex,
                       String pinEnv, Path pinFile, int sessions, Boolean sessionKeyCopies) {
        this(profile, library, tokenLabel, slotId, slotIndex, pinEnv, pinFile, sessions, sessionKeyCopies,
                null, null, null);
    }

    /** The deadlines and intervals, as hsm-adapters takes them. */
    public HsmTimeouts timeouts() {
        return new HsmTimeouts(operationTimeout, probeInterval, reinitInterval);
    }
}
