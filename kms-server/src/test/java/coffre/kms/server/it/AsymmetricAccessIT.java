package coffre.kms.server.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.hsm.testing.SecretLedger;
import coffre.kms.server.crypto.Envelope;
import coffre.kms.server.keys.KeyId;
import coffre.kms.server.testing.Errors;
import coffre.kms.server.testing.Operations;
import coffre.kms.server.testing.TestOfficers;
import coffre.kms.server.testing.TestServer;
import coffre.kms.v1.AccessPolicy;
import coffre.kms.v1.AccessRule;
import coffre.kms.v1.ApprovalPolicy;
import coffre.kms.v1.ApprovalRequest;
import coffre.kms.v1.ApprovalState;
import coffre.kms.v1.AsymmetricDecryptRequest;
import coffre.kms.v1.ContextRequirement;
import coffre.kms.v1.CreateGrantRequest;
import coffre.kms.v1.CreateKeyRequest;
import coffre.kms.v1.CryptoServiceGrpc;
import coffre.kms.v1.CryptoServiceGrpc.CryptoServiceBlockingStub;
import coffre.kms.v1.DataOperation;
import coffre.kms.v1.DecryptOnceOperation;
import coffre.kms.v1.GetApprovalRequestRequest;
import coffre.kms.v1.GetPublicKeyRequest;
import coffre.kms.v1.GrantSpec;
import coffre.kms.v1.Key;
import coffre.kms.v1.KeySpec;
import coffre.kms.v1.KeyUsage;
import coffre.kms.v1.RuleEffect;
import coffre.kms.v1.SetApprovalPolicyRequest;
import coffre.kms.v1.SignRequest;
import coffre.kms.v1.SigningAlgorithm;
import coffre.kms.v1.UnwrapRequest;
import coffre.kms.v1.VerifyRequest;
import coffre.kms.v1.WrapRequest;
import com.google.protobuf.ByteString;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.util.List;
import javax.crypto.Cipher;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who may use an asymmetric key, and every refusal, on a real node over a real SoftHSM token:
 * policy rules (allow and deny) per new operation, grants, break-glass decryption approved by the
 * quorum, keys used for what they cannot do, malformed requests. Each refusal with its reason and code.
 */
class AsymmetricAccessIT {
    private static final String OTHER = "spiffe://coffre.test/service/other";

    @TempDir
    static Path dir;
    static TestServer node;
    static CryptoServiceBlockingStub billing;
    static CryptoServiceBlockingStub other;

    @BeforeAll
    static void start() {
        node = TestServer.start(dir);
        billing = node.serviceCrypto();
        other = CryptoServiceGrpc.newBlockingStub(node.channelFor(node.pki().clientWithUri("other", OTHER)));
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    private static Key key(KeySpec spec, KeyUsage usage, AccessPolicy policy) {
        return node.createKey(CreateKeyRequest.newBuilder().setKeySpec(spec).setKeyUsage(usage).setAccessPolicy(policy)
                .build());
    }

    private static AccessRule.Builder allow(String principal, DataOperation... operations) {
        return AccessRule.newBuilder().addPrincipals(principal).addAllOperations(List.of(operations));
    }

    private static byte[] oaep(CryptoServiceBlockingStub as, String keyId) throws Exception {
        byte[] der = as.getPublicKey(GetPublicKeyRequest.newBuilder().setKeyId(keyId).build()).getPublicKeyDer()
                .toByteArray();
        PublicKey key = KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(der));
        Cipher cipher = Cipher.getInstance("RSA/ECB/OAEPPadding", "SunJCE");
        cipher.init(Cipher.ENCRYPT_MODE, key, new OAEPParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256,
                PSource.PSpecified.DEFAULT));
        byte[] plaintext = ("for " + keyId).getBytes(StandardCharsets.UTF_8);
        SecretLedger.record(plaintext);
        return cipher.doFinal(plaintext);
    }

    private static AsymmetricDecryptRequest decrypt(String keyId, byte[] ciphertext) {
        return AsymmetricDecryptRequest.newBuilder().setKeyId(keyId).setCiphertext(ByteString.copyFrom(ciphertext)).build();
    }

    private static SignRequest sign(String keyId) {
        return SignRequest.newBuilder().setKeyId(keyId).setMessage(ByteString.copyFromUtf8("m")).build();
    }

    @Test
    void eachNewOperationIsAllowedOnlyByARuleThatListsItAndDenyWins() throws Exception {
        Key signs = key(KeySpec.EC_P256, KeyUsage.SIGN_VERIFY, AccessPolicy.newBuilder()
                .addRules(allow("spiffe://coffre.test/service/*", DataOperation.SIGN, DataOperation.VERIFY,
                        DataOperation.GET_PUBLIC_KEY))
                .addRules(allow(TestServer.SERVICE, DataOperation.SIGN).setEffect(RuleEffect.DENY)).build());
        Errors.expect(Status.Code.PERMISSION_DENIED, "PERMISSION_DENIED", () -> billing.sign(sign(signs.getId())));
        ByteString signature = other.sign(sign(signs.getId())).getSignature();
        assertTrue(billing.verify(VerifyRequest.newBuilder().setKeyId(signs.getId()).setMessage(ByteString.copyFromUtf8("m"))
                .setSignature(signature).build()).getValid(), "verify is not denied to billing");

        Key decrypts = key(KeySpec.RSA_2048, KeyUsage.ENCRYPT_DECRYPT, AccessPolicy.newBuilder()
                .addRules(allow("spiffe://coffre.test/service/*", DataOperation.GET_PUBLIC_KEY))
                .addRules(allow(OTHER, DataOperation.DECRYPT)).build());
        byte[] ciphertext = oaep(billing, decrypts.getId());
        Errors.expect(Status.Code.PERMISSION_DENIED, "PERMISSION_DENIED",
                () -> billing.asymmetricDecrypt(decrypt(decrypts.getId(), ciphertext)));
        assertEquals("for " + decrypts.getId(),
                other.asymmetricDecrypt(decrypt(decrypts.getId(), ciphertext)).getPlaintext().toStringUtf8());

        Key nobody = key(KeySpec.RSA_2048, KeyUsage.ENCRYPT_DECRYPT, AccessPolicy.getDefaultInstance());
        Errors.Seen forbidden = Errors.expect(Status.Code.PERMISSION_DENIED, "PERMISSION_DENIED",
                () -> billing.getPublicKey(GetPublicKeyRequest.newBuilder().setKeyId(nobody.getId()).build()));
        Errors.Seen missing = Errors.expect(Status.Code.PERMISSION_DENIED, "PERMISSION_DENIED",
                () -> billing.getPublicKey(GetPublicKeyRequest.newBuilder().setKeyId("key-aaaaaaaaaaaaaaaaaaaaaaaaaa").build()));
        assertEquals(forbidden.message().replace(nobody.getId(), "ID"),
                missing.message().replace("key-aaaaaaaaaaaaaaaaaaaaaaaaaa", "ID"), "no oracle on key existence");
    }

    @Test
    void aGrantAllowsExactlyTheOperationsItLists() {
        Key signs = key(KeySpec.RSA_2048, KeyUsage.SIGN_VERIFY, AccessPolicy.getDefaultInstance());
        Errors.expect(Status.Code.PERMISSION_DENIED, "PERMISSION_DENIED", () -> other.sign(sign(signs.getId())));
        GrantSpec grant = GrantSpec.newBuilder().setKeyId(signs.getId()).setPrincipal(OTHER)
                .addOperations(DataOperation.SIGN).addOperations(DataOperation.GET_PUBLIC_KEY)
                .setNotAfter(TestOfficers.timestamp(node.now().plus(Duration.ofHours(1)))).build();
        ApprovalRequest created = node.approve(node.adminKeys().createGrant(CreateGrantRequest.newBuilder()
                .setGrant(grant).build()).getApprovalRequest());
        assertEquals(ApprovalState.EXECUTED, created.getState());
        assertEquals(SigningAlgorithm.RSASSA_PSS_SHA_256, other.sign(sign(signs.getId())).getAlgorithm());
        other.getPublicKey(GetPublicKeyRequest.newBuilder().setKeyId(signs.getId()).build());
        Errors.expect(Status.Code.PERMISSION_DENIED, "PERMISSION_DENIED", () -> other.verify(VerifyRequest.newBuilder()
                .setKeyId(signs.getId()).setMessage(ByteString.copyFromUtf8("m")).setSignature(ByteString.copyFromUtf8("s"))
                .build()));
        Errors.expect(Status.Code.PERMISSION_DENIED, "PERMISSION_DENIED", () -> billing.sign(sign(signs.getId())));
    }

    @Test
    void aBreakGlassKeyDecryptsEachCiphertextOnceOfficersApprove() throws Exception {
        Key key = node.createKey(CreateKeyRequest.newBuilder().setKeySpec(KeySpec.RSA_2048)
                .setApprovalPolicy(ApprovalPolicy.newBuilder().setRequireUnwrapApproval(true))
                .setAccessPolicy(AccessPolicy.newBuilder().addRules(allow(TestServer.SERVICE, DataOperation.DECRYPT,
                        DataOperation.GET_PUBLIC_KEY))).build());
        byte[] ciphertext = oaep(billing, key.getId());
        Errors.Seen first = Errors.expect(Status.Code.FAILED_PRECONDITION, "APPROVAL_REQUIRED",
                () -> billing.asymmetricDecrypt(decrypt(key.getId(), ciphertext)));
        String requestId = first.metadata().get("approval_request_id");
        assertEquals(requestId, Errors.expect(Status.Code.FAILED_PRECONDITION, "APPROVAL_REQUIRED",
                () -> billing.asymmetricDecrypt(decrypt(key.getId(), ciphertext))).metadata().get("approval_request_id"),
                "a pending request is reused");

        ApprovalRequest request = node.adminApprovals().getApprovalRequest(GetApprovalRequestRequest.newBuilder()
                .setRequestId(requestId).build()).getRequest();
        DecryptOnceOperation asked = Operations.of(request).getDecryptOnce();
        assertEquals(TestServer.SERVICE, asked.getPrincipal());
        assertEquals(key.getId(), asked.getKeyId());
        assertEquals(1, asked.getKeyVersion());
        assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(ciphertext), asked.getCiphertextSha256().toByteArray());

        assertEquals(ApprovalState.EXECUTED, node.approve(request).getState());
        assertEquals("for " + key.getId(),
                billing.asymmetricDecrypt(decrypt(key.getId(), ciphertext)).getPlaintext().toStringUtf8());
        Errors.Seen again = Errors.expect(Status.Code.FAILED_PRECONDITION, "APPROVAL_REQUIRED",
                () -> billing.asymmetricDecrypt(decrypt(key.getId(), ciphertext)));
        assertNotEquals(requestId, again.metadata().get("approval_request_id"), "one approval, one decryption");
    }

    @Test
    void aKeyUsedForWhatItCannotDoIsInvalidKeyUsage() throws Exception {
        AccessPolicy everything = AccessPolicy.newBuilder().addRules(allow("spiffe://coffre.test/service/*",
                DataOperation.WRAP, DataOperation.UNWRAP, DataOperation.GENERATE_DATA_KEY, DataOperation.REWRAP,
                DataOperation.DECRYPT, DataOperation.SIGN, DataOperation.VERIFY, DataOperation.GET_PUBLIC_KEY)).build();
        Key rsa = key(KeySpec.RSA_2048, KeyUsage.ENCRYPT_DECRYPT, everything);
        Key ec = key(KeySpec.EC_P256, KeyUsage.SIGN_VERIFY, everything);
        Key aes = node.createKey(CreateKeyRequest.newBuilder().setAccessPolicy(everything).build());
        Errors.Seen wrap = Errors.expect(Status.Code.FAILED_PRECONDITION, "INVALID_KEY_USAGE", () -> billing.wrap(
                WrapRequest.newBuilder().setKeyId(rsa.getId()).setPlaintext(ByteString.copyFromUtf8("x")).build()));
        assertEquals("RSA_2048", wrap.metadata().get("key_spec"));
        assertEquals("ENCRYPT_DECRYPT", wrap.metadata().get("key_usage"));
        byte[] forged = new Envelope(new KeyId(rsa.getId()), 1, new byte[12], new byte[32]).encode();
        Errors.expect(Status.Code.FAILED_PRECONDITION, "INVALID_KEY_USAGE", () -> billing.unwrap(
                UnwrapRequest.newBuilder().setEnvelope(ByteString.copyFrom(forged)).build()));
        Errors.expect(Status.Code.FAILED_PRECONDITION, "INVALID_KEY_USAGE", () -> billing.sign(sign(rsa.getId())));
        Errors.expect(Status.Code.FAILED_PRECONDITION, "INVALID_KEY_USAGE",
                () -> billing.asymmetricDecrypt(decrypt(ec.getId(), new byte[64])));
        Errors.expect(Status.Code.FAILED_PRECONDITION, "INVALID_KEY_USAGE",
                () -> billing.asymmetricDecrypt(decrypt(aes.getId(), new byte[256])));
        Errors.expect(Status.Code.FAILED_PRECONDITION, "INVALID_KEY_USAGE", () -> billing.sign(sign(aes.getId())));
        Errors.expect(Status.Code.FAILED_PRECONDITION, "INVALID_KEY_USAGE",
                () -> billing.getPublicKey(GetPublicKeyRequest.newBuilder().setKeyId(aes.getId()).build()));
        Errors.expect(Status.Code.FAILED_PRECONDITION, "INVALID_KEY_USAGE", () -> billing.wrap(
                WrapRequest.newBuilder().setKeyId(ec.getId()).setPlaintext(ByteString.copyFromUtf8("x")).build()));
    }

    @Test
    void keySpecsAndUsagesThatDoNotGoTogetherAreRefusedBeforeOfficersSeeThem() {
        Errors.Seen ecDecrypts = Errors.expect(Status.Code.INVALID_ARGUMENT, "INVALID_KEY_SPEC",
                () -> node.adminKeys().createKey(CreateKeyRequest.newBuilder().setKeySpec(KeySpec.EC_P256)
                        .setKeyUsage(KeyUsage.ENCRYPT_DECRYPT).build()));
        assertEquals("SIGN_VERIFY", ecDecrypts.metadata().get("allowed"));
        Errors.expect(Status.Code.INVALID_ARGUMENT, "INVALID_KEY_SPEC", () -> node.adminKeys().createKey(
                CreateKeyRequest.newBuilder().setKeyUsage(KeyUsage.SIGN_VERIFY).build()));
        Errors.expect(Status.Code.INVALID_ARGUMENT, "INVALID_KEY_SPEC", () -> node.adminKeys().createKey(
                CreateKeyRequest.newBuilder().setKeySpecValue(9).build()));
        Errors.expect(Status.Code.INVALID_ARGUMENT, "INVALID_KEY_SPEC", () -> node.adminKeys().createKey(
                CreateKeyRequest.newBuilder().setKeySpec(KeySpec.RSA_2048).setKeyUsage(KeyUsage.SIGN_VERIFY)
                        .setApprovalPolicy(ApprovalPolicy.newBuilder().setRequireUnwrapApproval(true)).build()));
        Errors.Seen context = Errors.expect(Status.Code.INVALID_ARGUMENT, "INVALID_POLICY", () -> node.adminKeys()
                .createKey(CreateKeyRequest.newBuilder().setKeySpec(KeySpec.RSA_2048).setAccessPolicy(AccessPolicy
                        .newBuilder().addRequiredContext(ContextRequirement.newBuilder().setKey("tenant"))).build()));
        assertEquals("required_context", context.metadata().get("field"));
        Key signs = key(KeySpec.EC_P384, KeyUsage.SIGN_VERIFY, AccessPolicy.getDefaultInstance());
        Errors.expect(Status.Code.INVALID_ARGUMENT, "INVALID_KEY_SPEC", () -> node.adminKeys().setApprovalPolicy(
                SetApprovalPolicyRequest.newBuilder().setKeyId(signs.getId()).setApprovalPolicy(ApprovalPolicy
                        .newBuilder().setRequireUnwrapApproval(true)).build()));
    }

    @Test
    void malformedInputsAreRefusedWithTheirReason() throws Exception {
        AccessPolicy all = AccessPolicy.newBuilder().addRules(allow(TestServer.SERVICE, DataOperation.DECRYPT,
                DataOperation.SIGN, DataOperation.VERIFY, DataOperation.GET_PUBLIC_KEY)).build();
        Key p256 = key(KeySpec.EC_P256, KeyUsage.SIGN_VERIFY, all);
        Key rsa = key(KeySpec.RSA_2048, KeyUsage.ENCRYPT_DECRYPT, all);

        Errors.Seen algorithm = Errors.expect(Status.Code.INVALID_ARGUMENT, "UNSUPPORTED_ALGORITHM", () -> billing.sign(
                sign(p256.getId()).toBuilder().setAlgorithm(SigningAlgorithm.ECDSA_SHA_384).build()));
        assertEquals("ECDSA_SHA_256", algorithm.metadata().get("allowed"));
        Errors.expect(Status.Code.INVALID_ARGUMENT, "UNSUPPORTED_ALGORITHM", () -> billing.sign(
                sign(p256.getId()).toBuilder().setAlgorithmValue(42).build()));
        Errors.expect(Status.Code.INVALID_ARGUMENT, "UNSUPPORTED_ALGORITHM", () -> billing.asymmetricDecrypt(
                decrypt(rsa.getId(), new byte[256]).toBuilder().setAlgorithmValue(7).build()));
        Errors.Seen digest = Errors.expect(Status.Code.INVALID_ARGUMENT, "INVALID_DIGEST", () -> billing.sign(SignRequest
                .newBuilder().setKeyId(p256.getId()).setDigest(ByteString.copyFrom(new byte[31])).build()));
        assertEquals("32", digest.metadata().get("length"));
        Errors.Seen large = Errors.expect(Status.Code.INVALID_ARGUMENT, "SIGNING_INPUT_TOO_LARGE", () -> billing.sign(
                SignRequest.newBuilder().setKeyId(p256.getId()).setMessage(ByteString.copyFrom(new byte[4097])).build()));
        assertEquals("4096", large.metadata().get("limit"));
        Errors.expect(Status.Code.INVALID_ARGUMENT, "MISSING_FIELD", () -> billing.sign(
                SignRequest.newBuilder().setKeyId(p256.getId()).build()));
        Errors.expect(Status.Code.INVALID_ARGUMENT, "MISSING_FIELD", () -> billing.verify(VerifyRequest.newBuilder()
                .setKeyId(p256.getId()).setMessage(ByteString.copyFromUtf8("m")).build()));

        Errors.Seen length = Errors.expect(Status.Code.INVALID_ARGUMENT, "INVALID_CIPHERTEXT_LENGTH",
                () -> billing.asymmetricDecrypt(decrypt(rsa.getId(), new byte[255])));
        assertEquals("256", length.metadata().get("length"));
        Errors.expect(Status.Code.INVALID_ARGUMENT, "MISSING_FIELD",
                () -> billing.asymmetricDecrypt(decrypt(rsa.getId(), new byte[0])));
        Errors.expect(Status.Code.NOT_FOUND, "KEY_VERSION_NOT_FOUND", () -> billing.asymmetricDecrypt(
                decrypt(rsa.getId(), new byte[256]).toBuilder().setKeyVersion(2).build()));
        byte[] ciphertext = oaep(billing, rsa.getId());
        ciphertext[0] ^= 0x01;
        Errors.Seen tampered = Errors.expect(Status.Code.INVALID_ARGUMENT, "DECRYPTION_FAILED",
                () -> billing.asymmetricDecrypt(decrypt(rsa.getId(), ciphertext)));
        Errors.Seen zeros = Errors.expect(Status.Code.INVALID_ARGUMENT, "DECRYPTION_FAILED",
                () -> billing.asymmetricDecrypt(decrypt(rsa.getId(), new byte[256])));
        assertEquals(tampered.message(), zeros.message(), "one answer for every ciphertext that does not decrypt");
        Errors.expect(Status.Code.INVALID_ARGUMENT, "INVALID_KEY_ID",
                () -> billing.getPublicKey(GetPublicKeyRequest.newBuilder().setKeyId("nope").build()));
    }
}
