package coffre.hsm.pkcs11;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HsmProfilesTest {

    static List<String> known() {
        return HsmProfiles.KNOWN;
    }

    @ParameterizedTest
    @MethodSource("known")
    void everyShippedProfileLoads(String name) {
        HsmProfile p = HsmProfiles.load(name);
        assertEquals(name, p.name());
        assertFalse(p.libraryPaths().isEmpty());
        assertTrue(p.libraryPaths().stream().allMatch(Path::isAbsolute));
        // Only the profile the suite runs against may claim to be tested or enable copies by default.
        assertEquals(name.equals("softhsm2"), p.tested());
        assertEquals(name.equals("softhsm2"), p.sessionKeyCopies());
    }

    @Test
    void softHsm2ProfileMatchesTheMeasuredFacts() {
        HsmProfile p = HsmProfiles.load("softhsm2");
        assertEquals(Path.of("/usr/lib/softhsm/libsofthsm2.so"), p.libraryPaths().get(0));
        assertFalse(p.ivFromHsmRng());
        assertEquals(64, p.maxSessionsHint());
    }

    @Test
    void unknownNameListsTheKnownOnes() {
        assertEquals("hsm.profile 'luna' is unknown; known profiles: softhsm2, eviden-proteccio, thales-luna, entrust-nshield, utimaco",
                assertThrows(IllegalArgumentException.class, () -> HsmProfiles.load("luna")).getMessage());
    }

    private static String parseError(String text) throws IOException {
        Properties p = new Properties();
        p.load(new StringReader(text));
        return assertThrows(IllegalArgumentException.class, () -> HsmProfiles.parse("x", p)).getMessage();
    }

    private static final String GOOD = "name=x\ndisplay-name=X\ntested=false\nlibrary.paths=/a.so\n"
            + "session-key-copies=false\ngcm.iv-from-hsm-rng=true\nmax-sessions-hint=8\n";

    @Test
    void malformedProfilesAreRefusedPrecisely() throws IOException {
        assertEquals("HSM profile x: unknown keys [colour]; allowed: [display-name, gcm.iv-from-hsm-rng, library.paths,"
                + " max-sessions-hint, name, session-key-copies, tested]", parseError(GOOD + "colour=red\n"));
        assertEquals("HSM profile x: tested must be true or false", parseError(GOOD.replace("tested=false", "tested=yes")));
        assertEquals("HSM profile x: library.paths is required", parseError(GOOD.replace("library.paths=/a.so", "library.paths=")));
        assertEquals("HSM profile x: max-sessions-hint must be 1..256, got 0", parseError(GOOD.replace("=8", "=0")));
        assertEquals("HSM profile x: name must be 'x', got 'y'", parseError(GOOD.replace("name=x", "name=y")));
    }

    @Test
    void aWellFormedProfileParses() throws IOException {
        Properties p = new Properties();
        p.load(new StringReader(GOOD));
        HsmProfile profile = HsmProfiles.parse("x", p);
        assertEquals(List.of(Path.of("/a.so")), profile.libraryPaths());
        assertTrue(profile.ivFromHsmRng());
    }
}
