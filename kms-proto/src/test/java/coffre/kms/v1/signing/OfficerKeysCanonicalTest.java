package coffre.kms.v1.signing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.v1.OfficerPublicKey;
import coffre.kms.v1.SignatureAlgorithm;
import com.google.protobuf.ByteString;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * One officer key, one encoding: every other DER (or BER) spelling of the same key is refused at
 * registration, and {@link OfficerKeys#canonical} / {@link OfficerKeys#fingerprint} recognise it as
 * the same key, so that one private key can never count as two officers.
 */
class OfficerKeysCanonicalTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final KeyPair ED25519 = generate("Ed25519", null);
    private static final KeyPair P256 = generate("EC", new ECGenParameterSpec("secp256r1"));
    private static final BigInteger ED_P = BigInteger.TWO.pow(255).subtract(BigInteger.valueOf(19));

    private static KeyPair generate(String algorithm, ECGenParameterSpec spec) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
            if (spec != null) {
                generator.initialize(spec);
            }
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static OfficerPublicKey key(SignatureAlgorithm algorithm, byte[] der) {
        return OfficerPublicKey.newBuilder().setAlgorithm(algorithm).setSpkiDer(ByteString.copyFrom(der)).build();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    private static byte[] edRaw() {
        byte[] der = ED25519.getPublic().getEncoded();
        return Arrays.copyOfRange(der, der.length - 32, der.length);
    }

    private static byte[] p256Point() {
        byte[] der = P256.getPublic().getEncoded();
        return Arrays.copyOfRange(der, der.length - 65, der.length);
    }

    /** Other encodings of the same Ed25519 key: each names the trick. */
    static Stream<Arguments> ed25519Variants() {
        byte[] raw = edRaw();
        byte[] algorithm = HEX.parseHex("300506032b6570");
        return Stream.of(
                Arguments.of("explicit NULL parameters", concat(HEX.parseHex("302c300706032b65700500032100"), raw)),
                Arguments.of("long-form outer length", concat(HEX.parseHex("30812a"), algorithm, HEX.parseHex("032100"), raw)),
                Arguments.of("long-form bit string length", concat(HEX.parseHex("302b"), algorithm, HEX.parseHex("03812100"), raw)),
                Arguments.of("two-byte long-form length", concat(HEX.parseHex("3082002a"), algorithm, HEX.parseHex("032100"), raw)),
                Arguments.of("indefinite outer length", concat(HEX.parseHex("3080"), algorithm, HEX.parseHex("032100"), raw,
                        HEX.parseHex("0000"))),
                Arguments.of("a trailing byte", concat(ED25519.getPublic().getEncoded(), new byte[] {0})),
                Arguments.of("trailing garbage", concat(ED25519.getPublic().getEncoded(), HEX.parseHex("deadbeef"))));
    }

    /** Other encodings of the same P-256 key. */
    static Stream<Arguments> p256Variants() {
        byte[] point = p256Point();
        byte[] algorithm = HEX.parseHex("301306072a8648ce3d020106082a8648ce3d030107");
        byte[] x = Arrays.copyOfRange(point, 1, 33);
        byte y = point[64];
        byte[] compressed = concat(new byte[] {(byte) ((y & 1) == 0 ? 2 : 3)}, x);
        return Stream.of(
                Arguments.of("compressed point", concat(HEX.parseHex("3039"), algorithm, HEX.parseHex("032200"), compressed)),
                Arguments.of("hybrid point format", concat(HEX.parseHex("3059"), algorithm, HEX.parseHex("034200"),
                        new byte[] {(byte) ((y & 1) == 0 ? 6 : 7)}, Arrays.copyOfRange(point, 1, 65))),
                Arguments.of("long-form outer length", concat(HEX.parseHex("308159"), algorithm, HEX.parseHex("034200"), point)),
                Arguments.of("long-form bit string length", concat(HEX.parseHex("305a"), algorithm, HEX.parseHex("03814200"), point)),
                Arguments.of("indefinite outer length", concat(HEX.parseHex("3080"), algorithm, HEX.parseHex("034200"), point,
                        HEX.parseHex("0000"))),
                Arguments.of("extra parameter after the curve", concat(HEX.parseHex("305b"),
                        HEX.parseHex("301506072a8648ce3d020106082a8648ce3d0301070500"), HEX.parseHex("034200"), point)),
                Arguments.of("a trailing byte", concat(P256.getPublic().getEncoded(), new byte[] {0})));
    }

    @Test
    void theCanonicalEncodingIsWhatTheJdkWritesForFreshKeys() {
        OfficerPublicKey ed = key(SignatureAlgorithm.ED25519, ED25519.getPublic().getEncoded());
        OfficerPublicKey ec = key(SignatureAlgorithm.ECDSA_P256_SHA256, P256.getPublic().getEncoded());
        assertDoesNotThrow(() -> OfficerKeys.publicKey(ed));
        assertDoesNotThrow(() -> OfficerKeys.publicKey(ec));
        assertEquals(ed, OfficerKeys.canonical(ed));
        assertEquals(ec, OfficerKeys.canonical(ec));
    }

    @ParameterizedTest(name = "Ed25519, {0}")
    @MethodSource("ed25519Variants")
    void anotherEncodingOfAnEd25519KeyIsRefusedOrTheSameKey(String name, byte[] variant) {
        assertFalse(Arrays.equals(variant, ED25519.getPublic().getEncoded()), "the variant must differ: " + name);
        refusedForRegistrationAndNeverASecondKey(SignatureAlgorithm.ED25519, variant, ED25519.getPublic().getEncoded());
    }

    @ParameterizedTest(name = "P-256, {0}")
    @MethodSource("p256Variants")
    void anotherEncodingOfAP256KeyIsRefusedOrTheSameKey(String name, byte[] variant) {
        refusedForRegistrationAndNeverASecondKey(SignatureAlgorithm.ECDSA_P256_SHA256, variant,
                P256.getPublic().getEncoded());
    }

    private static void refusedForRegistrationAndNeverASecondKey(SignatureAlgorithm algorithm, byte[] variant, byte[] canonical) {
        OfficerPublicKey offered = key(algorithm, variant);
        assertThrows(IllegalArgumentException.class, () -> OfficerKeys.publicKey(offered));
        // If the JDK parses the variant at all, it is recognised as the very same key.
        try {
            OfficerPublicKey same = OfficerKeys.canonical(offered);
            assertArrayEquals(canonical, same.getSpkiDer().toByteArray());
            assertEquals(OfficerKeys.fingerprint(key(algorithm, canonical)), OfficerKeys.fingerprint(offered));
        } catch (IllegalArgumentException unparseable) {
            assertNotEquals(OfficerKeys.fingerprint(key(algorithm, canonical)), OfficerKeys.fingerprint(offered));
        }
    }

    @Test
    void theRefusalSaysWhatTheCanonicalEncodingIs() {
        byte[] withNull = concat(HEX.parseHex("302c300706032b65700500032100"), edRaw());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OfficerKeys.publicKey(key(SignatureAlgorithm.ED25519, withNull)));
        assertTrue(e.getMessage().contains("canonical"), e.getMessage());
    }

    /** Points anyone can sign for (small order) or that are not reduced are no officer keys. */
    static Stream<Arguments> unusableEd25519Points() {
        return Stream.of(
                Arguments.of("the neutral element (y = 1)", edPoint(BigInteger.ONE, false)),
                Arguments.of("order 2 (y = -1)", edPoint(ED_P.subtract(BigInteger.ONE), false)),
                Arguments.of("order 4 (y = 0)", edPoint(BigInteger.ZERO, false)),
                Arguments.of("order 4, other sign (y = 0)", edPoint(BigInteger.ZERO, true)),
                Arguments.of("y = p + 1, the neutral element unreduced", edPoint(ED_P.add(BigInteger.ONE), false)),
                Arguments.of("x = 0 with the sign bit set", edPoint(BigInteger.ONE, true)),
                Arguments.of("y = 2, on no point of the curve", edPoint(BigInteger.TWO, false)));
    }

    private static byte[] edPoint(BigInteger y, boolean signBit) {
        byte[] little = new byte[32];
        byte[] big = y.toByteArray();
        for (int i = 0; i < Math.min(big.length, 32); i++) {
            little[i] = big[big.length - 1 - i];
        }
        if (signBit) {
            little[31] |= (byte) 0x80;
        }
        return concat(HEX.parseHex("302a300506032b6570032100"), little);
    }

    @ParameterizedTest(name = "Ed25519 {0}")
    @MethodSource("unusableEd25519Points")
    void smallOrderUnreducedAndOffCurveEd25519KeysAreRefused(String name, byte[] der) {
        OfficerPublicKey offered = key(SignatureAlgorithm.ED25519, der);
        assertThrows(IllegalArgumentException.class, () -> OfficerKeys.publicKey(offered), name);
        assertThrows(IllegalArgumentException.class, () -> OfficerKeys.canonical(offered), name);
        assertFalse(OfficerKeys.verify(offered, new byte[] {1}, new byte[OfficerKeys.SIGNATURE_LENGTH]));
    }

    @Test
    void aP256PointOffTheCurveIsRefused() {
        ECPublicKey ec = (ECPublicKey) P256.getPublic();
        byte[] der = ec.getEncoded().clone();
        der[der.length - 1] ^= 1;
        OfficerPublicKey offered = key(SignatureAlgorithm.ECDSA_P256_SHA256, der);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OfficerKeys.publicKey(offered));
        assertFalse(e.getMessage().isBlank());
    }

    @Test
    void manyFreshKeysAreAllCanonical() {
        for (int i = 0; i < 50; i++) {
            OfficerPublicKey ed = key(SignatureAlgorithm.ED25519, generate("Ed25519", null).getPublic().getEncoded());
            OfficerPublicKey ec = key(SignatureAlgorithm.ECDSA_P256_SHA256,
                    generate("EC", new ECGenParameterSpec("secp256r1")).getPublic().getEncoded());
            assertDoesNotThrow(() -> OfficerKeys.publicKey(ed));
            assertDoesNotThrow(() -> OfficerKeys.publicKey(ec));
        }
    }
}
