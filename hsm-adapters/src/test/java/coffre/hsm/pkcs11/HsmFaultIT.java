package coffre.hsm.pkcs11;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.hsm.GcmCiphertext;
import coffre.hsm.HsmErrorKind;
import coffre.hsm.HsmException;
import coffre.hsm.HsmHealth;
import coffre.hsm.Hsm;
import coffre.hsm.HsmKeyPair;
import coffre.hsm.HsmKeyRef;
import coffre.hsm.HsmStats;
import coffre.hsm.KeyPairSpec;
import coffre.hsm.KeyPairUsage;
import coffre.hsm.SignatureScheme;
import coffre.hsm.testing.KeyPairConformance;
import coffre.hsm.testing.HoldTokenLocks;
import coffre.hsm.testing.SoftHsmTestToken;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Real faults against SoftHSM 2, on a token of their own ({@value #LABEL}) so that the shared test
 * token and the modules that use it never see them: the token's directory is moved away and back,
 * replaced by another token with the same label, or locked by another process (a stall). Calls
 * must fail with {@code UNAVAILABLE} within {@code hsm.operationTimeout} (never hang, never report
 * a key as gone for good), and the same {@link RecoveringHsm}, with the same key references, must
 * recover by itself with nothing lost: keys made before still work, ciphertexts and MACs made before
 * still verify.
 *
 * <p>Every module generation loads its own copy of the library, so a module broken here is never one
 * that another test uses.
 */
class HsmFaultIT {
    private static final String LABEL = "coffre-faults";
    private static final Duration OPERATION_TIMEOUT = Duration.ofMillis(800);
    private static final HsmTimeouts TIMEOUTS = new HsmTimeouts(OPERATION_TIMEOUT, Duration.ofMillis(200),
            Duration.ofMillis(100));
    private static final byte[] AAD = "tenant=billing".getBytes(StandardCharsets.UTF_8);

    private final SoftHsmTestToken token = SoftHsmTestToken.get(LABEL);
    private final Path tokenDir = token.tokenDirectory();
    private final Path away = token.confPath().resolveSibling("faults-away");
    private final Path copies = token.confPath().resolveSibling("library-copies-" + UUID.randomUUID());
    private final List<String> made = new ArrayList<>();
    private RecoveringHsm hsm;

    private RecoveringHsm open(boolean sessionCopies, int sessions) {
        hsm = RecoveringHsm.open(ModuleOpener.overLibraryCopies(token.config(sessions, sessionCopies).withTimeouts(TIMEOUTS),
                copies, true), TIMEOUTS);
        return hsm;
    }

    private String label() {
        String label = "fault-" + UUID.randomUUID();
        made.add(label);
        return label;
    }

    @AfterEach
    void restoreAndClean() throws IOException {
        if (Files.exists(away)) {
            Files.move(away, tokenDir);
        }
        if (hsm != null) {
            try {
                awaitQuietly(() -> hsm.availability().up());
                made.forEach(hsm::destroyKey);
            } finally {
                hsm.close();
            }
        }
        assertFalse(Files.exists(copies), "library copies removed on close");
    }

    private static long millis(Executable call) {
        long start = System.nanoTime();
        try {
            call.execute();
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        return (System.nanoTime() - start) / 1_000_000;
    }

    /** The call fails with UNAVAILABLE, and within the operation timeout. */
    private static void failsFastUnavailable(String what, Executable call) {
        long ms = millis(() -> {
            try {
                call.execute();
                throw new AssertionError(what + " succeeded while the token is away");
            } catch (HsmException e) {
                assertEquals(HsmErrorKind.UNAVAILABLE, e.kind(), what + ": " + e.getMessage());
            }
        });
        assertTrue(ms < OPERATION_TIMEOUT.toMillis(), what + " failed in " + ms + " ms");
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 20 s: " + what);
            }
            Thread.sleep(20);
        }
    }

    private static void awaitQuietly(BooleanSupplier condition) {
        try {
            await("recovery before clean-up", condition);
        } catch (InterruptedException | AssertionError e) {
            Thread.currentThread().interrupt();
        }
    }

    @ParameterizedTest(name = "session key copies: {0}")
    @ValueSource(booleans = {false, true})
    void theTokenTakenAwayFailsFastAndEverythingComesBackWhenItReturns(boolean sessionCopies) throws Exception {
        open(sessionCopies, 2);
        String keyLabel = label();
        String macLabel = label();
        HsmKeyRef key = hsm.generateKey(keyLabel);
        HsmKeyRef mac = hsm.generateMacKey(macLabel);
        byte[] plaintext = new byte[32];
        new SecureRandom().nextBytes(plaintext);
        GcmCiphertext before = hsm.encrypt(key, AAD, plaintext);
        byte[] macBefore = hsm.hmacSha256(mac, AAD);
        assertEquals(new HsmStats(true, 0, 2, 0), hsm.stats().orElseThrow(), "up, 2 sessions, none lent");

        Files.move(tokenDir, away);
        if (sessionCopies) {
            // Measured: SoftHSM keeps serving the session copy from memory, so the first calls may
            // still succeed; the background probe sees the token gone within probeInterval.
            await("the probe marked the module down", () -> !hsm.availability().up());
        } else {
            failsFastUnavailable("encrypt (first call after the fault)", () -> hsm.encrypt(key, AAD, plaintext));
        }
        failsFastUnavailable("encrypt", () -> hsm.encrypt(key, AAD, plaintext));
        failsFastUnavailable("decrypt", () -> hsm.decrypt(key, before.iv(), AAD, before.ciphertextAndTag()));
        failsFastUnavailable("generateKey", () -> hsm.generateKey(label()));
        failsFastUnavailable("findKey", () -> hsm.findKey(keyLabel));
        failsFastUnavailable("hmacSha256", () -> hsm.hmacSha256(mac, AAD));
        failsFastUnavailable("findMacKey", () -> hsm.findMacKey(macLabel));
        long healthMs = millis(() -> {
            HsmHealth h = hsm.health();
            assertFalse(h.healthy());
            // Down already ("unavailable since"), or found down by this very probe ("unreachable")
            // when a background re-initialisation attempt had just reopened the breaker.
            assertTrue(h.detail().startsWith("HSM unavailable since ") || h.detail().startsWith("HSM unreachable ("),
                    h.detail());
        });
        assertTrue(healthMs < OPERATION_TIMEOUT.toMillis(), "health answered in " + healthMs + " ms");
        // Re-initialisation attempts go on in the background while the token is away.
        await("a failed re-initialisation attempt", () -> hsm.availability().failedAttempts() >= 1);
        assertFalse(hsm.stats().orElseThrow().available(), "the statistics say down while the token is away");

        Files.move(away, tokenDir);
        await("recovered by itself", () -> hsm.availability().up());
        assertTrue(hsm.reopenCount() >= 1, "the module was re-initialised");
        HsmStats recovered = hsm.stats().orElseThrow();
        assertTrue(recovered.available(), "up again");
        assertEquals(hsm.reopenCount(), recovered.reinitialisations(), "each new module counted");
        assertEquals(2, recovered.sessionsMax(), "the new module has the configured sessions");
        System.out.printf("session copies %s: recovered after %d re-initialisation(s)%n", sessionCopies, hsm.reopenCount());
        // The same references, nothing lost.
        assertArrayEquals(plaintext, hsm.decrypt(key, before.iv(), AAD, before.ciphertextAndTag()));
        assertArrayEquals(macBefore, hsm.hmacSha256(mac, AAD));
        assertTrue(hsm.findKey(keyLabel).isPresent());
        assertTrue(hsm.findMacKey(macLabel).isPresent());
        GcmCiphertext after = hsm.encrypt(key, AAD, plaintext);
        assertArrayEquals(plaintext, hsm.decrypt(key, after.iv(), AAD, after.ciphertextAndTag()));
        HsmKeyRef newKey = hsm.generateKey(label());
        hsm.encrypt(newKey, AAD, plaintext);
        assertTrue(hsm.health().healthy());
        assertTrue(token.pkcs11ToolObjects().containsKey(keyLabel), "an independent client still sees the key");
    }

    @Test
    void keyPairsAreUnavailableWhileTheTokenIsAwayAndTheSameReferencesWorkWhenItReturns() throws Exception {
        open(false, 2);
        String decryptLabel = label();
        String signLabel = label();
        HsmKeyPair decrypt = hsm.generateKeyPair(decryptLabel, KeyPairSpec.RSA_2048, KeyPairUsage.DECRYPT,
                Hsm.LabelCheck.SEARCH_TOKEN);
        HsmKeyPair sign = hsm.generateKeyPair(signLabel, KeyPairSpec.EC_P256, KeyPairUsage.SIGN, Hsm.LabelCheck.SEARCH_TOKEN);
        byte[] plaintext = "a document key".getBytes(StandardCharsets.UTF_8);
        byte[] ciphertext = KeyPairConformance.jdkOaepEncrypt(decrypt, plaintext, new byte[0]);
        byte[] digest = KeyPairConformance.digest(SignatureScheme.ECDSA_SHA256, plaintext);

        Files.move(tokenDir, away);
        failsFastUnavailable("rsaOaepDecrypt (first call after the fault)", () -> hsm.rsaOaepDecrypt(decrypt.privateKey(), ciphertext));
        failsFastUnavailable("rsaOaepDecrypt", () -> hsm.rsaOaepDecrypt(decrypt.privateKey(), ciphertext));
        failsFastUnavailable("signDigest", () -> hsm.signDigest(sign.privateKey(), SignatureScheme.ECDSA_SHA256, digest));
        failsFastUnavailable("findKeyPair", () -> hsm.findKeyPair(decryptLabel));
        failsFastUnavailable("findKeyPairs", () -> hsm.findKeyPairs(List.of(decryptLabel, signLabel)));
        failsFastUnavailable("generateKeyPair", () -> hsm.generateKeyPair(label(), KeyPairSpec.EC_P256, KeyPairUsage.SIGN,
                Hsm.LabelCheck.SEARCH_TOKEN));
        // A failure that names no device fault is confirmed by a probe in the background: wait for
        // the module to be marked down (a re-initialisation tried) before the token comes back.
        await("a failed re-initialisation attempt", () -> hsm.availability().failedAttempts() >= 1);

        Files.move(away, tokenDir);
        await("recovered by itself", () -> hsm.availability().up());
        // Recovery may reuse the module (SoftHSM sees the token again; the private key's handle is
        // found again by label) or open a new one (the reference is resolved on it): both must work.
        System.out.printf("key pairs: recovered after %d re-initialisation(s)%n", hsm.reopenCount());
        // The same references, nothing lost; never reported missing for good.
        assertArrayEquals(plaintext, hsm.rsaOaepDecrypt(decrypt.privateKey(), ciphertext));
        assertTrue(KeyPairConformance.jdkVerifies(sign, SignatureScheme.ECDSA_SHA256, plaintext,
                hsm.signDigest(sign.privateKey(), SignatureScheme.ECDSA_SHA256, digest)));
        assertArrayEquals(decrypt.publicKeyDer(), hsm.findKeyPair(decryptLabel).orElseThrow().publicKeyDer());
        assertEquals(2, hsm.findKeyPairs(List.of(decryptLabel, signLabel)).size());
    }

    @Test
    void aTokenReplacedByAnotherWithTheSameLabelServesNoneOfOurKeysUntilTheRealOneIsBack() throws Exception {
        open(false, 1);
        String keyLabel = label();
        HsmKeyRef key = hsm.generateKey(keyLabel);
        byte[] plaintext = "kept across the swap".getBytes(StandardCharsets.UTF_8);
        GcmCiphertext before = hsm.encrypt(key, AAD, plaintext);

        Files.move(tokenDir, away);
        // An impostor: same label, same user PIN, none of our keys (e.g. a wrong backup restored).
        initImpostor();
        failsFastUnavailable("encrypt", () -> hsm.encrypt(key, AAD, plaintext));
        await("re-initialised onto the impostor", () -> hsm.availability().up() && hsm.reopenCount() >= 1);
        long reopens = hsm.reopenCount();
        for (int i = 0; i < 5; i++) {
            failsFastUnavailable("encrypt with a key the impostor lacks", () -> hsm.encrypt(key, AAD, plaintext));
        }
        Thread.sleep(TIMEOUTS.probeInterval().toMillis() * 3);
        assertEquals(reopens, hsm.reopenCount(), "a healthy token without our key causes no re-initialisation storm");

        deleteImpostor();
        Files.move(away, tokenDir);
        await("the real token is used again", () -> {
            try {
                return hsm.availability().up() && hsm.findKey(keyLabel).isPresent();
            } catch (HsmException stillDown) {
                return false;
            }
        });
        assertArrayEquals(plaintext, hsm.decrypt(key, before.iv(), AAD, before.ciphertextAndTag()));
    }

    private void initImpostor() throws IOException, InterruptedException {
        char[] pin = PinSource.fromFile(token.pinFile()).read();
        try {
            char[] so = new char[16];
            java.util.Arrays.fill(so, 'S');
            Process p = util("--init-token", "--free", "--label", LABEL, "--pin", new String(pin), "--so-pin", new String(so));
            assertEquals(0, p.waitFor(), "softhsm2-util --init-token (impostor)");
        } finally {
            java.util.Arrays.fill(pin, '\0');
        }
    }

    private void deleteImpostor() throws IOException, InterruptedException {
        Process p = util("--delete-token", "--token", LABEL);
        assertEquals(0, p.waitFor(), "softhsm2-util --delete-token (impostor)");
    }

    private Process util(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("softhsm2-util"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("SOFTHSM2_CONF", token.confPath().toString());
        return pb.start();
    }

    @Test
    void aStalledTokenIsReportedWithinTheDeadlineOtherCallersFailFastAndItRecoversWithoutANewModule() throws Exception {
        open(false, 1);
        HsmKeyRef key = hsm.generateKey(label());
        byte[] plaintext = "during a stall".getBytes(StandardCharsets.UTF_8);
        long stallMillis = 3_000;
        Process locker = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"),
                "-cp", System.getProperty("java.class.path"), HoldTokenLocks.class.getName(),
                tokenDir.toString(), Long.toString(stallMillis)).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(locker.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            assertTrue(line != null && line.startsWith("locked"), "the child JVM locked the token files: " + line);

            // The first caller goes into SoftHSM and waits there for the locks (it cannot be interrupted).
            CompletableFuture<GcmCiphertext> stuck = CompletableFuture.supplyAsync(() -> hsm.encrypt(key, AAD, plaintext));
            Thread.sleep(100);
            HsmStats during = hsm.stats().orElseThrow();
            assertEquals(1, during.sessionsInUse(), "the stuck caller holds the only session: " + during);
            assertEquals(1, during.sessionsMax());
            // The next caller finds the only session taken and gives up at the deadline, not later.
            long waited = millis(() -> {
                try {
                    hsm.encrypt(key, AAD, plaintext);
                } catch (HsmException e) {
                    assertEquals(HsmErrorKind.UNAVAILABLE, e.kind(), e.getMessage());
                }
            });
            assertTrue(waited < OPERATION_TIMEOUT.toMillis() + 500, "second caller waited " + waited + " ms");
            long healthMs = millis(() -> assertFalse(hsm.health().healthy()));
            assertTrue(healthMs < OPERATION_TIMEOUT.toMillis() + 500, "health answered in " + healthMs + " ms");
            failsFastUnavailable("encrypt while stalled", () -> hsm.encrypt(key, AAD, plaintext));
            System.out.printf("stall: second caller %d ms, health %d ms, breaker %s%n", waited, healthMs,
                    hsm.availability().describe());

            GcmCiphertext done = stuck.get(stallMillis + 10_000, TimeUnit.MILLISECONDS);
            await("recovered", () -> hsm.availability().up());
            assertEquals(0, hsm.reopenCount(), "a stall that ended needs no new module");
            assertEquals(new HsmStats(true, 0, 1, 0), hsm.stats().orElseThrow(), "session back, no re-initialisation");
            assertArrayEquals(plaintext, hsm.decrypt(key, done.iv(), AAD, done.ciphertextAndTag()));
        } finally {
            locker.destroy();
            locker.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
