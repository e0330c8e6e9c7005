package coffre.hsm.pkcs11;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.hsm.HsmErrorKind;
import coffre.hsm.HsmException;
import coffre.hsm.HsmKeyAttributes;
import coffre.hsm.HsmKeyRef;
import coffre.hsm.testing.SoftHsmTestToken;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * HMAC-SHA-256 keys made and used inside a real SoftHSM token (the audit checkpoint key): what the
 * token says about the key, MAC behaviour, lookups across instances, refusals, and correctness
 * against RFC 4231 with known keys imported by the test only.
 */
class MacKeysIT {
    private static final SoftHsmTestToken TOKEN = SoftHsmTestToken.get();
    private static final HexFormat HEX = HexFormat.of();
    private static final byte[] DATA = "chain head 42".getBytes(StandardCharsets.UTF_8);

    private static Pkcs11Hsm hsm;
    private static final List<String> MADE = new ArrayList<>();

    @BeforeAll
    static void open() {
        hsm = Pkcs11Hsm.open(TOKEN.config(2));
    }

    @AfterAll
    static void destroyAndClose() {
        MADE.forEach(hsm::destroyKey);
        hsm.close();
    }

    private static String label() {
        String label = "test-mac-" + UUID.randomUUID();
        MADE.add(label);
        return label;
    }

    @Test
    void theTokenReportsTheKeyAsGeneratedInsideSensitiveNeverExtractableAndSignOnly() {
        String label = label();
        hsm.generateMacKey(label);
        Pkcs11Native m = Pkcs11Native.connect(TOKEN.library());
        long s = m.openSession(SlotResolver.resolve(m, TokenSelector.label(TOKEN.label())));
        try {
            long[] handles = m.findObjects(s, KeyTemplates.findMacByLabel(label));
            assertEquals(1, handles.length);
            long h = handles[0];
            assertEquals(Pkcs11Native.CKO_SECRET_KEY, m.longAttribute(s, h, Pkcs11Native.CKA_CLASS).orElseThrow());
            assertEquals(Pkcs11Native.CKK_GENERIC_SECRET, m.longAttribute(s, h, Pkcs11Native.CKA_KEY_TYPE).orElseThrow());
            assertEquals(32L, m.longAttribute(s, h, Pkcs11Native.CKA_VALUE_LEN).orElseThrow());
            for (long yes : new long[] {Pkcs11Native.CKA_TOKEN, Pkcs11Native.CKA_PRIVATE, Pkcs11Native.CKA_SENSITIVE,
                    Pkcs11Native.CKA_ALWAYS_SENSITIVE, Pkcs11Native.CKA_NEVER_EXTRACTABLE, Pkcs11Native.CKA_LOCAL,
                    Pkcs11Native.CKA_SIGN, Pkcs11Native.CKA_VERIFY}) {
                assertEquals(Boolean.TRUE, m.booleanAttribute(s, h, yes).orElseThrow(), "attribute 0x" + Long.toHexString(yes));
            }
            for (long no : new long[] {Pkcs11Native.CKA_EXTRACTABLE, Pkcs11Native.CKA_ENCRYPT, Pkcs11Native.CKA_DECRYPT,
                    Pkcs11Native.CKA_WRAP, Pkcs11Native.CKA_UNWRAP, Pkcs11Native.CKA_DERIVE}) {
                assertEquals(Boolean.FALSE, m.booleanAttribute(s, h, no).orElseThrow(), "attribute 0x" + Long.toHexString(no));
            }
        } finally {
            m.closeSession(s);
        }
        // The same, seen by a PKCS#11 client that is not the JDK (pkcs11-tool never prints "sign" for secret keys).
        SoftHsmTestToken.ToolObject object = TOKEN.pkcs11ToolObjects().get(label);
        assertTrue(object.type().contains("Generic secret length 32"), object.type());
        assertTrue(object.sensitive() && object.alwaysSensitive() && object.neverExtractable() && object.local(),
                object.access().toString());
        assertFalse(object.extractable());
        assertTrue(object.usage().contains("verify"), object.usage().toString());
        for (String forbidden : Set.of("encrypt", "decrypt", "wrap", "unwrap", "derive")) {
            assertFalse(object.usage().contains(forbidden), object.usage().toString());
        }
        assertEquals(new HsmKeyAttributes(label, true, true, false, true, true, 32), hsm.describeKey(label));
    }

    @Test
    void macsAreDeterministicPerKeyAndData() {
        HsmKeyRef key = hsm.generateMacKey(label());
        byte[] first = hsm.hmacSha256(key, DATA);
        assertEquals(32, first.length);
        assertArrayEquals(first, hsm.hmacSha256(key, DATA));
        assertFalse(Arrays.equals(first, hsm.hmacSha256(key, "chain head 43".getBytes(StandardCharsets.UTF_8))));
        assertFalse(Arrays.equals(first, hsm.hmacSha256(hsm.generateMacKey(label()), DATA)));
        assertEquals(32, hsm.hmacSha256(key, new byte[0]).length);
        assertThrows(NullPointerException.class, () -> hsm.hmacSha256(key, null));
    }

    @Test
    void aNewInstanceOnTheSameTokenFindsTheKeyAndComputesTheSameMac() {
        String label = label();
        HsmKeyRef key = hsm.generateMacKey(label);
        byte[] expected = hsm.hmacSha256(key, DATA);
        assertEquals(key, hsm.findMacKey(label).orElseThrow(), "one reference per label");
        try (Pkcs11Hsm again = Pkcs11Hsm.open(TOKEN.config(1))) {
            HsmKeyRef found = again.findMacKey(label).orElseThrow();
            assertEquals(label, found.label());
            assertArrayEquals(expected, again.hmacSha256(found, DATA));
            IllegalArgumentException foreign = assertThrows(IllegalArgumentException.class, () -> again.hmacSha256(key, DATA));
            assertEquals("HsmKeyRef HsmKeyRef[" + label + ", HMAC] was not issued by this Hsm", foreign.getMessage());
        }
    }

    @Test
    void aesKeysAndMacKeysAreNotInterchangeable() {
        String aes = label();
        String mac = label();
        HsmKeyRef aesKey = hsm.generateKey(aes);
        HsmKeyRef macKey = hsm.generateMacKey(mac);
        assertTrue(hsm.findMacKey(aes).isEmpty(), "an AES key is not found as a MAC key");
        assertTrue(hsm.findKey(mac).isEmpty(), "a MAC key is not found as an AES key");
        HsmException hmacWithAes = assertThrows(HsmException.class, () -> hsm.hmacSha256(aesKey, DATA));
        assertEquals(HsmErrorKind.INVALID_REQUEST, hmacWithAes.kind());
        assertEquals("key '" + aes + "' is an AES key; HMAC needs a key made by generateMacKey", hmacWithAes.getMessage());
        HsmException encryptWithMac = assertThrows(HsmException.class, () -> hsm.encrypt(macKey, new byte[0], DATA));
        assertEquals(HsmErrorKind.INVALID_REQUEST, encryptWithMac.kind());
        assertEquals("key '" + mac + "' is an HMAC key; encrypt and decrypt need an AES key", encryptWithMac.getMessage());
    }

    @Test
    void aLabelNamesOneKeyOfEitherKind() {
        String aes = label();
        String mac = label();
        hsm.generateKey(aes);
        hsm.generateMacKey(mac);
        for (String taken : List.of(aes, mac)) {
            HsmException asMac = assertThrows(HsmException.class, () -> hsm.generateMacKey(taken));
            assertEquals(HsmErrorKind.INVALID_REQUEST, asMac.kind());
            assertEquals("a key labelled '" + taken + "' already exists", asMac.getMessage());
            assertEquals(HsmErrorKind.INVALID_REQUEST, assertThrows(HsmException.class, () -> hsm.generateKey(taken)).kind());
        }
    }

    @Test
    void missingAndInvalidLabels() {
        assertTrue(hsm.findMacKey("test-mac-never-made-" + UUID.randomUUID()).isEmpty());
        for (String bad : new String[] {"", "bad label!", "x".repeat(129), "é"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> hsm.generateMacKey(bad));
            assertEquals("key label must be 1..128 characters of [A-Za-z0-9._:/@+=-], got '" + bad + "'", e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> hsm.findMacKey(bad));
        }
        assertThrows(IllegalArgumentException.class, () -> hsm.generateMacKey(null));
    }

    @Test
    void aDestroyedMacKeyIsGoneForEveryReference() {
        String label = label();
        HsmKeyRef key = hsm.generateMacKey(label);
        hsm.hmacSha256(key, DATA);
        assertTrue(hsm.destroyKey(label));
        assertEquals(HsmErrorKind.KEY_NOT_FOUND, assertThrows(HsmException.class, () -> hsm.hmacSha256(key, DATA)).kind());
        assertTrue(hsm.findMacKey(label).isEmpty());
        assertTrue(TOKEN.pkcs11ToolObjects().get(label) == null, "pkcs11-tool still lists the destroyed key");
        assertFalse(hsm.destroyKey(label));
    }

    @Test
    void concurrentCallersEachGetTheRightMac() throws Exception {
        HsmKeyRef a = hsm.generateMacKey(label());
        HsmKeyRef b = hsm.generateMacKey(label());
        byte[] expectedA = hsm.hmacSha256(a, DATA);
        byte[] expectedB = hsm.hmacSha256(b, DATA);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int id = t;
                results.add(pool.submit(() -> {
                    for (int i = 0; i < 100; i++) {
                        boolean useA = (i + id) % 2 == 0;
                        if (!Arrays.equals(useA ? expectedA : expectedB, hsm.hmacSha256(useA ? a : b, DATA))) {
                            return false;
                        }
                    }
                    return true;
                }));
            }
            for (Future<Boolean> f : results) {
                assertTrue(f.get(60, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** One RFC 4231 test case. */
    record Rfc4231(int number, byte[] key, byte[] data, String mac) {
        @Override
        public String toString() {
            return "RFC 4231 case " + number + " (" + key.length + "-byte key)";
        }
    }

    static Stream<Rfc4231> rfc4231() throws IOException {
        try (InputStream in = MacKeysIT.class.getResourceAsStream("/vectors/rfc4231/hmac_sha256.txt")) {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII).lines()
                    .filter(l -> !l.isBlank() && !l.startsWith("#"))
                    .map(l -> l.split(" "))
                    .map(f -> new Rfc4231(Integer.parseInt(f[0]), HEX.parseHex(f[1]), HEX.parseHex(f[2]), f[3]))
                    .toList().stream();
        }
    }

    /**
     * The HSM's HMAC over a known imported key equals RFC 4231 and the JDK's software HMAC. SoftHSM
     * 2.6.1 refuses HMAC-SHA-256 keys shorter than 32 bytes (CKR_KEY_SIZE_RANGE, cases 1-5): Coffre
     * only makes 32-byte keys, and the refusal must be a clean INVALID_REQUEST.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("rfc4231")
    void macsMatchRfc4231AndTheSoftwareHmac(Rfc4231 vector) throws GeneralSecurityException {
        String label = label();
        KnownKeyImport.importMacKey(TOKEN, label, vector.key());
        HsmKeyRef key = hsm.findMacKey(label).orElseThrow();
        if (vector.key().length < KeyTemplates.MAC_KEY_BYTES) {
            HsmException e = assertThrows(HsmException.class, () -> hsm.hmacSha256(key, vector.data()));
            assertEquals(HsmErrorKind.INVALID_REQUEST, e.kind());
            assertEquals("CKR_KEY_SIZE_RANGE", e.pkcs11Code().orElseThrow());
            return;
        }
        byte[] mac = hsm.hmacSha256(key, vector.data());
        assertEquals(vector.mac(), HEX.formatHex(mac).substring(0, vector.mac().length()));
        assertArrayEquals(software(vector.key(), vector.data()), mac);
    }

    @Test
    void macsMatchTheSoftwareHmacForRandom32ByteKeysAndData() throws GeneralSecurityException {
        for (int i = 0; i < 5; i++) {
            byte[] keyBytes = new byte[32];
            byte[] data = new byte[ThreadLocalRandom.current().nextInt(0, 300)];
            ThreadLocalRandom.current().nextBytes(keyBytes);
            ThreadLocalRandom.current().nextBytes(data);
            String label = label();
            KnownKeyImport.importMacKey(TOKEN, label, keyBytes);
            assertArrayEquals(software(keyBytes, data), hsm.hmacSha256(hsm.findMacKey(label).orElseThrow(), data));
        }
    }

    private static byte[] software(byte[] key, byte[] data) throws GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA256", "SunJCE");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac.doFinal(data);
    }
}
