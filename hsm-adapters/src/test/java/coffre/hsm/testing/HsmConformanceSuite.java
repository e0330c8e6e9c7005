package coffre.hsm.testing;

import coffre.hsm.GcmCiphertext;
import coffre.hsm.Hsm;
import coffre.hsm.HsmErrorKind;
import coffre.hsm.HsmException;
import coffre.hsm.HsmHealth;
import coffre.hsm.HsmKeyAttributes;
import coffre.hsm.HsmKeyRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The behaviour every {@link Hsm} implementation and every HSM profile must show. A backend runs it
 * by extending this class and saying how to open an instance; SoftHSM2 runs it on every build,
 * vendor HSMs run it on their own hardware before their profile is marked tested.
 *
 * <p>Each run uses labels with a random prefix, so it never meets keys of earlier runs on a
 * persistent token, and destroys its keys at the end. The key-pair tests come from
 * {@link KeyPairConformance}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class HsmConformanceSuite implements KeyPairConformance {

    /** A new, independent instance on the backend under test (the suite closes it). */
    protected abstract Hsm openHsm();

    /**
     * The token's keys as seen by a PKCS#11 client other than the implementation under test,
     * by label, so that tests also check what the token itself holds; empty when the backend
     * offers no such view (the pure-Java test HSM).
     */
    protected Optional<java.util.Map<String, SoftHsmTestToken.ToolObject>> independentView() {
        return Optional.empty();
    }

    protected Hsm hsm;
    private final String prefix = "conf-" + Long.toHexString(ThreadLocalRandom.current().nextLong()) + "-";
    private final List<String> made = new ArrayList<>();
    /** A key generated for the suite, shared by its tests. */
    protected HsmKeyRef key;
    private HsmKeyRef otherKey;

    @BeforeAll
    void openAndGenerate() {
        hsm = openHsm();
        key = generate("main");
        otherKey = generate("other");
    }

    @AfterAll
    void destroyAndClose() {
        if (hsm != null) {
            for (String label : made) {
                hsm.destroyKey(label);
            }
            hsm.close();
        }
    }

    protected String label(String name) {
        return prefix + name;
    }

    private final java.util.Map<String, coffre.hsm.HsmKeyPair> pairs = new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    public Hsm hsm() {
        return hsm;
    }

    @Override
    public Hsm openAnother() {
        return openHsm();
    }

    @Override
    public String newLabel(String name) {
        String label = label(name);
        made.add(label);
        return label;
    }

    @Override
    public coffre.hsm.HsmKeyPair pair(coffre.hsm.KeyPairSpec spec, coffre.hsm.KeyPairUsage usage) {
        return pairs.computeIfAbsent(spec + "-" + usage, name -> hsm.generateKeyPair(newLabel("pair-" + name), spec, usage,
                Hsm.LabelCheck.SEARCH_TOKEN));
    }

    protected HsmKeyRef generate(String name) {
        String label = label(name);
        made.add(label);
        return hsm.generateKey(label);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    // ---- keys ----

    @Test
    void generatedKeyReadsBackAsSensitiveLocalNeverExtractable() {
        HsmKeyAttributes a = hsm.describeKey(key.label());
        assertEquals(new HsmKeyAttributes(key.label(), true, true, false, true, true, 32), a);
    }


    @Test
    void findKeyReturnsAUsableReferenceToTheSameKey() {
        HsmKeyRef found = hsm.findKey(key.label()).orElseThrow();
        assertEquals(key.label(), found.label());
        GcmCiphertext ct = hsm.encrypt(key, bytes("a"), bytes("p"));
        assertArrayEquals(bytes("p"), hsm.decrypt(found, ct.iv(), bytes("a"), ct.ciphertextAndTag()));
    }

    @Test
    void findKeysFindsManyAtOnceLeavesOutTheUnknownAndMacKeysAndAgreesWithFindKey() {
        HsmKeyRef other = generate("bulk-other");
        String mac = label("bulk-mac");
        made.add(mac);
        hsm.generateMacKey(mac);
        String unknown = label("bulk-never-made");
        java.util.Map<String, HsmKeyRef> found = hsm.findKeys(List.of(key.label(), unknown, other.label(), mac));
        assertEquals(Set.of(key.label(), other.label()), found.keySet(), "AES keys only, unknown labels absent");
        GcmCiphertext ct = hsm.encrypt(key, bytes("a"), bytes("p"));
        assertArrayEquals(bytes("p"), hsm.decrypt(found.get(key.label()), ct.iv(), bytes("a"), ct.ciphertextAndTag()));
        GcmCiphertext ct2 = hsm.encrypt(found.get(other.label()), bytes("b"), bytes("q"));
        assertArrayEquals(bytes("q"), hsm.decrypt(hsm.findKey(other.label()).orElseThrow(), ct2.iv(), bytes("b"),
                ct2.ciphertextAndTag()));
        assertEquals(java.util.Map.of(), hsm.findKeys(List.of()));
        assertThrows(IllegalArgumentException.class, () -> hsm.findKeys(List.of("bad label\n")));
    }

    @Test
    void aSecondInstanceFindsManyKeysOfTheFirstAtOnce() {
        HsmKeyRef other = generate("bulk-second");
        GcmCiphertext ct = hsm.encrypt(other, new byte[0], bytes("bulk"));
        try (Hsm second = openHsm()) {
            java.util.Map<String, HsmKeyRef> found = second.findKeys(List.of(key.label(), other.label()));
            assertEquals(2, found.size());
            assertArrayEquals(bytes("bulk"), second.decrypt(found.get(other.label()), ct.iv(), new byte[0],
                    ct.ciphertextAndTag()));
        }
    }

    @Test
    void findKeyOfAnUnknownLabelIsEmpty() {
        assertEquals(Optional.empty(), hsm.findKey(label("never-made")));
    }

    @Test
    void describeKeyOfAnUnknownLabelIsKeyNotFound() {
        HsmException e = assertThrows(HsmException.class, () -> hsm.describeKey(label("never-made")));
        assertEquals(HsmErrorKind.KEY_NOT_FOUND, e.kind());
    }

    @Test
    void generatingAnExistingLabelIsRefusedAndKeepsTheKey() {
        GcmCiphertext ct = hsm.encrypt(key, new byte[0], bytes("kept"));
        HsmException e = assertThrows(HsmException.class, () -> hsm.generateKey(key.label()));
        assertEquals(HsmErrorKind.INVALID_REQUEST, e.kind());
        assertEquals("a key labelled '" + key.label() + "' already exists", e.getMessage());
        assertArrayEquals(bytes("kept"), hsm.decrypt(key, ct.iv(), new byte[0], ct.ciphertextAndTag()));
    }

    @Test
    void destroyKeyRemovesTheObjectAndReturnsFalseTheSecondTime() {
        HsmKeyRef doomed = generate("doomed");
        assertTrue(independentView().map(v -> v.containsKey(doomed.label())).orElse(true));
        assertTrue(hsm.destroyKey(doomed.label()));
        assertEquals(Optional.empty(), hsm.findKey(doomed.label()));
        assertFalse(independentView().map(v -> v.containsKey(doomed.label())).orElse(false),
                "an independent client still lists the destroyed key");
        assertFalse(hsm.destroyKey(doomed.label()));
        HsmException e = assertThrows(HsmException.class, () -> hsm.encrypt(doomed, new byte[0], bytes("x")));
        assertEquals(HsmErrorKind.KEY_NOT_FOUND, e.kind());
        assertEquals(HsmErrorKind.KEY_NOT_FOUND,
                assertThrows(HsmException.class, () -> hsm.describeKey(doomed.label())).kind());
    }

    @Test
    void invalidLabelsAreRefusedWithTheRule() {
        for (String bad : new String[] {"", "has space", "x".repeat(129), "é"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> hsm.findKey(bad));
            assertEquals("key label must be 1..128 characters of [A-Za-z0-9._:/@+=-], got '" + bad + "'", e.getMessage());
        }
    }

    // ---- AES-GCM ----

    @ParameterizedTest(name = "plaintext of {0} bytes")
    @ValueSource(ints = {0, 1, 16, 32, 1000, 65536})
    void encryptThenDecryptRoundTripsWithAad(int size) {
        byte[] pt = new byte[size];
        ThreadLocalRandom.current().nextBytes(pt);
        byte[] aad = bytes("header|context=billing");
        GcmCiphertext ct = hsm.encrypt(key, aad, pt);
        assertEquals(GcmCiphertext.IV_LENGTH, ct.iv().length);
        assertEquals(size + GcmCiphertext.TAG_LENGTH, ct.ciphertextAndTag().length);
        assertArrayEquals(pt, hsm.decrypt(key, ct.iv(), aad, ct.ciphertextAndTag()));
    }

    @Test
    void emptyAadRoundTrips() {
        GcmCiphertext ct = hsm.encrypt(key, new byte[0], bytes("no aad"));
        assertArrayEquals(bytes("no aad"), hsm.decrypt(key, ct.iv(), new byte[0], ct.ciphertextAndTag()));
    }

    @Test
    void nullAadIsACallerError() {
        assertThrows(NullPointerException.class, () -> hsm.encrypt(key, null, bytes("x")));
    }

    /** Every way a ciphertext can be wrong. */
    public enum Tamper {
        AAD, IV, CIPHERTEXT, TAG, WRONG_KEY, TRUNCATED_TAG, ONLY_PART_OF_TAG, EMPTY, IV_TOO_SHORT, IV_TOO_LONG, EXTRA_BYTE, NO_AAD
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Tamper.class)
    void everyTamperIsTheSameAuthenticationFailure(Tamper tamper) {
        byte[] aad = bytes("aad");
        GcmCiphertext ct = hsm.encrypt(key, aad, bytes("thirty-two bytes of plaintext!!!"));
        byte[] iv = ct.iv().clone();
        byte[] body = ct.ciphertextAndTag().clone();
        byte[] a = aad.clone();
        HsmKeyRef k = key;
        switch (tamper) {
            case AAD -> a[0] ^= 1;
            case IV -> iv[11] ^= 0x40;
            case CIPHERTEXT -> body[3] ^= 1;
            case TAG -> body[body.length - 1] ^= (byte) 0x80;
            case WRONG_KEY -> k = otherKey;
            case TRUNCATED_TAG -> body = Arrays.copyOf(body, body.length - 1);
            case ONLY_PART_OF_TAG -> body = Arrays.copyOf(body, GcmCiphertext.TAG_LENGTH - 1);
            case EMPTY -> body = new byte[0];
            case IV_TOO_SHORT -> iv = Arrays.copyOf(iv, 8);
            case IV_TOO_LONG -> iv = Arrays.copyOf(iv, 16);
            case EXTRA_BYTE -> body = Arrays.copyOf(body, body.length + 1);
            case NO_AAD -> a = new byte[0];
        }
        HsmKeyRef useKey = k;
        byte[] useIv = iv;
        byte[] useBody = body;
        byte[] useAad = a;
        HsmException e = assertThrows(HsmException.class, () -> hsm.decrypt(useKey, useIv, useAad, useBody));
        assertEquals(HsmErrorKind.AUTHENTICATION_FAILED, e.kind());
        assertEquals("authentication failed", e.getMessage());
        assertEquals(Optional.empty(), e.pkcs11Code());
        assertEquals(null, e.getCause());
        // The key still works afterwards (no broken session or cipher left behind).
        assertArrayEquals(bytes("thirty-two bytes of plaintext!!!"), hsm.decrypt(key, ct.iv(), aad, ct.ciphertextAndTag()));
    }

    @Test
    void everyEncryptionUsesAFreshIv() {
        Set<String> ivs = new HashSet<>();
        Set<String> bodies = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            GcmCiphertext ct = hsm.encrypt(key, new byte[0], bytes("same plaintext"));
            ivs.add(Arrays.toString(ct.iv()));
            bodies.add(Arrays.toString(ct.ciphertextAndTag()));
        }
        assertEquals(200, ivs.size());
        assertEquals(200, bodies.size());
    }

    @Test
    void keysAreIndependent() {
        GcmCiphertext a = hsm.encrypt(key, new byte[0], bytes("x"));
        assertEquals(HsmErrorKind.AUTHENTICATION_FAILED, assertThrows(HsmException.class,
                () -> hsm.decrypt(otherKey, a.iv(), new byte[0], a.ciphertextAndTag())).kind());
    }

    @Test
    void concurrentCallersEachGetTheirOwnCorrectResult() throws Exception {
        int threads = 8;
        int perThread = 150;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                Callable<Integer> job = () -> {
                    int ok = 0;
                    for (int i = 0; i < perThread; i++) {
                        HsmKeyRef k = (i + id) % 2 == 0 ? key : otherKey;
                        byte[] pt = bytes("thread " + id + " op " + i);
                        byte[] aad = bytes("aad " + id + "/" + i);
                        GcmCiphertext ct = hsm.encrypt(k, aad, pt);
                        if (i % 10 == 0) {
                            byte[] bad = ct.ciphertextAndTag().clone();
                            bad[0] ^= 1;
                            try {
                                hsm.decrypt(k, ct.iv(), aad, bad);
                                return -1;
                            } catch (HsmException e) {
                                if (e.kind() != HsmErrorKind.AUTHENTICATION_FAILED) {
                                    throw e;
                                }
                            }
                        }
                        if (Arrays.equals(pt, hsm.decrypt(k, ct.iv(), aad, ct.ciphertextAndTag()))) {
                            ok++;
                        }
                    }
                    return ok;
                };
                results.add(pool.submit(job));
            }
            for (Future<Integer> f : results) {
                assertEquals(perThread, f.get(60, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    // ---- HMAC keys ----

    protected HsmKeyRef generateMac(String name) {
        String label = label(name);
        made.add(label);
        return hsm.generateMacKey(label);
    }

    @Test
    void macsAreDeterministicPerKeyAndData() {
        HsmKeyRef mac = generateMac("mac-deterministic");
        byte[] first = hsm.hmacSha256(mac, bytes("head 1"));
        assertEquals(32, first.length);
        assertArrayEquals(first, hsm.hmacSha256(mac, bytes("head 1")));
        assertFalse(Arrays.equals(first, hsm.hmacSha256(mac, bytes("head 2"))));
        assertFalse(Arrays.equals(first, hsm.hmacSha256(generateMac("mac-other"), bytes("head 1"))));
    }

    @Test
    void aSecondInstanceFindsTheMacKeyAndComputesTheSameMac() {
        HsmKeyRef mac = generateMac("mac-shared");
        byte[] expected = hsm.hmacSha256(mac, bytes("checkpoint"));
        try (Hsm second = openHsm()) {
            HsmKeyRef found = second.findMacKey(mac.label()).orElseThrow();
            assertArrayEquals(expected, second.hmacSha256(found, bytes("checkpoint")));
            assertThrows(IllegalArgumentException.class, () -> second.hmacSha256(mac, bytes("x")));
        }
        assertArrayEquals(expected, hsm.hmacSha256(hsm.findMacKey(mac.label()).orElseThrow(), bytes("checkpoint")));
    }

    protected HsmKeyRef importMac(String name, byte[] value) {
        String label = label(name);
        made.add(label);
        return hsm.importMacKey(label, value);
    }

    @Test
    void anImportedMacKeyComputesTheStandardHmacOfItsValue() throws Exception {
        // An AWS SigV4 secret as the XKS proxy stores it: "AWS4" + secret, HMAC'd with the date.
        byte[] value = bytes("AWS4FYtE5EFA5FT0mCc3DrGUe2sti527BitkQ0Zr9MO9fvE");
        HsmKeyRef mac = importMac("mac-imported", value.clone());
        javax.crypto.Mac jdk = javax.crypto.Mac.getInstance("HmacSHA256");
        jdk.init(new javax.crypto.spec.SecretKeySpec(value, "HmacSHA256"));
        assertArrayEquals(jdk.doFinal(bytes("20261207")), hsm.hmacSha256(mac, bytes("20261207")));
        assertArrayEquals(hsm.hmacSha256(mac, bytes("x")), hsm.hmacSha256(hsm.findMacKey(mac.label()).orElseThrow(), bytes("x")));
        assertEquals(HsmErrorKind.INVALID_REQUEST,
                assertThrows(HsmException.class, () -> hsm.encrypt(mac, new byte[0], bytes("x"))).kind());
    }

    @Test
    void importingRefusesTakenLabelsAndValuesOutOfBounds() {
        HsmException taken = assertThrows(HsmException.class, () -> hsm.importMacKey(key.label(), new byte[32]));
        assertEquals(HsmErrorKind.INVALID_REQUEST, taken.kind());
        assertEquals("a key labelled '" + key.label() + "' already exists", taken.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> hsm.importMacKey(label("mac-short"), new byte[Hsm.MIN_IMPORTED_MAC_BYTES - 1]));
        assertThrows(IllegalArgumentException.class,
                () -> hsm.importMacKey(label("mac-long"), new byte[Hsm.MAX_IMPORTED_MAC_BYTES + 1]));
        assertThrows(NullPointerException.class, () -> hsm.importMacKey(label("mac-null"), null));
        assertEquals(Optional.empty(), hsm.findMacKey(label("mac-short")));
        assertEquals(Optional.empty(), hsm.findMacKey(label("mac-long")));
    }

    @Test
    void macKeysAndAesKeysAreNotInterchangeable() {
        HsmKeyRef mac = generateMac("mac-kind");
        assertEquals(Optional.empty(), hsm.findMacKey(key.label()));
        assertEquals(Optional.empty(), hsm.findKey(mac.label()));
        assertEquals(HsmErrorKind.INVALID_REQUEST, assertThrows(HsmException.class, () -> hsm.hmacSha256(key, bytes("x"))).kind());
        assertEquals(HsmErrorKind.INVALID_REQUEST,
                assertThrows(HsmException.class, () -> hsm.encrypt(mac, new byte[0], bytes("x"))).kind());
        HsmException taken = assertThrows(HsmException.class, () -> hsm.generateMacKey(key.label()));
        assertEquals(HsmErrorKind.INVALID_REQUEST, taken.kind());
        assertEquals("a key labelled '" + key.label() + "' already exists", taken.getMessage());
        assertEquals(HsmErrorKind.INVALID_REQUEST, assertThrows(HsmException.class, () -> hsm.generateMacKey(mac.label())).kind());
    }

    @Test
    void findMacKeyOfAnUnknownLabelIsEmptyAndBadLabelsAreRefused() {
        assertEquals(Optional.empty(), hsm.findMacKey(label("never-made-mac")));
        assertThrows(IllegalArgumentException.class, () -> hsm.generateMacKey("has space"));
    }

    // ---- randomness ----

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {0, 1, 12, 32, 1000, 65536})
    void randomBytesHaveTheRequestedLength(int n) {
        assertEquals(n, hsm.randomBytes(n).length);
    }

    @Test
    void randomBytesDiffer() {
        assertFalse(Arrays.equals(hsm.randomBytes(32), hsm.randomBytes(32)));
    }

    @Test
    void negativeOrHugeRandomLengthsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> hsm.randomBytes(-1));
        assertThrows(IllegalArgumentException.class, () -> hsm.randomBytes(65537));
    }

    // ---- lifecycle ----

    @Test
    void aSecondInstanceFindsKeysOfTheFirstAndTheFirstFindsKeysOfTheSecond() {
        GcmCiphertext ct = hsm.encrypt(key, bytes("ctx"), bytes("survives a restart"));
        try (Hsm second = openHsm()) {
            HsmKeyRef again = second.findKey(key.label()).orElseThrow();
            assertArrayEquals(bytes("survives a restart"), second.decrypt(again, ct.iv(), bytes("ctx"), ct.ciphertextAndTag()));
            String label = label("made-by-second");
            made.add(label);
            HsmKeyRef fromSecond = second.generateKey(label);
            GcmCiphertext ct2 = second.encrypt(fromSecond, new byte[0], bytes("from second"));
            HsmKeyRef seenByFirst = hsm.findKey(label).orElseThrow();
            assertArrayEquals(bytes("from second"), hsm.decrypt(seenByFirst, ct2.iv(), new byte[0], ct2.ciphertextAndTag()));
            // A reference belongs to the instance that issued it.
            assertThrows(IllegalArgumentException.class, () -> hsm.encrypt(fromSecond, new byte[0], bytes("x")));
        }
        // Closing the second instance must not log the first out.
        assertTrue(hsm.health().healthy(), hsm.health().detail());
        assertArrayEquals(bytes("survives a restart"), hsm.decrypt(key, ct.iv(), bytes("ctx"), ct.ciphertextAndTag()));
    }


    @Test
    void healthIsGoodAndInfoHoldsNoSecret() {
        HsmHealth h = hsm.health();
        assertTrue(h.healthy(), h.detail());
        assertNotEquals("", hsm.info().tokenLabel());
    }

    @Test
    void aClosedInstanceRefusesWorkAndReportsUnhealthy() {
        Hsm extra = openHsm();
        HsmKeyRef k = extra.findKey(key.label()).orElseThrow();
        extra.close();
        assertFalse(extra.health().healthy());
        assertThrows(IllegalStateException.class, () -> extra.encrypt(k, new byte[0], bytes("x")));
        extra.close(); // idempotent
        assertTrue(hsm.health().healthy());
    }
}
