package coffre.hsm.pkcs11;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import coffre.hsm.testing.SoftHsmTestToken;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Validation of {@code hsm.operationTimeout}, {@code hsm.probeInterval}, {@code hsm.reinitInterval}. */
class HsmTimeoutsTest {
    @Test
    void defaults() {
        assertEquals(new HsmTimeouts(Duration.ofSeconds(3), Duration.ofSeconds(5), Duration.ofSeconds(2)), HsmTimeouts.DEFAULTS);
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource({
            "hsm.operationTimeout, PT0.009S",
            "hsm.operationTimeout, PT10M0.001S",
            "hsm.probeInterval, PT0S",
            "hsm.reinitInterval, PT-1S",
            "hsm.reinitInterval, PT11M"})
    void outOfRangeValuesNameTheSettingAndTheRange(String setting, String value) {
        Duration d = Duration.parse(value);
        HsmTimeouts base = HsmTimeouts.DEFAULTS;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> with(base, setting, d));
        assertEquals(setting + " must be between PT0.01S and PT10M, got " + d, e.getMessage());
    }

    private static HsmTimeouts with(HsmTimeouts base, String setting, Duration d) {
        return switch (setting) {
            case "hsm.operationTimeout" -> base.withOperationTimeout(d);
            case "hsm.probeInterval" -> base.withProbeInterval(d);
            default -> base.withReinitInterval(d);
        };
    }

    @Test
    void missingValuesAreRefused() {
        NullPointerException e = assertThrows(NullPointerException.class,
                () -> new HsmTimeouts(null, Duration.ofSeconds(1), Duration.ofSeconds(1)));
        assertEquals("hsm.operationTimeout must be set", e.getMessage());
    }

    @Test
    void theHsmConfigDefaultsThemAndKeepsThemThroughItsWithers() {
        Pkcs11HsmConfig c = Pkcs11HsmConfig.of("softhsm2", TokenSelector.label("t"), PinSource.fromEnv("P"), 2);
        assertEquals(HsmTimeouts.DEFAULTS, c.timeouts());
        HsmTimeouts fast = HsmTimeouts.DEFAULTS.withOperationTimeout(Duration.ofMillis(100));
        Pkcs11HsmConfig tuned = c.withTimeouts(fast).withSessions(3).withSessionKeyCopies(false)
                .withLibrary(SoftHsmTestToken.DEFAULT_LIBRARY);
        assertEquals(fast, tuned.timeouts());
        assertEquals(3, tuned.sessions());
        assertEquals(SoftHsmTestToken.DEFAULT_LIBRARY, tuned.library());
    }
}
