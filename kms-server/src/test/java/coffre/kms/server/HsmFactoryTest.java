package coffre.kms.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import coffre.hsm.pkcs11.HsmTimeouts;
import coffre.kms.server.config.HsmSettings;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The configuration holds the HSM's deadlines as plain values; the factory hands them to the
 * adapter unchanged, and both accept the same values with the same defaults.
 */
class HsmFactoryTest {

    private static HsmSettings settings(Duration operation, Duration probe, Duration reinit) {
        return new HsmSettings("softhsm2", null, "coffre-test", null, null, "COFFRE_TEST_PIN", null, 2, null,
                operation, probe, reinit);
    }

    @Test
    void theConfiguredDeadlinesAreTheAdaptersTimeouts() {
        HsmTimeouts timeouts = HsmFactory.timeouts(settings(Duration.ofMillis(1500), Duration.ofSeconds(20),
                Duration.ofMillis(500)));
        assertEquals(new HsmTimeouts(Duration.ofMillis(1500), Duration.ofSeconds(20), Duration.ofMillis(500)), timeouts);
    }

    @Test
    void theConfigurationHasTheAdaptersDefaultsAndBounds() {
        assertEquals(HsmTimeouts.DEFAULTS, HsmFactory.timeouts(settings(null, null, null)));
        assertEquals(HsmTimeouts.MIN, HsmSettings.MIN_DURATION);
        assertEquals(HsmTimeouts.MAX, HsmSettings.MAX_DURATION);
        assertEquals(HsmTimeouts.MIN, HsmFactory.timeouts(settings(HsmTimeouts.MIN, HsmTimeouts.MAX, HsmTimeouts.MIN))
                .operationTimeout());
    }
}
