package coffre.hsm.pkcs11;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.hsm.GcmCiphertext;
import coffre.hsm.HsmErrorKind;
import coffre.hsm.HsmException;
import coffre.hsm.HsmKeyRef;
import coffre.hsm.testing.SoftHsmTestToken;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.UUID;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Real faults against SoftHSM: the token directory is taken away while the HSM is in use, then put
 * back. Calls must fail fast with {@code UNAVAILABLE} (never hang, never report a key as gone for
 * good), and the same {@link RecoveringHsm}, with the same key references, must recover by itself
 * by re-initialising the module, with nothing lost: keys made before still work and ciphertexts
 * made before still open.
 */
class HsmFaultIT {
    private static final SoftHsmTestToken TOKEN = SoftHsmTestToken.get();
    /** Far above a normal call (well under 10 ms here), far below a hang. */
    private static final long FAST_MILLIS = 2_000;

    private static void failsFastUnavailable(Executable call) {
        long started = System.nanoTime();
        HsmException e = assertThrows(HsmException.class, call);
        long millis = (System.nanoTime() - started) / 1_000_000;
        assertEquals(HsmErrorKind.UNAVAILABLE, e.kind(), e.getMessage());
        assertTrue(millis < FAST_MILLIS, "failed in " + millis + " ms");
    }

    private static void worksOrFailsFastUnavailable(Executable call) {
        long started = System.nanoTime();
        try {
            call.execute();
        } catch (HsmException e) {
            assertEquals(HsmErrorKind.UNAVAILABLE, e.kind(), e.getMessage());
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        assertTrue((System.nanoTime() - started) / 1_000_000 < FAST_MILLIS);
    }

    @ParameterizedTest(name = "session copies: {0}")
    @ValueSource(booleans = {false, true})
    void theTokenTakenAwayAndPutBack(boolean sessionCopies) throws Exception {
        Path tokens = TOKEN.confPath().resolveSibling("tokens");
        Path away = tokens.resolveSibling("tokens.away");
        byte[] plaintext = new byte[32];
        new SecureRandom().nextBytes(plaintext);
        Path copies = TOKEN.confPath().resolveSibling("library-copies");
        // Every generation on its own library copy: the module at the original path, which the other
        // tests of this JVM use, never sees the fault.
        try (RecoveringHsm hsm = RecoveringHsm.open(RecoveringHsm.copyingOpener(TOKEN.config(2, sessionCopies), copies, true),
                java.time.Duration.ofMillis(200))) {
            String label = "fault-" + UUID.randomUUID();
            HsmKeyRef key = hsm.generateKey(label);
            GcmCiphertext before = hsm.encrypt(key, new byte[0], plaintext);

            Files.move(tokens, away);
            try {
                if (sessionCopies) {
                    // The session copy lives in the module's memory, not in the token's files: with
                    // SoftHSM it may go on working; it must then answer right, or fail fast.
                    worksOrFailsFastUnavailable(() -> hsm.encrypt(key, new byte[0], plaintext));
                    worksOrFailsFastUnavailable(() -> hsm.decrypt(key, before.iv(), new byte[0], before.ciphertextAndTag()));
                } else {
                    failsFastUnavailable(() -> hsm.encrypt(key, new byte[0], plaintext));
                    failsFastUnavailable(() -> hsm.decrypt(key, before.iv(), new byte[0], before.ciphertextAndTag()));
                    // Marked unavailable: everything now fails fast until the module is back.
                    failsFastUnavailable(() -> hsm.findKey(label));
                    failsFastUnavailable(() -> hsm.generateKey("fault-" + UUID.randomUUID()));
                    assertTrue(!hsm.health().healthy());
                    failsFastUnavailable(() -> hsm.encrypt(key, new byte[0], plaintext));
                }
            } finally {
                Files.move(away, tokens);
            }

            // The same instance and the same reference recover: nothing acknowledged before is lost.
            byte[] opened = null;
            long deadline = System.nanoTime() + 15_000_000_000L;
            while (opened == null && System.nanoTime() < deadline) {
                try {
                    opened = hsm.decrypt(key, before.iv(), new byte[0], before.ciphertextAndTag());
                } catch (HsmException stillDown) {
                    assertEquals(HsmErrorKind.UNAVAILABLE, stillDown.kind(), stillDown.getMessage());
                    Thread.sleep(100);
                }
            }
            assertArrayEquals(plaintext, opened, "recovered within 15 s");
            if (!sessionCopies) {
                assertTrue(hsm.reopenCount() >= 1, "the module was re-initialised");
            }
            System.out.printf("recovered after %d re-initialisation(s)%n", hsm.reopenCount());
            GcmCiphertext after = hsm.encrypt(key, new byte[0], plaintext);
            assertArrayEquals(plaintext, hsm.decrypt(key, after.iv(), new byte[0], after.ciphertextAndTag()));
            assertTrue(hsm.findKey(label).isPresent());
            assertTrue(hsm.destroyKey(label));
        }
    }
}
