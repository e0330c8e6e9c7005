package coffre.hsm.pkcs11;

import coffre.hsm.HsmErrorKind;
import coffre.hsm.HsmException;
import coffre.hsm.testing.OpenInChildProcess;
import coffre.hsm.testing.SoftHsmTestToken;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Opening fails fast, with a message naming the bad setting. */
class Pkcs11HsmOpenIT {
    private final SoftHsmTestToken token = SoftHsmTestToken.get();

    @Test
    void anUnknownTokenLabelListsTheTokensPresent() {
        HsmException e = assertThrows(HsmException.class,
                () -> Pkcs11Hsm.open(token.config(1).withToken(TokenSelector.label("no-such-token"))));
        assertEquals(HsmErrorKind.UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().startsWith("hsm.token.label: no initialised token labelled 'no-such-token'; tokens present: "),
                e.getMessage());
        assertTrue(e.getMessage().contains("'" + SoftHsmTestToken.LABEL + "'"), e.getMessage());
    }

    @Test
    void aSlotIndexBeyondTheListIsRefused() {
        HsmException e = assertThrows(HsmException.class,
                () -> Pkcs11Hsm.open(token.config(1).withToken(TokenSelector.slotIndex(999))));
        assertTrue(e.getMessage().startsWith("hsm.token.slot-index must be below "), e.getMessage());
    }

    @Test
    void aMissingLibraryIsNamed() {
        Pkcs11HsmConfig c = new Pkcs11HsmConfig("softhsm2", Path.of("/nonexistent/libx.so"),
                TokenSelector.label(SoftHsmTestToken.LABEL), PinSource.fromFile(token.pinFile()), 1, null);
        assertEquals("hsm.library /nonexistent/libx.so does not exist or is not a file",
                assertThrows(IllegalArgumentException.class, () -> Pkcs11Hsm.open(c)).getMessage());
    }

    @Test
    void aTokenSelectedBySlotIndexWorksLikeByLabel() {
        // The token directory may hold other test tokens (HsmFaultIT's): find the shared one's index
        // in the same list SunPKCS11's slotListIndex uses (all slots, with or without a token).
        Pkcs11Native module = Pkcs11Native.connect(token.library());
        long[] slots = module.slotList(false);
        int index = -1;
        for (int i = 0; i < slots.length; i++) {
            if (module.tokenInfo(slots[i]).label().equals(SoftHsmTestToken.LABEL)) {
                index = i;
            }
        }
        assertTrue(index >= 0, "the shared token is in the slot list");
        try (Pkcs11Hsm hsm = Pkcs11Hsm.open(token.config(1).withToken(TokenSelector.slotIndex(index)))) {
            assertEquals(SoftHsmTestToken.LABEL, hsm.info().tokenLabel());
        }
    }

    @Test
    void aWrongPinIsALoginFailureInAFreshProcess(@TempDir Path dir) throws Exception {
        Path wrong = dir.resolve("wrong.pin");
        Files.writeString(wrong, "not-the-pin\n");
        assertEquals("kind=LOGIN_FAILED message=HSM login failed: login failed", child(wrong));
        assertEquals("opened true", child(token.pinFile()));
    }

    private static String child(Path pinFile) throws IOException, InterruptedException {
        List<String> cmd = List.of(ProcessHandle.current().info().command().orElse("java"),
                "--add-opens", "jdk.crypto.cryptoki/sun.security.pkcs11=ALL-UNNAMED",
                "--add-exports", "jdk.crypto.cryptoki/sun.security.pkcs11.wrapper=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), OpenInChildProcess.class.getName(), pinFile.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return out.lines().filter(l -> l.startsWith("kind=") || l.startsWith("opened")).findFirst()
                .orElseThrow(() -> new AssertionError("child printed: " + out));
    }
}
