package coffre.hsm.pkcs11;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.hsm.GcmCiphertext;
import coffre.hsm.Hsm.LabelCheck;
import coffre.hsm.HsmErrorKind;
import coffre.hsm.HsmException;
import coffre.hsm.HsmKeyAttributes;
import coffre.hsm.HsmKeyRef;
import coffre.hsm.testing.KeysInChildProcess;
import coffre.hsm.testing.SoftHsmTestToken;
import java.io.IOException;
import java.lang.ref.WeakReference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Keys made by {@code C_GenerateKey} and loaded from their handles ({@link TokenKeyLoader}), on a
 * SoftHSM2 token of their own ({@value #LABEL}) served by two independent modules: each
 * {@link Pkcs11Hsm} here loads its own byte copy of the library, so module {@code b} learns of
 * module {@code a}'s keys only from the token files, as another process would. Only {@code a}
 * writes the token (SoftHSM's file locks are per process, see DESIGN.md).
 *
 * <p>What must hold: a key made by one module is found and used by the other at once, without
 * any KeyStore reload; the object has exactly the secure attributes; a key object that is
 * garbage-collected never takes the token object with it; and without the loader (reflection
 * refused, or a JVM without {@code --add-opens}) the KeyStore fallback still does everything.
 */
class TokenKeysByHandleIT {
    private static final String LABEL = "coffre-handles";
    private static final SoftHsmTestToken TOKEN = SoftHsmTestToken.get(LABEL);
    private static final byte[] AAD = "tenant=handles".getBytes(StandardCharsets.UTF_8);
    private static final HexFormat HEX = HexFormat.of();

    private static final List<String> MADE = new ArrayList<>();
    private static Path libraryA;
    private static Path libraryB;
    private static Pkcs11Hsm a;
    private static Pkcs11Hsm b;

    @BeforeAll
    static void openTwoModules() throws IOException {
        Path dir = TOKEN.confPath().resolveSibling("handles-libraries-" + UUID.randomUUID());
        Files.createDirectories(dir);
        libraryA = Files.copy(TOKEN.library(), dir.resolve("a-libsofthsm2.so"));
        libraryB = Files.copy(TOKEN.library(), dir.resolve("b-libsofthsm2.so"));
        a = Pkcs11Hsm.open(TOKEN.config(2, true).withLibrary(libraryA));
        b = Pkcs11Hsm.open(TOKEN.config(2, true).withLibrary(libraryB));
    }

    @AfterAll
    static void destroyAndClose() throws IOException {
        try {
            if (a != null) {
                MADE.forEach(a::destroyKey);
            }
        } finally {
            if (b != null) {
                b.close();
            }
            if (a != null) {
                a.close();
            }
            // The modules stay mapped; the files are not needed any more.
            for (Path p : new Path[] {libraryA, libraryB}) {
                if (p != null) {
                    Files.deleteIfExists(p);
                }
            }
            if (libraryA != null) {
                Files.deleteIfExists(libraryA.getParent());
            }
        }
    }

    private static String label() {
        String label = "handles-" + UUID.randomUUID();
        MADE.add(label);
        return label;
    }

    private static byte[] random(int n) {
        byte[] bytes = new byte[n];
        new SecureRandom().nextBytes(bytes);
        return bytes;
    }

    @Test
    void aKeyMadeByOneModuleIsUsedByAnotherAtOnceWithoutAnyKeyStoreReload() {
        assertTrue(a.loadsKeysByHandle() && b.loadsKeysByHandle(), "this JVM runs with the --add-opens flag");
        String label = label();
        // b was opened before the key existed: its KeyStore has never heard of it.
        HsmKeyRef made = a.generateKey(label);
        byte[] pt = random(32);
        GcmCiphertext ct = a.encrypt(made, AAD, pt);

        HsmKeyRef found = b.findKey(label).orElseThrow();
        assertArrayEquals(pt, b.decrypt(found, ct.iv(), AAD, ct.ciphertextAndTag()));
        GcmCiphertext back = b.encrypt(found, AAD, pt);
        assertArrayEquals(pt, a.decrypt(made, back.iv(), AAD, back.ciphertextAndTag()));
        assertEquals(0, a.keyStoreReloads(), "module a listed the token again");
        assertEquals(0, b.keyStoreReloads(), "module b listed the token again");

        // The label is destroyed and made again (another key): b's reference follows the new object.
        assertTrue(a.destroyKey(label));
        HsmKeyRef remade = a.generateKey(label);
        GcmCiphertext fresh = a.encrypt(remade, AAD, pt);
        assertSame(found, b.findKey(label).orElseThrow());
        assertArrayEquals(pt, b.decrypt(found, fresh.iv(), AAD, fresh.ciphertextAndTag()));
        assertEquals(HsmErrorKind.AUTHENTICATION_FAILED, assertThrows(HsmException.class,
                () -> b.decrypt(found, ct.iv(), AAD, ct.ciphertextAndTag())).kind(), "the old key's ciphertext");
        assertEquals(0, b.keyStoreReloads());
    }

    @Test
    void everyAesKeyOnTheTokenIsListedOnceByLabelWhoeverMadeItAndMacKeysAreNot() {
        String one = label();
        String two = label();
        String mac = label();
        a.generateKey(one);
        a.generateKey(two);
        a.generateMacKey(mac);

        // b made none of them and has looked none of them up.
        List<String> listed = b.keyLabels();
        assertTrue(listed.containsAll(List.of(one, two)), "both AES keys listed by the module that did not make them");
        assertFalse(listed.contains(mac), "an HMAC key is not an AES key");
        assertEquals(Set.copyOf(listed).size(), listed.size(), "each label once");
        assertTrue(b.findKeys(listed).keySet().containsAll(List.of(one, two)), "the listed labels are found");

        assertTrue(a.destroyKey(one));
        List<String> after = b.keyLabels();
        assertFalse(after.contains(one), "a destroyed key is no longer listed");
        assertTrue(after.contains(two));
    }

    @Test
    void aLabelTheCallerMadeUniqueIsNotSearchedForFirst() {
        String label = label();
        HsmKeyRef made = a.generateKey(label, LabelCheck.CALLER_MADE_UNIQUE);
        byte[] pt = random(32);
        GcmCiphertext ct = a.encrypt(made, AAD, pt);
        assertArrayEquals(pt, b.decrypt(b.findKey(label).orElseThrow(), ct.iv(), AAD, ct.ciphertextAndTag()));
        assertEquals(new HsmKeyAttributes(label, true, true, false, true, true, 32), b.describeKey(label));

        // The default still searches, and refuses the label.
        HsmException refused = assertThrows(HsmException.class, () -> a.generateKey(label));
        assertEquals(HsmErrorKind.INVALID_REQUEST, refused.kind());
        // Vouching for a label in use is the caller's bug: nothing searched, a second object made,
        // and a lookup of the label says so rather than picking one.
        a.generateKey(label, LabelCheck.CALLER_MADE_UNIQUE);
        HsmException twice = assertThrows(HsmException.class, () -> b.describeKey(label));
        assertEquals(HsmErrorKind.INTERNAL, twice.kind());
        assertEquals("2 key objects are labelled '" + label + "'", twice.getMessage());
        assertTrue(a.destroyKey(label));
        assertEquals(HsmErrorKind.KEY_NOT_FOUND, assertThrows(HsmException.class, () -> b.describeKey(label)).kind(),
                "destroying the label removes both objects");
    }

    @Test
    void theGeneratedObjectHasExactlyTheSecureAttributes() {
        String label = label();
        Pkcs11KeyRef ref = (Pkcs11KeyRef) a.generateKey(label);
        // Read through module b's own session: what the token files hold, not what module a remembers.
        Pkcs11Native m = Pkcs11Native.connect(libraryB);
        long s = m.openSession(SlotResolver.resolve(m, TokenSelector.label(LABEL)));
        try {
            long[] handles = m.findObjects(s, KeyTemplates.findByLabel(label));
            assertEquals(1, handles.length);
            long h = handles[0];
            for (Pkcs11Native.Attr wanted : KeyTemplates.aesKey(label)) {
                Object actual = switch (wanted.value()) {
                    case Boolean x -> m.booleanAttribute(s, h, wanted.type()).orElseThrow();
                    case Long x -> m.longAttribute(s, h, wanted.type()).orElseThrow();
                    default -> m.stringAttribute(s, h, wanted.type()).orElseThrow();
                };
                assertEquals(wanted.value(), actual, "attribute 0x" + Long.toHexString(wanted.type()));
            }
            for (long setByTheHsm : new long[] {Pkcs11Native.CKA_LOCAL, Pkcs11Native.CKA_ALWAYS_SENSITIVE,
                    Pkcs11Native.CKA_NEVER_EXTRACTABLE}) {
                assertEquals(Boolean.TRUE, m.booleanAttribute(s, h, setByTheHsm).orElseThrow(),
                        "attribute 0x" + Long.toHexString(setByTheHsm));
            }
        } finally {
            m.closeSession(s);
        }
        assertEquals(new HsmKeyAttributes(label, true, true, false, true, true, 32), b.describeKey(label));
        SoftHsmTestToken.ToolObject o = TOKEN.pkcs11ToolObjects().get(label);
        assertTrue(o.type().contains("AES length 32"), o.type());
        assertTrue(o.sensitive() && o.alwaysSensitive() && o.neverExtractable() && o.local(), o.access().toString());
        assertFalse(o.extractable());
        assertEquals(Set.of("encrypt", "decrypt"), o.usage());
        // The provider's key object says the same, with the right size (KeyStore keys said 32 bits).
        String key = ref.tokenKey().toString();
        assertTrue(key.contains("AES secret key, 256 bits token object") && key.contains("sensitive, unextractable"), key);
        assertNull(ref.tokenKey().getEncoded());
    }

    @Test
    void aKeyObjectThatIsGarbageCollectedLeavesTheTokenObjectAlone() throws InterruptedException {
        String label = label();
        Pkcs11KeyRef ref = (Pkcs11KeyRef) a.generateKey(label);
        TokenKeyLoader loader = TokenKeyLoader.create(a.provider()).orElseThrow();
        WeakReference<Key> dropped = new WeakReference<>(loader.load(ref.handle()));
        for (int i = 0; i < 100 && dropped.get() != null; i++) {
            System.gc();
            Thread.sleep(10);
        }
        assertNull(dropped.get(), "the key object was not collected");
        // SunPKCS11 disposes collected session keys when it makes its next key: make some.
        a.findKey(label).orElseThrow();
        a.generateKey(label());
        System.gc();
        assertEquals(1, b.findKey(label).map(k -> 1).orElse(0), "the token object is gone");
        byte[] pt = random(16);
        GcmCiphertext ct = a.encrypt(ref, AAD, pt);
        assertArrayEquals(pt, a.decrypt(ref, ct.iv(), AAD, ct.ciphertextAndTag()));
        ref.dropSessionCopy();
        assertArrayEquals(pt, a.decrypt(ref, ct.iv(), AAD, ct.ciphertextAndTag()));
    }

    @Test
    void withoutTheLoaderKeysComeThroughTheKeyStoreAndEverythingStillWorks() {
        Pkcs11HsmConfig config = TOKEN.config(1, true).withLibrary(libraryA);
        try (Pkcs11Hsm fallback = Pkcs11Hsm.open(config, p -> TokenKeyLoader.create(p, "sun.security.pkcs11.NoSuchKey"))) {
            assertFalse(fallback.loadsKeysByHandle());
            String label = label();
            HsmKeyRef key = fallback.generateKey(label);
            byte[] pt = random(32);
            GcmCiphertext ct = fallback.encrypt(key, AAD, pt);
            assertArrayEquals(pt, fallback.decrypt(key, ct.iv(), AAD, ct.ciphertextAndTag()));
            assertTrue(fallback.keyStoreReloads() >= 1, "the fallback loads a new key through the KeyStore");
            assertEquals(new HsmKeyAttributes(label, true, true, false, true, true, 32), fallback.describeKey(label));

            // Keys cross between the fallback and the loader, both ways.
            assertArrayEquals(pt, b.decrypt(b.findKey(label).orElseThrow(), ct.iv(), AAD, ct.ciphertextAndTag()));
            String other = label();
            GcmCiphertext fromA = a.encrypt(a.generateKey(other), AAD, pt);
            assertArrayEquals(pt, fallback.decrypt(fallback.findKey(other).orElseThrow(), fromA.iv(), AAD,
                    fromA.ciphertextAndTag()));

            HsmException taken = assertThrows(HsmException.class, () -> fallback.generateKey(other));
            assertEquals(HsmErrorKind.INVALID_REQUEST, taken.kind());
            assertTrue(fallback.destroyKey(label));
            assertFalse(fallback.findKey(label).isPresent());
            assertEquals(HsmErrorKind.KEY_NOT_FOUND,
                    assertThrows(HsmException.class, () -> fallback.encrypt(key, AAD, pt)).kind());
        }
    }

    @Test
    void aJvmWithoutTheOpensFlagFallsBackAndStillFindsAndMakesKeys() throws Exception {
        String ours = label();
        byte[] pt = random(32);
        GcmCiphertext ct = a.encrypt(a.generateKey(ours), AAD, pt);
        String theirs = label();
        List<String> cmd = List.of(ProcessHandle.current().info().command().orElse("java"),
                "--add-exports", "jdk.crypto.cryptoki/sun.security.pkcs11.wrapper=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), KeysInChildProcess.class.getName(),
                LABEL, ours, HEX.formatHex(ct.iv()), HEX.formatHex(AAD), HEX.formatHex(ct.ciphertextAndTag()), theirs);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child JVM did not finish");
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("keys loaded through the PKCS#11 KeyStore"), out);
        String digest = HEX.formatHex(MessageDigest.getInstance("SHA-256").digest(pt));
        assertTrue(out.contains("decrypted sha256=" + digest), out);
        assertTrue(out.contains("made " + theirs), out);
        // And the key the other process made is usable here at once.
        HsmKeyRef made = a.findKey(theirs).orElseThrow();
        GcmCiphertext back = a.encrypt(made, AAD, pt);
        assertArrayEquals(pt, b.decrypt(b.findKey(theirs).orElseThrow(), back.iv(), AAD, back.ciphertextAndTag()));
        assertEquals(0, a.keyStoreReloads());
    }
}
