package coffre.kms.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import coffre.kms.server.audit.ChainHash;
import coffre.kms.server.crypto.EncryptionContext;
import coffre.kms.v1.GetKeyRequest;
import coffre.kms.v1.GetKeyResponse;
import coffre.kms.v1.WrapRequest;
import coffre.kms.v1.WrapResponse;
import com.google.protobuf.ByteString;
import com.google.protobuf.DynamicMessage;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AuditFieldsTest {
    private final AuditFields wrap = AuditFields.of(WrapRequest.getDescriptor(), WrapResponse.getDescriptor());

    @Test
    void contextDigestIsTheSha256OfTheCanonicalContext() {
        Map<String, String> context = Map.of("tenant", "acme", "purpose", "backup", "\u00e9t\u00e9", "\uD83D\uDE00");
        WrapRequest request = WrapRequest.newBuilder().setKeyId("key-abcdefghijklmnopqrstuvwxyz")
                .setPlaintext(ByteString.copyFromUtf8("x")).putAllEncryptionContext(context).build();

        AuditFields.Subject subject = wrap.extract(request, null);

        assertEquals(ChainHash.sha256Hex(EncryptionContext.of(context).canonicalBytes()), subject.contextSha256());
        assertEquals("key-abcdefghijklmnopqrstuvwxyz", subject.keyId());
    }

    @Test
    void aMessageWithoutTheGeneratedGetterGivesTheSameDigest() throws Exception {
        WrapRequest generated = WrapRequest.newBuilder().putEncryptionContext("b", "2").putEncryptionContext("a", "1")
                .build();
        DynamicMessage dynamic = DynamicMessage.parseFrom(WrapRequest.getDescriptor(), generated.toByteString());

        assertEquals(wrap.extract(generated, null).contextSha256(), wrap.extract(dynamic, null).contextSha256());
        assertEquals(ChainHash.sha256Hex(EncryptionContext.of(Map.of("a", "1", "b", "2")).canonicalBytes()),
                wrap.extract(dynamic, null).contextSha256());
    }

    @Test
    void noContextOrAnInvalidOneHasNoDigest() {
        assertEquals("", wrap.extract(WrapRequest.newBuilder().setKeyId("k").build(), null).contextSha256());
        WrapRequest invalid = WrapRequest.newBuilder().putEncryptionContext("", "empty key").build();
        assertEquals("", wrap.extract(invalid, null).contextSha256());
        AuditFields getKey = AuditFields.of(GetKeyRequest.getDescriptor(), GetKeyResponse.getDescriptor());
        assertEquals("", getKey.extract(GetKeyRequest.newBuilder().setKeyId("k").build(), null).contextSha256());
    }

    /** Issue 18: an AddOfficer event names the officer and its canonical fingerprint, whatever encoding was sent. */
    @Test
    void anAddOfficerEventNamesTheOfficerAndItsCanonicalFingerprint() throws Exception {
        coffre.kms.v1.Officer officer = coffre.kms.server.testing.TestOfficers.newOfficer("dave", "op-b",
                coffre.kms.v1.SignatureAlgorithm.ED25519, "spiffe://t/dave").officer();
        coffre.kms.v1.AddOfficerRequest request = coffre.kms.v1.AddOfficerRequest.newBuilder().setOfficer(officer.toBuilder()
                .setPublicKey(coffre.kms.server.testing.TestOfficers.withNullAlgorithmParameter(officer.getPublicKey())))
                .build();
        AuditFields fields = AuditFields.of(coffre.kms.v1.AddOfficerRequest.getDescriptor(),
                coffre.kms.v1.AddOfficerResponse.getDescriptor());
        String expected = "officer=dave fingerprint=" + coffre.kms.v1.signing.OfficerKeys.fingerprint(officer.getPublicKey());
        assertEquals(expected, fields.extract(request, null).detail());
        com.google.protobuf.DynamicMessage dynamic = com.google.protobuf.DynamicMessage.parseFrom(
                coffre.kms.v1.AddOfficerRequest.getDescriptor(), request.toByteString());
        assertEquals(expected, fields.extract(dynamic, null).detail());
    }

    /** XKS administration: the store, credential and external key concerned, never a credential's secret. */
    @Test
    void xksEventsNameTheStoreAndCredentialButNeverTheSecret() {
        String secret = "FYtE5EFA5FT0mCc3DrGUe2sti527BitkQ0Zr9MO9fvE";
        AuditFields create = AuditFields.of(coffre.kms.v1.CreateXksKeyStoreRequest.getDescriptor(),
                coffre.kms.v1.CreateXksKeyStoreResponse.getDescriptor());
        coffre.kms.v1.CreateXksKeyStoreRequest request = coffre.kms.v1.CreateXksKeyStoreRequest.newBuilder()
                .setName("paris").setUriPath("/paris/kms/xks/v1").setRegion("eu-west-3").build();
        coffre.kms.v1.CreateXksKeyStoreResponse response = coffre.kms.v1.CreateXksKeyStoreResponse.newBuilder()
                .setKeyStoreId("xks-abcdefghijklmnopqrstuvwxyz")
                .setApprovalRequest(coffre.kms.v1.ApprovalRequest.newBuilder().setId("apr-1"))
                .setCredential(coffre.kms.v1.XksSecretCredential.newBuilder().setAccessKeyId("AKIAI2SFODNN7EXAMPLE")
                        .setRawSecretAccessKey(secret).setUriPath("/paris/kms/xks/v1"))
                .build();
        AuditFields.Subject subject = create.extract(request, response);
        assertEquals("name=paris uri_path=/paris/kms/xks/v1 region=eu-west-3 key_store_id=xks-abcdefghijklmnopqrstuvwxyz"
                + " access_key_id=AKIAI2SFODNN7EXAMPLE", subject.detail());
        assertEquals("apr-1", subject.target());
        org.junit.jupiter.api.Assertions.assertFalse(subject.toString().contains(secret));

        AuditFields map = AuditFields.of(coffre.kms.v1.MapXksKeyRequest.getDescriptor(),
                coffre.kms.v1.MapXksKeyResponse.getDescriptor());
        AuditFields.Subject mapped = map.extract(coffre.kms.v1.MapXksKeyRequest.newBuilder()
                .setKeyStoreId("xks-abcdefghijklmnopqrstuvwxyz").setExternalKeyId("orders")
                .setKeyId("key-abcdefghijklmnopqrstuvwxyz").build(), null);
        assertEquals("key-abcdefghijklmnopqrstuvwxyz", mapped.keyId());
        assertEquals("key_store_id=xks-abcdefghijklmnopqrstuvwxyz external_key_id=orders", mapped.detail());
    }

    @Test
    void aVerificationNamesItsAlgorithmAndAnswerButNeverTheSignatureOrMessage() {
        AuditFields verify = AuditFields.of(coffre.kms.v1.VerifyRequest.getDescriptor(),
                coffre.kms.v1.VerifyResponse.getDescriptor());
        coffre.kms.v1.VerifyRequest request = coffre.kms.v1.VerifyRequest.newBuilder().setKeyId("alias/signer")
                .setKeyVersion(3).setMessage(ByteString.copyFromUtf8("pay 100"))
                .setSignature(ByteString.copyFromUtf8("sig")).build();
        AuditFields.Subject refused = verify.extract(request, null);
        assertEquals("alias/signer", refused.keyId());
        assertEquals(3, refused.keyVersion(), "a failed call names the version it asked for");
        assertEquals("", refused.detail());
        AuditFields.Subject answered = verify.extract(request, coffre.kms.v1.VerifyResponse.newBuilder()
                .setKeyId("key-abcdefghijklmnopqrstuvwxyz").setKeyVersion(3).setValid(false)
                .setAlgorithm(coffre.kms.v1.SigningAlgorithm.ECDSA_SHA_384).build());
        assertEquals("key-abcdefghijklmnopqrstuvwxyz", answered.keyId());
        assertEquals("algorithm=ECDSA_SHA_384 valid=false", answered.detail());
    }

    @Test
    void anAsymmetricDecryptionNamesTheKeyAndVersionOnly() {
        AuditFields decrypt = AuditFields.of(coffre.kms.v1.AsymmetricDecryptRequest.getDescriptor(),
                coffre.kms.v1.AsymmetricDecryptResponse.getDescriptor());
        AuditFields.Subject subject = decrypt.extract(coffre.kms.v1.AsymmetricDecryptRequest.newBuilder()
                .setKeyId("key-abcdefghijklmnopqrstuvwxyz").setCiphertext(ByteString.copyFrom(new byte[256]))
                .setAlgorithm(coffre.kms.v1.EncryptionAlgorithm.RSAES_OAEP_SHA_256).build(),
                coffre.kms.v1.AsymmetricDecryptResponse.newBuilder().setKeyId("key-abcdefghijklmnopqrstuvwxyz")
                        .setKeyVersion(2).setPlaintext(ByteString.copyFromUtf8("secret")).build());
        assertEquals(2, subject.keyVersion());
        assertEquals("algorithm=RSAES_OAEP_SHA_256", subject.detail());
        assertEquals("", subject.contextSha256());
    }
}
