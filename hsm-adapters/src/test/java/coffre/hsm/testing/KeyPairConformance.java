package coffre.hsm.testing;

import coffre.hsm.Hsm;
import coffre.hsm.HsmErrorKind;
import coffre.hsm.HsmException;
import coffre.hsm.HsmKeyAttributes;
import coffre.hsm.HsmKeyPair;
import coffre.hsm.HsmKeyRef;
import coffre.hsm.KeyPairSpec;
import coffre.hsm.KeyPairUsage;
import coffre.hsm.SignatureScheme;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.crypto.Cipher;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The key-pair part of the port's contract ({@link Hsm#generateKeyPair}, {@link Hsm#rsaOaepDecrypt},
 * {@link Hsm#signDigest}), run by every backend of {@link HsmConformanceSuite} (which implements
 * this interface): SoftHSM2 through {@code Pkcs11Hsm} and {@code RecoveringHsm}, and the server's
 * pure-Java {@code SoftwareHsm}. What the HSM computes is checked by the JDK's own providers
 * (SunJCE OAEP encrypts, SunRsaSign and SunEC verify), never by the implementation under test.
 *
 * <p>Why an interface of default methods: the AES and HMAC suite is already one long class; JUnit
 * runs the tests of an implemented interface as the class's own, so every backend gets these
 * without another subclass each. Pairs are made once per spec and usage and shared ({@link #pair}).
 *
 * <p>Decided here for every backend: each spec signs with one scheme
 * ({@link SignatureScheme#forSpec}); ECDSA_SHA384 on a P-256 key, like any other pairing, is
 * {@link HsmErrorKind#INVALID_REQUEST}.
 */
public interface KeyPairConformance {

    /** The instance under test. */
    Hsm hsm();

    /** Another instance on the same token (the caller closes it). */
    Hsm openAnother();

    /** A fresh label of this run, destroyed at the end of the suite. */
    String newLabel(String name);

    /** The pair of {@code spec} and {@code usage} made for this run (made on first use, then shared). */
    HsmKeyPair pair(KeyPairSpec spec, KeyPairUsage usage);

    /** Every spec with every usage it can have. */
    static Stream<Arguments> validPairs() {
        return Stream.of(KeyPairSpec.values()).flatMap(spec -> Stream.of(KeyPairUsage.values())
                .filter(u -> spec.family() == KeyPairSpec.Family.RSA || u == KeyPairUsage.SIGN)
                .map(u -> Arguments.of(spec, u)));
    }

    /** The RSA specs. */
    static Stream<KeyPairSpec> rsaSpecs() {
        return Stream.of(KeyPairSpec.values()).filter(s -> s.family() == KeyPairSpec.Family.RSA);
    }

    /** The JDK's public key of {@code pair}, parsed from its SubjectPublicKeyInfo. */
    static PublicKey publicKey(HsmKeyPair pair) {
        try {
            String algorithm = pair.spec().family() == KeyPairSpec.Family.RSA ? "RSA" : "EC";
            return KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(pair.publicKeyDer()));
        } catch (GeneralSecurityException e) {
            throw new AssertionError("the public key of " + pair + " does not parse", e);
        }
    }

    /** RSA-OAEP SHA-256/MGF1-SHA-256 encryption by SunJCE, with {@code label} as OAEP label (empty: none). */
    static byte[] jdkOaepEncrypt(HsmKeyPair pair, byte[] plaintext, byte[] label) {
        try {
            Cipher c = Cipher.getInstance("RSA/ECB/OAEPPadding", "SunJCE");
            c.init(Cipher.ENCRYPT_MODE, publicKey(pair), new OAEPParameterSpec("SHA-256", "MGF1",
                    MGF1ParameterSpec.SHA256, new PSource.PSpecified(label)));
            return c.doFinal(plaintext);
        } catch (GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }

    /** Whether the JDK accepts {@code signature} over the digest of {@code message} under {@code pair}'s public key. */
    static boolean jdkVerifies(HsmKeyPair pair, SignatureScheme scheme, byte[] message, byte[] signature) {
        try {
            Signature v;
            if (scheme == SignatureScheme.RSA_PSS_SHA256) {
                v = Signature.getInstance("RSASSA-PSS");
                v.setParameter(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1));
            } else {
                v = Signature.getInstance(scheme == SignatureScheme.ECDSA_SHA256 ? "SHA256withECDSA" : "SHA384withECDSA");
            }
            v.initVerify(publicKey(pair));
            v.update(message);
            return v.verify(signature);
        } catch (java.security.SignatureException e) {
            return false;
        } catch (GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }

    static byte[] digest(SignatureScheme scheme, byte[] message) {
        try {
            return MessageDigest.getInstance(scheme.digestAlgorithm()).digest(message);
        } catch (GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void assertRefused(HsmErrorKind kind, Executable call) {
        assertEquals(kind, assertThrows(HsmException.class, call).kind());
    }

    /** The one undifferentiated failure: kind, message, no code, no cause. */
    private static void assertAuthenticationFailed(Executable call) {
        HsmException e = assertThrows(HsmException.class, call);
        assertEquals(HsmErrorKind.AUTHENTICATION_FAILED, e.kind(), e.getMessage());
        assertEquals("authentication failed", e.getMessage());
        assertEquals(Optional.empty(), e.pkcs11Code());
        assertNull(e.getCause());
    }

    // ---- generation and lookup ----

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("coffre.hsm.testing.KeyPairConformance#validPairs")
    default void aPairIsGeneratedAsAskedFoundAgainByAnotherInstanceAndItsPublicKeyParses(KeyPairSpec spec, KeyPairUsage usage) {
        HsmKeyPair pair = pair(spec, usage);
        assertEquals(spec, pair.spec());
        assertEquals(usage, pair.usage());
        PublicKey pub = publicKey(pair);
        if (spec.family() == KeyPairSpec.Family.RSA) {
            RSAPublicKey rsa = (RSAPublicKey) pub;
            assertEquals(spec.bits(), rsa.getModulus().bitLength());
            assertEquals(BigInteger.valueOf(65537), rsa.getPublicExponent());
        } else {
            assertEquals(spec.bits(), ((ECPublicKey) pub).getParams().getCurve().getField().getFieldSize());
        }
        String label = pair.privateKey().label();
        assertEquals(new HsmKeyAttributes(label, true, true, false, true, true, (spec.bits() + 7) / 8),
                hsm().describeKey(label));
        try (Hsm second = openAnother()) {
            HsmKeyPair again = second.findKeyPair(label).orElseThrow();
            assertEquals(spec, again.spec());
            assertEquals(usage, again.usage());
            assertArrayEquals(pair.publicKeyDer(), again.publicKeyDer());
            assertEquals(Optional.empty(), second.findKey(label), "a key pair is no AES key");
            assertEquals(Optional.empty(), second.findMacKey(label), "a key pair is no HMAC key");
            assertThrows(IllegalArgumentException.class, () -> hsm().signDigest(again.privateKey(),
                    SignatureScheme.forSpec(spec), new byte[SignatureScheme.forSpec(spec).digestLength()]));
        }
        HsmKeyPair mine = hsm().findKeyPair(label).orElseThrow();
        assertArrayEquals(pair.publicKeyDer(), mine.publicKeyDer());
    }

    @Test
    default void findKeyPairsFindsManyAtOnceAndLeavesOutUnknownLabelsAndOtherKinds() {
        HsmKeyPair rsa = pair(KeyPairSpec.RSA_2048, KeyPairUsage.DECRYPT);
        HsmKeyPair ec = pair(KeyPairSpec.EC_P256, KeyPairUsage.SIGN);
        String aes = newLabel("pairs-bulk-aes");
        hsm().generateKey(aes);
        String unknown = newLabel("pairs-bulk-never-made");
        String rsaLabel = rsa.privateKey().label();
        String ecLabel = ec.privateKey().label();
        Map<String, HsmKeyPair> found = hsm().findKeyPairs(List.of(rsaLabel, unknown, aes, ecLabel));
        assertEquals(List.of(rsaLabel, ecLabel), List.copyOf(found.keySet()), "pairs only, in the order asked");
        assertArrayEquals(rsa.publicKeyDer(), found.get(rsaLabel).publicKeyDer());
        assertEquals(KeyPairUsage.SIGN, found.get(ecLabel).usage());
        byte[] ct = jdkOaepEncrypt(rsa, bytes("bulk"), new byte[0]);
        assertArrayEquals(bytes("bulk"), hsm().rsaOaepDecrypt(found.get(rsaLabel).privateKey(), ct));
        assertEquals(Map.of(), hsm().findKeyPairs(List.of()));
        assertEquals(Set.of(), hsm().findKeyPairs(List.of(unknown, aes)).keySet());
        assertThrows(IllegalArgumentException.class, () -> hsm().findKeyPairs(List.of("bad label\n")));
        assertEquals(Optional.empty(), hsm().findKeyPair(unknown));
        assertEquals(Optional.empty(), hsm().findKeyPair(aes), "an AES key is no key pair");
    }

    @Test
    default void anEcPairCannotDecryptAndItsLabelStaysFree() {
        String label = newLabel("pairs-ec-decrypt");
        HsmException e = assertThrows(HsmException.class,
                () -> hsm().generateKeyPair(label, KeyPairSpec.EC_P256, KeyPairUsage.DECRYPT, Hsm.LabelCheck.SEARCH_TOKEN));
        assertEquals(HsmErrorKind.INVALID_REQUEST, e.kind());
        assertEquals("an EC key pair cannot decrypt; EC_P256 allows only SIGN", e.getMessage());
        assertEquals(Optional.empty(), hsm().findKeyPair(label));
    }

    @Test
    default void aLabelNamesOneKeyOfAnyKind() {
        HsmKeyPair pair = pair(KeyPairSpec.EC_P256, KeyPairUsage.SIGN);
        String pairLabel = pair.privateKey().label();
        String aes = newLabel("pairs-taken-aes");
        hsm().generateKey(aes);
        String mac = newLabel("pairs-taken-mac");
        hsm().generateMacKey(mac);
        for (String taken : List.of(aes, mac, pairLabel)) {
            HsmException e = assertThrows(HsmException.class, () -> hsm().generateKeyPair(taken, KeyPairSpec.EC_P256,
                    KeyPairUsage.SIGN, Hsm.LabelCheck.SEARCH_TOKEN));
            assertEquals(HsmErrorKind.INVALID_REQUEST, e.kind());
            assertEquals("a key labelled '" + taken + "' already exists", e.getMessage());
        }
        assertRefused(HsmErrorKind.INVALID_REQUEST, () -> hsm().generateKey(pairLabel));
        assertRefused(HsmErrorKind.INVALID_REQUEST, () -> hsm().generateMacKey(pairLabel));
        assertRefused(HsmErrorKind.INVALID_REQUEST, () -> hsm().importMacKey(pairLabel, new byte[32]));
        // Nothing changed: the pair still signs, the AES key is still no pair.
        byte[] d = digest(SignatureScheme.ECDSA_SHA256, bytes("still mine"));
        assertTrue(jdkVerifies(pair, SignatureScheme.ECDSA_SHA256, bytes("still mine"),
                hsm().signDigest(pair.privateKey(), SignatureScheme.ECDSA_SHA256, d)));
        assertEquals(Optional.empty(), hsm().findKeyPair(aes));
    }

    @Test
    default void destroyingAPairRemovesBothHalvesAndEveryReference() {
        String label = newLabel("pairs-doomed");
        HsmKeyPair pair = hsm().generateKeyPair(label, KeyPairSpec.RSA_2048, KeyPairUsage.DECRYPT, Hsm.LabelCheck.SEARCH_TOKEN);
        byte[] ct = jdkOaepEncrypt(pair, bytes("gone"), new byte[0]);
        assertArrayEquals(bytes("gone"), hsm().rsaOaepDecrypt(pair.privateKey(), ct));
        assertTrue(hsm().destroyKey(label));
        assertEquals(Optional.empty(), hsm().findKeyPair(label));
        assertRefused(HsmErrorKind.KEY_NOT_FOUND, () -> hsm().rsaOaepDecrypt(pair.privateKey(), ct));
        assertRefused(HsmErrorKind.KEY_NOT_FOUND, () -> hsm().describeKey(label));
        assertFalse(hsm().destroyKey(label));
        // The label is free again, for any kind.
        HsmKeyPair reborn = hsm().generateKeyPair(label, KeyPairSpec.EC_P256, KeyPairUsage.SIGN, Hsm.LabelCheck.SEARCH_TOKEN);
        assertEquals(KeyPairSpec.EC_P256, hsm().findKeyPair(label).orElseThrow().spec());
        assertFalse(Arrays.equals(pair.publicKeyDer(), reborn.publicKeyDer()));
    }

    // ---- RSA-OAEP ----

    @ParameterizedTest(name = "{0}")
    @MethodSource("coffre.hsm.testing.KeyPairConformance#rsaSpecs")
    default void oaepCiphertextsOfTheJdkDecryptInsideTheHsm(KeyPairSpec spec) {
        HsmKeyPair pair = pair(spec, KeyPairUsage.DECRYPT);
        int max = spec.bits() / 8 - 2 * 32 - 2;
        for (int size : new int[] {0, 1, 32, max}) {
            byte[] pt = new byte[size];
            ThreadLocalRandom.current().nextBytes(pt);
            assertArrayEquals(pt, hsm().rsaOaepDecrypt(pair.privateKey(), jdkOaepEncrypt(pair, pt, new byte[0])),
                    size + " bytes");
        }
    }

    /** Every way an OAEP ciphertext can be wrong. */
    enum OaepTamper {
        FLIPPED_BIT, FIRST_BYTE, TOO_SHORT, TOO_LONG, EMPTY, ANOTHER_KEYS, WITH_A_LABEL, SHA1_OAEP, ZEROS, NOT_BELOW_MODULUS
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(OaepTamper.class)
    default void everyBadOaepCiphertextIsTheSameAuthenticationFailure(OaepTamper tamper) throws Exception {
        HsmKeyPair pair = pair(KeyPairSpec.RSA_2048, KeyPairUsage.DECRYPT);
        byte[] pt = bytes("a 32-byte data key for a doc!!!!");
        byte[] good = jdkOaepEncrypt(pair, pt, new byte[0]);
        byte[] bad = switch (tamper) {
            case FLIPPED_BIT -> {
                byte[] b = good.clone();
                b[b.length / 2] ^= 1;
                yield b;
            }
            case FIRST_BYTE -> {
                byte[] b = good.clone();
                b[0] ^= (byte) 0x01;
                yield b;
            }
            case TOO_SHORT -> Arrays.copyOf(good, good.length - 1);
            case TOO_LONG -> Arrays.copyOf(good, good.length + 1);
            case EMPTY -> new byte[0];
            case ANOTHER_KEYS -> jdkOaepEncrypt(pair(KeyPairSpec.RSA_2048, KeyPairUsage.SIGN), pt, new byte[0]);
            case WITH_A_LABEL -> jdkOaepEncrypt(pair, pt, bytes("label"));
            case SHA1_OAEP -> {
                Cipher c = Cipher.getInstance("RSA/ECB/OAEPWithSHA-1AndMGF1Padding", "SunJCE");
                c.init(Cipher.ENCRYPT_MODE, publicKey(pair));
                yield c.doFinal(pt);
            }
            case ZEROS -> new byte[good.length];
            case NOT_BELOW_MODULUS -> {
                byte[] b = new byte[good.length];
                Arrays.fill(b, (byte) 0xFF);
                yield b;
            }
        };
        assertAuthenticationFailed(() -> hsm().rsaOaepDecrypt(pair.privateKey(), bad));
        // Nothing broken behind: the key still decrypts.
        assertArrayEquals(pt, hsm().rsaOaepDecrypt(pair.privateKey(), good));
    }

    // ---- signatures ----

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = KeyPairSpec.class)
    default void signaturesOverADigestVerifyWithTheJdk(KeyPairSpec spec) {
        HsmKeyPair pair = pair(spec, KeyPairUsage.SIGN);
        SignatureScheme scheme = SignatureScheme.forSpec(spec);
        byte[] message = bytes("document " + spec);
        byte[] d = digest(scheme, message);
        byte[] first = hsm().signDigest(pair.privateKey(), scheme, d);
        byte[] second = hsm().signDigest(pair.privateKey(), scheme, d);
        assertTrue(jdkVerifies(pair, scheme, message, first), "the JDK verifies the signature");
        assertTrue(jdkVerifies(pair, scheme, message, second));
        assertFalse(Arrays.equals(first, second), "PSS salt and ECDSA nonce are random");
        if (spec.family() == KeyPairSpec.Family.RSA) {
            assertEquals(spec.bits() / 8, first.length, "a PSS signature is the modulus length");
        } else {
            assertEquals(0x30, first[0], "an ECDSA signature is a DER SEQUENCE");
        }
        assertFalse(jdkVerifies(pair, scheme, bytes("another document"), first), "bound to the digest");
    }

    @Test
    default void eachKeyIsUsedOnlyAsItsUsageAndSpecSay() {
        HsmKeyPair decrypt = pair(KeyPairSpec.RSA_2048, KeyPairUsage.DECRYPT);
        HsmKeyPair rsaSign = pair(KeyPairSpec.RSA_2048, KeyPairUsage.SIGN);
        HsmKeyPair p256 = pair(KeyPairSpec.EC_P256, KeyPairUsage.SIGN);
        HsmKeyPair p384 = pair(KeyPairSpec.EC_P384, KeyPairUsage.SIGN);
        byte[] sha256 = new byte[32];
        byte[] sha384 = new byte[48];
        byte[] ct = jdkOaepEncrypt(decrypt, bytes("x"), new byte[0]);
        HsmException e = assertThrows(HsmException.class, () -> hsm().rsaOaepDecrypt(rsaSign.privateKey(),
                jdkOaepEncrypt(rsaSign, bytes("x"), new byte[0])));
        assertEquals(HsmErrorKind.INVALID_REQUEST, e.kind());
        assertEquals("key pair '" + rsaSign.privateKey().label() + "' is for SIGN, not DECRYPT", e.getMessage());
        assertRefused(HsmErrorKind.INVALID_REQUEST, () -> hsm().rsaOaepDecrypt(p256.privateKey(), ct));
        assertRefused(HsmErrorKind.INVALID_REQUEST, () -> hsm().signDigest(decrypt.privateKey(), SignatureScheme.RSA_PSS_SHA256, sha256));
        e = assertThrows(HsmException.class, () -> hsm().signDigest(p256.privateKey(), SignatureScheme.ECDSA_SHA384, sha384));
        assertEquals(HsmErrorKind.INVALID_REQUEST, e.kind());
        assertEquals("key pair '" + p256.privateKey().label() + "' is EC_P256; it signs with ECDSA_SHA256, not ECDSA_SHA384",
                e.getMessage());
        assertRefused(HsmErrorKind.INVALID_REQUEST, () -> hsm().signDigest(p384.privateKey(), SignatureScheme.ECDSA_SHA256, sha256));
        assertRefused(HsmErrorKind.INVALID_REQUEST, () -> hsm().signDigest(p256.privateKey(), SignatureScheme.RSA_PSS_SHA256, sha256));
        assertRefused(HsmErrorKind.INVALID_REQUEST, () -> hsm().signDigest(rsaSign.privateKey(), SignatureScheme.ECDSA_SHA256, sha256));
        for (byte[] wrong : List.of(new byte[0], new byte[31], new byte[33], new byte[48])) {
            e = assertThrows(HsmException.class, () -> hsm().signDigest(p256.privateKey(), SignatureScheme.ECDSA_SHA256, wrong));
            assertEquals(HsmErrorKind.INVALID_REQUEST, e.kind());
            assertEquals("ECDSA_SHA256 signs a 32-byte SHA-256 digest, got " + wrong.length + " bytes", e.getMessage());
            assertRefused(HsmErrorKind.INVALID_REQUEST, () -> hsm().signDigest(rsaSign.privateKey(), SignatureScheme.RSA_PSS_SHA256, wrong));
        }
        assertRefused(HsmErrorKind.INVALID_REQUEST, () -> hsm().signDigest(p384.privateKey(), SignatureScheme.ECDSA_SHA384, sha256));
        assertThrows(NullPointerException.class, () -> hsm().rsaOaepDecrypt(decrypt.privateKey(), null));
        assertThrows(NullPointerException.class, () -> hsm().signDigest(p256.privateKey(), null, sha256));
        // After all the refusals the keys work.
        assertArrayEquals(bytes("x"), hsm().rsaOaepDecrypt(decrypt.privateKey(), ct));
    }

    @Test
    default void aesHmacAndPairReferencesAreNotInterchangeable() {
        HsmKeyPair pair = pair(KeyPairSpec.RSA_2048, KeyPairUsage.DECRYPT);
        HsmKeyPair signer = pair(KeyPairSpec.EC_P256, KeyPairUsage.SIGN);
        HsmKeyRef aes = hsm().generateKey(newLabel("pairs-kind-aes"));
        HsmKeyRef mac = hsm().generateMacKey(newLabel("pairs-kind-mac"));
        byte[] ct = jdkOaepEncrypt(pair, bytes("x"), new byte[0]);
        for (HsmKeyRef secret : List.of(aes, mac)) {
            assertRefused(HsmErrorKind.INVALID_REQUEST, () -> hsm().rsaOaepDecrypt(secret, ct));
            assertRefused(HsmErrorKind.INVALID_REQUEST, () -> hsm().signDigest(secret, SignatureScheme.ECDSA_SHA256, new byte[32]));
        }
        for (HsmKeyRef p : List.of(pair.privateKey(), signer.privateKey())) {
            assertRefused(HsmErrorKind.INVALID_REQUEST, () -> hsm().encrypt(p, new byte[0], bytes("x")));
            assertRefused(HsmErrorKind.INVALID_REQUEST, () -> hsm().decrypt(p, new byte[12], new byte[0], new byte[16]));
            assertRefused(HsmErrorKind.INVALID_REQUEST, () -> hsm().hmacSha256(p, bytes("x")));
        }
    }

    @Test
    default void concurrentDecryptionsAndSignaturesEachGetTheirOwnCorrectResult() throws Exception {
        HsmKeyPair decrypt = pair(KeyPairSpec.RSA_2048, KeyPairUsage.DECRYPT);
        HsmKeyPair signer = pair(KeyPairSpec.EC_P256, KeyPairUsage.SIGN);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int id = t;
                results.add(pool.submit(() -> {
                    int ok = 0;
                    for (int i = 0; i < 25; i++) {
                        byte[] pt = bytes("thread " + id + " op " + i);
                        byte[] ct = jdkOaepEncrypt(decrypt, pt, new byte[0]);
                        if (i % 5 == 0) {
                            byte[] bad = ct.clone();
                            bad[7] ^= 1;
                            assertAuthenticationFailed(() -> hsm().rsaOaepDecrypt(decrypt.privateKey(), bad));
                        }
                        boolean decrypted = Arrays.equals(pt, hsm().rsaOaepDecrypt(decrypt.privateKey(), ct));
                        byte[] sig = hsm().signDigest(signer.privateKey(), SignatureScheme.ECDSA_SHA256,
                                digest(SignatureScheme.ECDSA_SHA256, pt));
                        if (decrypted && jdkVerifies(signer, SignatureScheme.ECDSA_SHA256, pt, sig)) {
                            ok++;
                        }
                    }
                    return ok;
                }));
            }
            for (Future<Integer> f : results) {
                assertEquals(25, f.get(120, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
