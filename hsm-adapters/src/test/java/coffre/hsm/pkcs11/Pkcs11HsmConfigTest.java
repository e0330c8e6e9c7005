package coffre.hsm.pkcs11;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Pkcs11HsmConfigTest {
    private static final PinSource PIN = PinSource.fromFile(Path.of("/run/secrets/hsm-pin"));
    private static final TokenSelector TOKEN = TokenSelector.label("coffre");

    private static String message(Runnable r) {
        return assertThrows(RuntimeException.class, r::run).getMessage();
    }

    @Test
    void aValidConfigKeepsItsValues() {
        Pkcs11HsmConfig c = new Pkcs11HsmConfig("softhsm2", Path.of("/opt/lib.so"), TOKEN, PIN, 8, false);
        assertEquals(Path.of("/opt/lib.so"), c.resolvedLibrary());
        assertFalse(c.wantsSessionKeyCopies());
        assertEquals(8, c.sessions());
    }

    @Test
    void unsetSessionCopiesFollowTheProfile() {
        assertTrue(Pkcs11HsmConfig.of("softhsm2", TOKEN, PIN, 2).wantsSessionKeyCopies());
        assertFalse(Pkcs11HsmConfig.of("thales-luna", TOKEN, PIN, 2).wantsSessionKeyCopies());
    }

    @Test
    void unknownProfileListsTheKnownOnes() {
        assertEquals("hsm.profile 'pkcs11' is unknown; known profiles: softhsm2, eviden-proteccio, thales-luna, entrust-nshield, utimaco",
                message(() -> Pkcs11HsmConfig.of("pkcs11", TOKEN, PIN, 1)));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1, 257})
    void sessionsOutOfRangeAreRefused(int n) {
        assertEquals("hsm.sessions must be between 1 and 256, got " + n,
                message(() -> Pkcs11HsmConfig.of("softhsm2", TOKEN, PIN, n)));
    }

    @Test
    void sessionsAboveTheProfileHintAreRefused() {
        assertEquals("hsm.sessions must be at most 64 for profile softhsm2 (its max-sessions-hint), got 65",
                message(() -> Pkcs11HsmConfig.of("softhsm2", TOKEN, PIN, 65)));
    }

    @Test
    void sessionCopiesOnAProfileWithoutThemAreRefused() {
        assertEquals("hsm.session-key-copies=true is not supported by profile thales-luna; allowed: false or unset",
                message(() -> new Pkcs11HsmConfig("thales-luna", null, TOKEN, PIN, 4, true)));
    }

    @Test
    void relativeLibraryIsRefused() {
        assertEquals("hsm.library must be an absolute path, got lib/x.so",
                message(() -> new Pkcs11HsmConfig("softhsm2", Path.of("lib/x.so"), TOKEN, PIN, 4, null)));
    }

    @Test
    void missingTokenOrPinIsRefused() {
        assertEquals("hsm.token must select a token by label, slot id or slot index",
                message(() -> Pkcs11HsmConfig.of("softhsm2", null, PIN, 1)));
        assertEquals("hsm.pin must name an environment variable or a file",
                message(() -> Pkcs11HsmConfig.of("softhsm2", TOKEN, null, 1)));
    }

    @Test
    void aMissingDefaultLibraryNamesThePathsTried() {
        Pkcs11HsmConfig c = Pkcs11HsmConfig.of("entrust-nshield", TOKEN, PIN, 1);
        assertEquals("hsm.library is not set and none of the default paths of profile entrust-nshield exists:"
                + " [/opt/nfast/toolkits/pkcs11/libcknfast.so]; set hsm.library", message(c::resolvedLibrary));
    }

    @Test
    void tokenSelectorsValidate() {
        assertEquals("hsm.token.label must not be blank", message(() -> TokenSelector.label(" ")));
        assertEquals("hsm.token.label must be at most 32 bytes in UTF-8 (PKCS#11 token labels are 32 bytes), got '"
                + "x".repeat(33) + "'", message(() -> TokenSelector.label("x".repeat(33))));
        assertEquals("hsm.token.label must not start or end with blanks (PKCS#11 pads labels with blanks, so they cannot be told apart)",
                message(() -> TokenSelector.label("a ")));
        assertEquals("hsm.token.slot-id must be >= 0, got -1", message(() -> TokenSelector.slotId(-1)));
        assertEquals("hsm.token.slot-index must be >= 0, got -2", message(() -> TokenSelector.slotIndex(-2)));
        assertEquals("label 'coffre'", TOKEN.toString());
    }

    @Test
    void toStringHoldsNoPin() {
        Pkcs11HsmConfig c = Pkcs11HsmConfig.of("softhsm2", TOKEN, PinSource.Env.of("HSM_PIN", java.util.Map.of("HSM_PIN", "s3cr3t-value")), 1);
        assertFalse(c.toString().contains("s3cr3t-value"), c.toString());
        assertTrue(c.toString().contains("env HSM_PIN"), c.toString());
    }
}
