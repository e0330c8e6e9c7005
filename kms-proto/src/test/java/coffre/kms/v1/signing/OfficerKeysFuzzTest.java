package coffre.kms.v1.signing;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import coffre.kms.v1.OfficerPublicKey;
import coffre.kms.v1.SignatureAlgorithm;
import com.google.protobuf.ByteString;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;

/**
 * Fuzz tests of officer signature verification (docs/fuzzing.md): {@link OfficerKeys#verify} never
 * throws, never accepts made-up bytes, accepts a real signature and refuses it after any change.
 */
class OfficerKeysFuzzTest {
    private static final KeyPair ED25519 = generate("Ed25519", null);
    private static final KeyPair P256 = generate("EC", new ECGenParameterSpec("secp256r1"));
    private static final KeyPair P384 = generate("EC", new ECGenParameterSpec("secp384r1"));

    /** Real, foreign-curve, mislabelled or made-up keys; made-up signature and statement: false, no exception. */
    @FuzzTest
    void verifyRefusesMadeUpSignaturesWithoutThrowing(FuzzedDataProvider data) {
        OfficerPublicKey key = switch (data.consumeInt(0, 4)) {
            case 0 -> key(SignatureAlgorithm.ED25519, ED25519);
            case 1 -> key(SignatureAlgorithm.ECDSA_P256_SHA256, P256);
            case 2 -> key(SignatureAlgorithm.ECDSA_P256_SHA256, P384);
            case 3 -> OfficerPublicKey.newBuilder().setAlgorithmValue(data.consumeInt(-1, 4))
                    .setSpkiDer(ByteString.copyFrom((data.consumeBoolean() ? ED25519 : P256).getPublic().getEncoded()))
                    .build();
            default -> OfficerPublicKey.newBuilder().setAlgorithmValue(data.consumeInt(0, 3))
                    .setSpkiDer(ByteString.copyFrom(data.consumeBytes(data.consumeInt(0, 200)))).build();
        };
        byte[] signature = data.consumeBytes(data.consumeBoolean() ? OfficerKeys.SIGNATURE_LENGTH : data.consumeInt(0, 150));
        byte[] statement = data.consumeRemainingAsBytes();
        boolean verified;
        try {
            verified = OfficerKeys.verify(key, statement, signature);
        } catch (RuntimeException e) {
            throw new AssertionError("verify threw instead of returning false", e);
        }
        assertFalse(verified, "a made-up signature verified");
    }

    /** A real signature verifies; flipping any bits of it or changing the statement makes it fail. */
    @FuzzTest
    void realSignatureVerifiesAndAnyChangeBreaksIt(FuzzedDataProvider data) {
        boolean ed = data.consumeBoolean();
        SignatureAlgorithm algorithm = ed ? SignatureAlgorithm.ED25519 : SignatureAlgorithm.ECDSA_P256_SHA256;
        KeyPair pair = ed ? ED25519 : P256;
        OfficerPublicKey key = key(algorithm, pair);
        int change = data.consumeInt(0, 3);
        int position = data.consumeInt(0, 1 << 20);
        byte mask = (byte) data.consumeInt(1, 255);
        byte[] statement = data.consumeRemainingAsBytes();
        byte[] signature = OfficerKeys.sign(pair.getPrivate(), algorithm, statement);
        assertTrue(OfficerKeys.verify(key, statement, signature), "a real signature must verify");

        byte[] otherSignature = signature.clone();
        byte[] otherStatement = statement;
        switch (change) {
            case 0 -> otherSignature[position % otherSignature.length] ^= mask;
            case 1 -> otherStatement = Arrays.copyOf(statement, statement.length + 1 + position % 8);
            case 2 -> {
                if (statement.length == 0) {
                    return;
                }
                otherStatement = statement.clone();
                otherStatement[position % statement.length] ^= mask;
            }
            default -> {
                if (statement.length == 0) {
                    return;
                }
                otherStatement = Arrays.copyOf(statement, position % statement.length);
            }
        }
        assertFalse(OfficerKeys.verify(key, otherStatement, otherSignature), "a changed signature or statement verified");
    }

    private static OfficerPublicKey key(SignatureAlgorithm algorithm, KeyPair pair) {
        return OfficerPublicKey.newBuilder().setAlgorithm(algorithm)
                .setSpkiDer(ByteString.copyFrom(pair.getPublic().getEncoded())).build();
    }

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
}
