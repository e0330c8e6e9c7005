package coffre.kms.server.keys;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.approval.SignedDocumentCodec;
import coffre.kms.server.domain.DataOperation;
import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.domain.Principal;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Key specs and usages: which go together, what each key can do, and their public keys. */
class KeySpecsTest {
    private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");

    private static KmsException refusal(Runnable r) {
        return assertThrows(KmsException.class, r::run);
    }

    private static KeyAttributes attributes(KeySpec spec, KeyUsage usage, boolean breakGlass, KeyAccessPolicy policy) {
        return new KeyAttributes(null, "", Map.of(), policy, breakGlass, spec, usage);
    }

    @Test
    void eachSpecTakesTheUsagesItCanHave() {
        assertDoesNotThrow(() -> attributes(KeySpec.AES_256, KeyUsage.ENCRYPT_DECRYPT, true, KeyAccessPolicy.EMPTY));
        assertDoesNotThrow(() -> attributes(KeySpec.RSA_2048, KeyUsage.ENCRYPT_DECRYPT, true, KeyAccessPolicy.EMPTY));
        assertDoesNotThrow(() -> attributes(KeySpec.RSA_4096, KeyUsage.SIGN_VERIFY, false, KeyAccessPolicy.EMPTY));
        assertDoesNotThrow(() -> attributes(KeySpec.EC_P256, KeyUsage.SIGN_VERIFY, false, KeyAccessPolicy.EMPTY));

        KmsException aesSigns = refusal(() -> attributes(KeySpec.AES_256, KeyUsage.SIGN_VERIFY, false, KeyAccessPolicy.EMPTY));
        assertEquals(ErrorReason.INVALID_KEY_SPEC, aesSigns.reason());
        assertEquals("ENCRYPT_DECRYPT", aesSigns.metadata().get("allowed"));
        KmsException ecDecrypts = refusal(() -> attributes(KeySpec.EC_P384, KeyUsage.ENCRYPT_DECRYPT, false,
                KeyAccessPolicy.EMPTY));
        assertEquals(ErrorReason.INVALID_KEY_SPEC, ecDecrypts.reason());
        assertEquals("SIGN_VERIFY", ecDecrypts.metadata().get("allowed"));
    }

    @Test
    void nullSpecAndUsageMeanAes256ForEnvelopes() {
        KeyAttributes attributes = attributes(null, null, false, null);
        assertEquals(KeySpec.AES_256, attributes.spec());
        assertEquals(KeyUsage.ENCRYPT_DECRYPT, attributes.usage());
    }

    @Test
    void aSigningKeyCannotBeABreakGlassKey() {
        KmsException e = refusal(() -> attributes(KeySpec.EC_P256, KeyUsage.SIGN_VERIFY, true, KeyAccessPolicy.EMPTY));
        assertEquals(ErrorReason.INVALID_KEY_SPEC, e.reason());
        assertTrue(e.getMessage().contains("SIGN_VERIFY key cannot have it"), e.getMessage());
    }

    @Test
    void anAsymmetricKeysPolicyCannotRequireAnEncryptionContext() {
        KeyAccessPolicy requiresContext = KeyAccessPolicy.of(new KeyAccessPolicy.Written(
                List.of(new KeyAccessPolicy.WrittenRule(List.of("svc"), List.of("DECRYPT"))),
                List.of(new KeyAccessPolicy.WrittenRequirement("tenant", List.of()))));
        KmsException e = refusal(() -> attributes(KeySpec.RSA_3072, KeyUsage.ENCRYPT_DECRYPT, false, requiresContext));
        assertEquals(ErrorReason.INVALID_POLICY, e.reason());
        assertEquals("required_context", e.metadata().get("field"));
        assertDoesNotThrow(() -> attributes(KeySpec.AES_256, KeyUsage.ENCRYPT_DECRYPT, false, requiresContext));
    }

    @Test
    void unknownSpecsAndUsagesFromTheWireAreRefusedByName() {
        KmsException spec = refusal(() -> SignedDocumentCodec.keySpec(coffre.kms.v1.KeySpec.UNRECOGNIZED, 9));
        assertEquals(ErrorReason.INVALID_KEY_SPEC, spec.reason());
        assertTrue(spec.getMessage().startsWith("key spec 9 is not one of AES_256, RSA_2048"), spec.getMessage());
        KmsException usage = refusal(() -> SignedDocumentCodec.keyUsage(coffre.kms.v1.KeyUsage.UNRECOGNIZED, 7));
        assertEquals(ErrorReason.INVALID_KEY_SPEC, usage.reason());
        assertEquals(KeySpec.AES_256, SignedDocumentCodec.keySpec(coffre.kms.v1.KeySpec.AES_256, 0));
        assertEquals(KeyUsage.SIGN_VERIFY, SignedDocumentCodec.keyUsage(coffre.kms.v1.KeyUsage.SIGN_VERIFY, 1));
    }

    @ParameterizedTest
    @EnumSource(KeySpec.class)
    void domainSpecsAreTheApiSpecs(KeySpec spec) {
        assertEquals(spec.name(), SignedDocumentCodec.toProto(spec).name());
    }

    @Test
    void whatEachKindOfKeyCanDo() {
        assertEquals(EnumSet.of(DataOperation.WRAP, DataOperation.UNWRAP, DataOperation.GENERATE_DATA_KEY,
                DataOperation.REWRAP), KeyCapabilities.of(KeySpec.AES_256, KeyUsage.ENCRYPT_DECRYPT));
        assertEquals(Set.of(DataOperation.DECRYPT, DataOperation.GET_PUBLIC_KEY),
                KeyCapabilities.of(KeySpec.RSA_2048, KeyUsage.ENCRYPT_DECRYPT));
        assertEquals(Set.of(DataOperation.SIGN, DataOperation.VERIFY, DataOperation.GET_PUBLIC_KEY),
                KeyCapabilities.of(KeySpec.EC_P256, KeyUsage.SIGN_VERIFY));
        assertEquals(Set.of(DataOperation.SIGN, DataOperation.VERIFY, DataOperation.GET_PUBLIC_KEY),
                KeyCapabilities.of(KeySpec.RSA_3072, KeyUsage.SIGN_VERIFY));
    }

    @Test
    void usingAKeyForWhatItCannotDoSaysWhatTheKeyIs() throws Exception {
        KeyMetadata rsa = KeyMetadata.created(KeyId.random(new java.security.SecureRandom()),
                attributes(KeySpec.RSA_2048, KeyUsage.ENCRYPT_DECRYPT, false, KeyAccessPolicy.EMPTY), NOW,
                PublicKeyInfo.of(rsaPublicKey(2048), KeySpec.RSA_2048));
        KmsException e = refusal(() -> KeyCapabilities.require(rsa, DataOperation.WRAP));
        assertEquals(ErrorReason.INVALID_KEY_USAGE, e.reason());
        assertEquals(Map.of("key_spec", "RSA_2048", "key_usage", "ENCRYPT_DECRYPT"), e.metadata());
        assertTrue(e.getMessage().contains("cannot wrap (it can DECRYPT, GET_PUBLIC_KEY)"), e.getMessage());
        assertDoesNotThrow(() -> KeyCapabilities.require(rsa, DataOperation.DECRYPT));
    }

    @Test
    void aPublicKeyMustBeOfItsSpec() throws Exception {
        byte[] rsa2048 = rsaPublicKey(2048);
        PublicKeyInfo info = PublicKeyInfo.of(rsa2048, KeySpec.RSA_2048);
        assertTrue(info.pem().startsWith("-----BEGIN PUBLIC KEY-----\n"));
        assertTrue(info.pem().endsWith("\n-----END PUBLIC KEY-----\n"));
        assertEquals(info, PublicKeyInfo.of(rsa2048, KeySpec.RSA_2048));
        assertNotNull(info.jca());
        assertThrows(IllegalArgumentException.class, () -> PublicKeyInfo.of(rsa2048, KeySpec.RSA_3072));
        assertThrows(IllegalArgumentException.class, () -> PublicKeyInfo.of(rsa2048, KeySpec.EC_P256));
        assertThrows(IllegalArgumentException.class, () -> PublicKeyInfo.of(new byte[] {0x30, 0}, KeySpec.RSA_2048));
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(new ECGenParameterSpec("secp384r1"));
        byte[] p384 = ec.generateKeyPair().getPublic().getEncoded();
        assertDoesNotThrow(() -> PublicKeyInfo.of(p384, KeySpec.EC_P384));
        assertThrows(IllegalArgumentException.class, () -> PublicKeyInfo.of(p384, KeySpec.EC_P256));
    }

    @Test
    void onlyAsymmetricVersionsCarryAPublicKey() throws Exception {
        KeyAttributes aes = attributes(KeySpec.AES_256, KeyUsage.ENCRYPT_DECRYPT, false, KeyAccessPolicy.EMPTY);
        PublicKeyInfo rsa = PublicKeyInfo.of(rsaPublicKey(2048), KeySpec.RSA_2048);
        KeyId id = KeyId.random(new java.security.SecureRandom());
        assertThrows(IllegalArgumentException.class, () -> KeyMetadata.created(id, aes, NOW, rsa));
        assertThrows(IllegalArgumentException.class, () -> KeyMetadata.created(id,
                attributes(KeySpec.RSA_2048, KeyUsage.SIGN_VERIFY, false, KeyAccessPolicy.EMPTY), NOW, null));
        assertTrue(KeyAccessPolicy.EMPTY.decide(new Principal("x"), DataOperation.SIGN, null)
                == KeyAccessPolicy.Verdict.NO_RULE);
    }

    private static byte[] rsaPublicKey(int bits) throws Exception {
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(bits);
        return rsa.generateKeyPair().getPublic().getEncoded();
    }
}
