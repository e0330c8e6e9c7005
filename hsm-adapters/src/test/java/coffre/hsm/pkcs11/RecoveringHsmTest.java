package coffre.hsm.pkcs11;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * The fault logic of {@link RecoveringHsm} against {@link FakeModule}: when it marks the module
 * down, that it then fails fast, how it recovers (with or without a new module), and that key
 * references and ciphertexts survive. The real-SoftHSM counterpart is {@code HsmFaultIT}.
 */
class RecoveringHsmTest {
    private static final Duration OPERATION_TIMEOUT = Duration.ofMillis(300);
    private static final byte[] AAD = "ctx".getBytes(StandardCharsets.UTF_8);
    private static final byte[] PLAINTEXT = "thirty-two bytes of data key!!!!".getBytes(StandardCharsets.UTF_8);

    private final FakeModule.Token token = new FakeModule.Token();
    private RecoveringHsm hsm;

    private RecoveringHsm open(Duration probeInterval) {
        hsm = RecoveringHsm.open(g -> FakeModule.open(token),
                new HsmTimeouts(OPERATION_TIMEOUT, probeInterval, Duration.ofMillis(20)));
        return hsm;
    }

    private RecoveringHsm open() {
        return open(Duration.ofMinutes(10));
    }

    @AfterEach
    void close() {
        if (hsm != null) {
            hsm.close();
        }
        CountDownLatch stall = token.stall;
        if (stall != null) {
            stall.countDown();
        }
    }

    private static long millis(Executable call) throws Throwable {
        long start = System.nanoTime();
        call.execute();
        return (System.nanoTime() - start) / 1_000_000;
    }

    private static HsmException unavailable(Executable call) {
        HsmException e = assertThrows(HsmException.class, call);
        assertEquals(HsmErrorKind.UNAVAILABLE, e.kind(), e.getMessage());
        return e;
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 10 s: " + what);
            }
            Thread.sleep(10);
        }
    }

    @Test
    void aDeviceFaultFailsFastThenANewModuleServesTheSameReferencesWithNothingLost() throws Throwable {
        open();
        HsmKeyRef key = hsm.generateKey("k1");
        HsmKeyRef mac = hsm.generateMacKey("m1");
        GcmCiphertext before = hsm.encrypt(key, AAD, PLAINTEXT);
        byte[] macBefore = hsm.hmacSha256(mac, AAD);
        assertEquals(new HsmStats(true, 0, 0, 0), hsm.stats().orElseThrow(), "up, never re-initialised");

        token.present = false;
        unavailable(() -> hsm.encrypt(key, AAD, PLAINTEXT));
        assertFalse(hsm.availability().up(), "a device fault marks the module down at once");
        assertFalse(hsm.stats().orElseThrow().available(), "the statistics say down too");
        int callsWhenDown = token.calls.get();
        for (Executable call : new Executable[] {() -> hsm.encrypt(key, AAD, PLAINTEXT),
                () -> hsm.decrypt(key, before.iv(), AAD, before.ciphertextAndTag()), () -> hsm.generateKey("k2"),
                () -> hsm.findKey("k1"), () -> hsm.hmacSha256(mac, AAD), () -> hsm.randomBytes(8)}) {
            assertTrue(millis(() -> unavailable(call)) < 100, "fails fast");
        }
        HsmHealth health = hsm.health();
        assertFalse(health.healthy());
        assertTrue(health.detail().startsWith("HSM unavailable since "), health.detail());
        assertTrue(health.detail().contains("device fault CKR_DEVICE_ERROR"), health.detail());
        assertEquals(callsWhenDown, token.calls.get(), "no call reached the module while down");

        token.present = true;
        await("recovered", () -> hsm.availability().up());
        assertEquals(1, hsm.reopenCount());
        assertEquals(new HsmStats(true, 0, 0, 1), hsm.stats().orElseThrow(), "up again, one re-initialisation");
        assertArrayEquals(PLAINTEXT, hsm.decrypt(key, before.iv(), AAD, before.ciphertextAndTag()), "old ciphertext opens");
        assertArrayEquals(macBefore, hsm.hmacSha256(mac, AAD), "same MAC key, same MAC");
        assertTrue(hsm.findKey("k1").isPresent());
        assertTrue(hsm.health().healthy());
        await("the replaced module closed", () -> token.closes.get() == 1);
    }

    @Test
    void keyPairReferencesSurviveANewModuleAndKeepTheirKind() throws Throwable {
        open();
        HsmKeyPair pair = hsm.generateKeyPair("p1", KeyPairSpec.EC_P256, KeyPairUsage.SIGN, Hsm.LabelCheck.SEARCH_TOKEN);
        HsmKeyRef aes = hsm.generateKey("k1");
        byte[] digest = new byte[32];
        byte[] before = hsm.signDigest(pair.privateKey(), SignatureScheme.ECDSA_SHA256, digest);
        assertEquals(0x30, before[0]);

        token.present = false;
        unavailable(() -> hsm.signDigest(pair.privateKey(), SignatureScheme.ECDSA_SHA256, digest));
        unavailable(() -> hsm.findKeyPair("p1"));
        unavailable(() -> hsm.generateKeyPair("p2", KeyPairSpec.EC_P256, KeyPairUsage.SIGN, Hsm.LabelCheck.SEARCH_TOKEN));
        token.present = true;
        await("recovered", () -> hsm.availability().up());

        // The reference is resolved on the new module by its label, as a key pair.
        assertEquals(0x30, hsm.signDigest(pair.privateKey(), SignatureScheme.ECDSA_SHA256, digest)[0]);
        HsmKeyPair found = hsm.findKeyPair("p1").orElseThrow();
        assertArrayEquals(pair.publicKeyDer(), found.publicKeyDer());
        assertEquals(pair.privateKey(), found.privateKey(), "one reference per label and kind");
        assertEquals(1, hsm.findKeyPairs(java.util.List.of("p1", "k1", "none")).size());
        assertThrows(IllegalArgumentException.class,
                () -> hsm.signDigest(FakeModule.open(token).findKeyPair("p1").orElseThrow().privateKey(), SignatureScheme.ECDSA_SHA256, digest));
        // An AES reference resolves as an AES key: the module refuses it for a key-pair operation, and the reverse.
        assertEquals(HsmErrorKind.INVALID_REQUEST, assertThrows(HsmException.class,
                () -> hsm.rsaOaepDecrypt(aes, new byte[256])).kind());
        assertEquals(HsmErrorKind.INVALID_REQUEST, assertThrows(HsmException.class,
                () -> hsm.encrypt(pair.privateKey(), AAD, PLAINTEXT)).kind());
        assertTrue(hsm.availability().up(), "a caller's mistake is no fault of the module");
        assertTrue(hsm.destroyKey("p1"));
        assertEquals(HsmErrorKind.KEY_NOT_FOUND, assertThrows(HsmException.class,
                () -> hsm.signDigest(pair.privateKey(), SignatureScheme.ECDSA_SHA256, digest)).kind());
    }

    @Test
    void aFailureWithoutADeviceCodeIsConfirmedByAProbeBeforeTheModuleIsMarkedDown() throws Throwable {
        open();
        HsmKeyRef key = hsm.generateKey("k1");
        token.lossCode = null;
        token.present = false;
        unavailable(() -> hsm.encrypt(key, AAD, PLAINTEXT));
        await("the probe marked the module down", () -> !hsm.availability().up());
        token.present = true;
        await("recovered", () -> hsm.availability().up());
        assertEquals(1, hsm.reopenCount());
        hsm.encrypt(key, AAD, PLAINTEXT);
    }

    @Test
    void aBrokenSessionOnAHealthyTokenNeedsNoNewModule() throws Throwable {
        open();
        HsmKeyRef key = hsm.generateKey("k1");
        token.failOnce.set(new HsmException(HsmErrorKind.UNAVAILABLE, "HSM encrypt failed: HSM unavailable",
                "CKR_SESSION_HANDLE_INVALID", null));
        unavailable(() -> hsm.encrypt(key, AAD, PLAINTEXT));
        Thread.sleep(200);
        assertTrue(hsm.availability().up(), "the probe found the token healthy");
        hsm.encrypt(key, AAD, PLAINTEXT);
        assertEquals(0, hsm.reopenCount());
        assertEquals(1, token.opens.get());
    }

    @Test
    void aKeyMissingFromAHealthyTokenIsUnavailableForThatKeyOnlyAndCausesNoReinitialisations() throws Throwable {
        open();
        HsmKeyRef gone = hsm.generateKey("gone");
        HsmKeyRef kept = hsm.generateKey("kept");
        // A new module (e.g. over a replaced token) that lacks a key handed out before.
        token.present = false;
        unavailable(() -> hsm.encrypt(gone, AAD, PLAINTEXT));
        token.aesKeys.remove("gone");
        token.present = true;
        await("recovered", () -> hsm.availability().up());
        HsmException e = unavailable(() -> hsm.encrypt(gone, AAD, PLAINTEXT));
        assertEquals("key 'gone' is not on the token now", e.getMessage());
        hsm.encrypt(kept, AAD, PLAINTEXT);
        int opens = token.opens.get();
        for (int i = 0; i < 5; i++) {
            unavailable(() -> hsm.encrypt(gone, AAD, PLAINTEXT));
        }
        Thread.sleep(200);
        assertEquals(opens, token.opens.get(), "no re-initialisation storm");
        assertTrue(hsm.availability().up());
    }

    @Test
    void aStalledHsmIsReportedWithinTheDeadlineOthersFailFastAndItRecoversWithoutANewModule() throws Throwable {
        open();
        HsmKeyRef key = hsm.generateKey("k1");
        token.stall = new CountDownLatch(1);
        CompletableFuture<GcmCiphertext> stuck = CompletableFuture.supplyAsync(() -> hsm.encrypt(key, AAD, PLAINTEXT));
        long healthMillis = millis(() -> {
            HsmHealth h = hsm.health();
            assertFalse(h.healthy());
            assertEquals("the HSM did not answer a health probe within hsm.operationTimeout (PT0.3S)", h.detail());
        });
        assertTrue(healthMillis >= 250 && healthMillis < 2_000, "answered at the deadline: " + healthMillis + " ms");
        assertTrue(millis(() -> unavailable(() -> hsm.encrypt(key, AAD, PLAINTEXT))) < 100, "others fail fast");
        assertFalse(stuck.isDone());

        token.stall.countDown();
        assertArrayEquals(PLAINTEXT, decrypt(key, stuck.get(5, TimeUnit.SECONDS)), "the stalled call completes");
        await("recovered", () -> hsm.availability().up());
        assertEquals(0, hsm.reopenCount(), "a stall that ended needs no new module");
        hsm.encrypt(key, AAD, PLAINTEXT);
    }

    private byte[] decrypt(HsmKeyRef key, GcmCiphertext ct) {
        return hsm.decrypt(key, ct.iv(), AAD, ct.ciphertextAndTag());
    }

    @Test
    void theBackgroundProbeNoticesALostTokenWithoutAnyCall() throws Throwable {
        open(Duration.ofMillis(50));
        HsmKeyRef key = hsm.generateKey("k1");
        token.present = false;
        await("marked down by the periodic probe", () -> !hsm.availability().up());
        token.present = true;
        await("recovered by itself", () -> hsm.availability().up());
        assertEquals(1, hsm.reopenCount());
        hsm.encrypt(key, AAD, PLAINTEXT);
    }

    @Test
    void whileTheTokenStaysAwayReopensAreRetriedAndCallsKeepFailingFast() throws Throwable {
        open();
        HsmKeyRef key = hsm.generateKey("k1");
        token.present = false;
        unavailable(() -> hsm.encrypt(key, AAD, PLAINTEXT));
        await("several failed attempts", () -> hsm.availability().failedAttempts() >= 3);
        assertTrue(hsm.availability().lastAttempt().contains("CKR_GENERAL_ERROR"), hsm.availability().lastAttempt());
        assertEquals("device fault CKR_DEVICE_ERROR", hsm.availability().reason());
        assertTrue(millis(() -> unavailable(() -> hsm.encrypt(key, AAD, PLAINTEXT))) < 100);
        token.present = true;
        await("recovered", () -> hsm.availability().up());
        hsm.encrypt(key, AAD, PLAINTEXT);
    }

    @Test
    void destroyedReferencesAreGoneForeignOnesRefusedAndAClosedInstanceRefusesWork() {
        open();
        HsmKeyRef key = hsm.generateKey("k1");
        assertTrue(hsm.destroyKey("k1"));
        HsmException e = assertThrows(HsmException.class, () -> hsm.encrypt(key, AAD, PLAINTEXT));
        assertEquals(HsmErrorKind.KEY_NOT_FOUND, e.kind());
        assertTrue(hsm.availability().up());
        HsmKeyRef again = hsm.generateKey("k1");
        assertNotEquals(key, again, "a new key under an old label is a new reference");
        hsm.encrypt(again, AAD, PLAINTEXT);

        try (RecoveringHsm other = RecoveringHsm.open(g -> FakeModule.open(token), HsmTimeouts.DEFAULTS)) {
            IllegalArgumentException foreign = assertThrows(IllegalArgumentException.class,
                    () -> other.encrypt(again, AAD, PLAINTEXT));
            assertEquals("HsmKeyRef HsmKeyRef[k1] was not issued by this Hsm", foreign.getMessage());
        }
        hsm.close();
        assertThrows(IllegalStateException.class, () -> hsm.encrypt(again, AAD, PLAINTEXT));
        assertEquals(new HsmHealth(false, "closed"), hsm.health());
    }

    @Test
    void theFirstModuleMustOpen() {
        token.present = false;
        HsmException e = assertThrows(HsmException.class,
                () -> RecoveringHsm.open(g -> FakeModule.open(token), HsmTimeouts.DEFAULTS));
        assertEquals(HsmErrorKind.UNAVAILABLE, e.kind());
    }
}
