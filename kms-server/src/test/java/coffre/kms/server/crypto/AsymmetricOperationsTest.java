package coffre.kms.server.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.hsm.testing.SecretLedger;
import coffre.kms.server.access.AccessDecider;
import coffre.kms.server.access.GrantRegistry;
import coffre.kms.server.access.GrantTerms;
import coffre.kms.server.access.KeyAccessEnforcer;
import coffre.kms.server.approval.Approval;
import coffre.kms.server.approval.ApprovalGate;
import coffre.kms.server.approval.ApprovedOperations;
import coffre.kms.server.approval.BreakGlassAllowances;
import coffre.kms.server.approval.BreakGlassUnwraps;
import coffre.kms.server.approval.OfficerSignature;
import coffre.kms.server.approval.QuorumRule;
import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.domain.Principal;
import coffre.kms.server.keys.KeyAccessPolicy;
import coffre.kms.server.keys.KeyAttributes;
import coffre.kms.server.keys.KeyLifecycle;
import coffre.kms.server.keys.KeyMetadata;
import coffre.kms.server.keys.KeyReference;
import coffre.kms.server.keys.KeyRegistry;
import coffre.kms.server.keys.KeySpec;
import coffre.kms.server.keys.KeyUsage;
import coffre.kms.server.store.Storage;
import coffre.kms.server.store.StoreFactoryAccess;
import coffre.kms.server.testing.MutableClock;
import coffre.kms.server.testing.SoftwareHsm;
import coffre.kms.v1.Operation;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.crypto.Cipher;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The domain of asymmetric keys over a software HSM and a real embedded store: key pairs made by
 * the lifecycle, each operation's checks in order (access, state, usage, version, input), OAEP
 * decryption of what the JDK encrypted, signatures the JDK verifies, verification on the stored
 * public key, rotation, grants and break-glass decryption.
 */
class AsymmetricOperationsTest {
    private static final Principal APP = new Principal("spiffe://coffre.test/app");
    private static final Principal OTHER = new Principal("spiffe://coffre.test/other");

    @TempDir
    Path dir;

    private final SoftwareHsm hsm = new SoftwareHsm();
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-07T10:00:00Z"));
    private final List<Operation> submitted = new ArrayList<>();
    private final BreakGlassAllowances allowances = new BreakGlassAllowances();
    private Storage storage;
    private KeyLifecycle lifecycle;
    private GrantRegistry grants;
    private AsymmetricOperations asymmetric;
    private CryptoOperations envelopes;

    @BeforeEach
    void setUp() {
        storage = StoreFactoryAccess.openH2(dir.resolve("db"));
        KeyRegistry registry = new KeyRegistry();
        lifecycle = new KeyLifecycle(hsm, storage.keys(), registry, clock);
        grants = new GrantRegistry(storage.grants(), clock, new SecureRandom());
        KeyAccessEnforcer access = new KeyAccessEnforcer(new AccessDecider(grants), clock);
        BreakGlassUnwraps breakGlass = new BreakGlassUnwraps(allowances, new RecordingGate(), id -> true, clock);
        asymmetric = new AsymmetricOperations(hsm, registry, access, breakGlass);
        envelopes = new CryptoOperations(hsm, registry, access, breakGlass);
    }

    @AfterEach
    void tearDown() {
        storage.close();
    }

    /** Approval requests as the quorum would record them; every one stays pending. */
    private final class RecordingGate implements ApprovalGate {
        @Override
        public Approval submit(Operation operation, Principal requester) {
            submitted.add(operation);
            return Approval.pending("apr-" + submitted.size(), operation.toByteArray(), new byte[32], requester.name(),
                    clock.instant(), clock.instant().plusSeconds(3600), QuorumRule.NONE, "test");
        }

        @Override
        public void verifyActNow(Operation operation, OfficerSignature signature) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void requireInitialized() {
        }
    }

    private KeyMetadata key(KeySpec spec, KeyUsage usage, boolean breakGlass, String... operations) {
        KeyAccessPolicy policy = KeyAccessPolicy.of(new KeyAccessPolicy.Written(List.of(
                new KeyAccessPolicy.WrittenRule(List.of(APP.name()), List.of(operations))), List.of()));
        return lifecycle.create(new KeyAttributes(null, "asym", Map.of(), policy, breakGlass, spec, usage));
    }

    private KeyMetadata decryptionKey(String... operations) {
        return key(KeySpec.RSA_2048, KeyUsage.ENCRYPT_DECRYPT, false, operations);
    }

    private static KeyReference ref(KeyMetadata key) {
        return new KeyReference.ById(key.id());
    }

    private static void refused(ErrorReason reason, Executable call) {
        assertEquals(reason, assertThrows(KmsException.class, call).reason());
    }

    private static byte[] oaepEncrypt(PublicKey key, byte[] plaintext) throws Exception {
        Cipher cipher = Cipher.getInstance("RSA/ECB/OAEPPadding", "SunJCE");
        cipher.init(Cipher.ENCRYPT_MODE, key, new OAEPParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256,
                PSource.PSpecified.DEFAULT));
        return cipher.doFinal(plaintext);
    }

    private static byte[] secret(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        SecretLedger.record(bytes);
        return bytes;
    }

    private PublicKey publicKeyOf(KeyMetadata key, int version) {
        return asymmetric.publicKey(APP, ref(key), version, null).publicKey().jca();
    }

    @Test
    void whatTheJdkEncryptsToThePublicKeyDecryptsInTheHsm() throws Exception {
        KeyMetadata key = decryptionKey("DECRYPT", "GET_PUBLIC_KEY");
        AsymmetricOperations.PublicKey published = asymmetric.publicKey(APP, ref(key), 0, null);
        assertEquals(1, published.keyVersion());
        assertEquals(KeySpec.RSA_2048, published.spec());
        assertNull(published.signingAlgorithm());
        assertEquals(key.primary().publicKey(), published.publicKey());
        byte[] plaintext = secret("a wrapped document key");
        try (AsymmetricOperations.Decrypted opened = asymmetric.decrypt(APP, ref(key), 0,
                oaepEncrypt(published.publicKey().jca(), plaintext), null)) {
            assertArrayEquals(plaintext, opened.plaintext().reveal());
            assertEquals(1, opened.keyVersion());
        }
    }

    @Test
    void everyCiphertextThatDoesNotDecryptLooksTheSame() throws Exception {
        KeyMetadata key = decryptionKey("DECRYPT", "GET_PUBLIC_KEY");
        KeyMetadata other = decryptionKey("DECRYPT", "GET_PUBLIC_KEY");
        byte[] good = oaepEncrypt(publicKeyOf(key, 0), secret("x"));
        byte[] flipped = good.clone();
        flipped[100] ^= 1;
        List<Executable> attempts = List.of(
                () -> asymmetric.decrypt(APP, ref(key), 0, flipped, null),
                () -> asymmetric.decrypt(APP, ref(other), 0, good, null),
                () -> asymmetric.decrypt(APP, ref(key), 0, new byte[256], null));
        List<String> messages = new ArrayList<>();
        for (Executable attempt : attempts) {
            KmsException e = assertThrows(KmsException.class, attempt);
            assertEquals(ErrorReason.DECRYPTION_FAILED, e.reason());
            messages.add(e.getMessage());
        }
        assertEquals(1, messages.stream().distinct().count(), "one message for every failure: " + messages);
    }

    @Test
    void aCiphertextMustBeTheModulusLength() {
        KeyMetadata key = decryptionKey("DECRYPT");
        KmsException e = assertThrows(KmsException.class, () -> asymmetric.decrypt(APP, ref(key), 0, new byte[255], null));
        assertEquals(ErrorReason.INVALID_CIPHERTEXT_LENGTH, e.reason());
        assertEquals("256", e.metadata().get("length"));
        refused(ErrorReason.MISSING_FIELD, () -> asymmetric.decrypt(APP, ref(key), 0, new byte[0], null));
    }

    @ParameterizedTest
    @EnumSource(value = KeySpec.class, names = {"RSA_2048", "RSA_3072", "EC_P256", "EC_P384"})
    void signaturesVerifyHereAndWithTheJdk(KeySpec spec) throws Exception {
        KeyMetadata key = key(spec, KeyUsage.SIGN_VERIFY, false, "SIGN", "VERIFY", "GET_PUBLIC_KEY");
        byte[] message = "an order to pay".getBytes(StandardCharsets.UTF_8);
        AsymmetricOperations.Signed signed = asymmetric.sign(APP, ref(key), new SigningInput.Message(message), null, null);
        assertEquals(SigningAlgorithm.forSpec(spec), signed.algorithm());
        assertTrue(jdkVerifies(signed.algorithm(), publicKeyOf(key, 0), message, signed.signature()));
        assertTrue(asymmetric.verify(APP, ref(key), 0, new SigningInput.Message(message), null, signed.signature(), null)
                .valid());
        byte[] digest = MessageDigest.getInstance(signed.algorithm().digestAlgorithm()).digest(message);
        assertTrue(asymmetric.verify(APP, ref(key), 1, new SigningInput.Digest(digest), signed.algorithm(),
                signed.signature(), null).valid(), "a message and its digest are one input");
        AsymmetricOperations.Signed overDigest = asymmetric.sign(APP, ref(key), new SigningInput.Digest(digest),
                signed.algorithm(), null);
        assertTrue(jdkVerifies(signed.algorithm(), publicKeyOf(key, 0), message, overDigest.signature()));

        byte[] tampered = signed.signature().clone();
        tampered[tampered.length / 2] ^= 1;
        assertFalse(asymmetric.verify(APP, ref(key), 0, new SigningInput.Message(message), null, tampered, null).valid());
        assertFalse(asymmetric.verify(APP, ref(key), 0, new SigningInput.Message("another".getBytes()), null,
                signed.signature(), null).valid());
        assertFalse(asymmetric.verify(APP, ref(key), 0, new SigningInput.Message(message), null, new byte[] {1, 2, 3},
                null).valid(), "malformed is simply not valid");
    }

    static boolean jdkVerifies(SigningAlgorithm algorithm, PublicKey key, byte[] message, byte[] signature)
            throws Exception {
        Signature verifier = switch (algorithm) {
            case RSASSA_PSS_SHA_256 -> {
                Signature pss = Signature.getInstance("RSASSA-PSS");
                pss.setParameter(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1));
                yield pss;
            }
            case ECDSA_SHA_256 -> Signature.getInstance("SHA256withECDSA");
            case ECDSA_SHA_384 -> Signature.getInstance("SHA384withECDSA");
        };
        verifier.initVerify(key);
        verifier.update(message);
        return verifier.verify(signature);
    }

    @Test
    void signingInputsAndAlgorithmsAreChecked() {
        KeyMetadata p256 = key(KeySpec.EC_P256, KeyUsage.SIGN_VERIFY, false, "SIGN", "VERIFY");
        refused(ErrorReason.SIGNING_INPUT_TOO_LARGE,
                () -> asymmetric.sign(APP, ref(p256), new SigningInput.Message(new byte[4097]), null, null));
        assertTrue(asymmetric.verify(APP, ref(p256), 0, new SigningInput.Message(new byte[4096]), null,
                asymmetric.sign(APP, ref(p256), new SigningInput.Message(new byte[4096]), null, null).signature(), null)
                .valid(), "4096 bytes is the limit, not past it");
        KmsException digest = assertThrows(KmsException.class,
                () -> asymmetric.sign(APP, ref(p256), new SigningInput.Digest(new byte[48]), null, null));
        assertEquals(ErrorReason.INVALID_DIGEST, digest.reason());
        assertEquals("32", digest.metadata().get("length"));
        KmsException algorithm = assertThrows(KmsException.class, () -> asymmetric.sign(APP, ref(p256),
                new SigningInput.Digest(new byte[48]), SigningAlgorithm.ECDSA_SHA_384, null));
        assertEquals(ErrorReason.UNSUPPORTED_ALGORITHM, algorithm.reason());
        assertEquals("ECDSA_SHA_256", algorithm.metadata().get("allowed"));
        refused(ErrorReason.UNSUPPORTED_ALGORITHM, () -> asymmetric.verify(APP, ref(p256), 0,
                new SigningInput.Message(new byte[1]), SigningAlgorithm.RSASSA_PSS_SHA_256, new byte[64], null));
        refused(ErrorReason.MISSING_FIELD, () -> asymmetric.verify(APP, ref(p256), 0,
                new SigningInput.Message(new byte[1]), null, new byte[0], null));
    }

    @Test
    void aKeyDoesOnlyWhatItsUsageAllows() {
        KeyMetadata decrypts = decryptionKey("DECRYPT", "SIGN", "VERIFY", "WRAP", "UNWRAP", "GET_PUBLIC_KEY");
        KeyMetadata signs = key(KeySpec.RSA_2048, KeyUsage.SIGN_VERIFY, false, "DECRYPT", "SIGN", "WRAP");
        KeyMetadata aes = lifecycle.create(new KeyAttributes(null, "aes", Map.of(), KeyAccessPolicy.of(
                new KeyAccessPolicy.Written(List.of(new KeyAccessPolicy.WrittenRule(List.of(APP.name()),
                        List.of("DECRYPT", "SIGN", "GET_PUBLIC_KEY", "WRAP"))), List.of())), false));
        refused(ErrorReason.INVALID_KEY_USAGE, () -> asymmetric.sign(APP, ref(decrypts), new SigningInput.Message(new byte[1]),
                null, null));
        refused(ErrorReason.INVALID_KEY_USAGE, () -> asymmetric.verify(APP, ref(decrypts), 0,
                new SigningInput.Message(new byte[1]), null, new byte[1], null));
        refused(ErrorReason.INVALID_KEY_USAGE, () -> asymmetric.decrypt(APP, ref(signs), 0, new byte[256], null));
        refused(ErrorReason.INVALID_KEY_USAGE, () -> asymmetric.decrypt(APP, ref(aes), 0, new byte[256], null));
        refused(ErrorReason.INVALID_KEY_USAGE, () -> asymmetric.sign(APP, ref(aes), new SigningInput.Message(new byte[1]),
                null, null));
        refused(ErrorReason.INVALID_KEY_USAGE, () -> asymmetric.publicKey(APP, ref(aes), 0, null));
        refused(ErrorReason.INVALID_KEY_USAGE, () -> envelopes.wrap(APP, ref(decrypts), new byte[8], Map.of()));
        refused(ErrorReason.INVALID_KEY_USAGE, () -> envelopes.wrap(APP, ref(signs), new byte[8], Map.of()));
    }

    @Test
    void aCallerMayDoOnlyWhatThePolicyListsAndLearnsNothingElse() {
        KeyMetadata key = decryptionKey("GET_PUBLIC_KEY");
        refused(ErrorReason.PERMISSION_DENIED, () -> asymmetric.decrypt(APP, ref(key), 0, new byte[256], null));
        refused(ErrorReason.PERMISSION_DENIED, () -> asymmetric.publicKey(OTHER, ref(key), 0, null));
        KmsException missing = assertThrows(KmsException.class, () -> asymmetric.publicKey(APP,
                KeyReference.parse("alias/nothing-here", "key_id"), 0, null));
        KmsException forbidden = assertThrows(KmsException.class, () -> asymmetric.publicKey(OTHER,
                ref(key), 0, null));
        assertEquals(ErrorReason.PERMISSION_DENIED, missing.reason());
        assertEquals(ErrorReason.KEY_NOT_FOUND, missing.auditedReason());
        assertEquals(ErrorReason.PERMISSION_DENIED, forbidden.auditedReason());
        assertTrue(forbidden.getMessage().contains("does not exist or principal"));
    }

    @Test
    void aGrantAllowsTheNewOperations() {
        KeyMetadata key = key(KeySpec.EC_P256, KeyUsage.SIGN_VERIFY, false, "GET_PUBLIC_KEY");
        refused(ErrorReason.PERMISSION_DENIED, () -> asymmetric.sign(OTHER, ref(key), new SigningInput.Message(new byte[1]),
                null, null));
        grants.create(new GrantTerms(key.id().value(), OTHER.name(), List.of("SIGN", "VERIFY"), Map.of(), null,
                clock.instant().plus(Duration.ofDays(1))));
        AsymmetricOperations.Signed signed = asymmetric.sign(OTHER, ref(key), new SigningInput.Message(new byte[1]),
                null, null);
        assertTrue(asymmetric.verify(OTHER, ref(key), 0, new SigningInput.Message(new byte[1]), null,
                signed.signature(), null).valid());
        refused(ErrorReason.PERMISSION_DENIED, () -> asymmetric.publicKey(OTHER, ref(key), 0, null));
    }

    @Test
    void aRotatedKeyKeepsDecryptingAndVerifyingItsOldVersions() throws Exception {
        KeyMetadata decrypts = decryptionKey("DECRYPT", "GET_PUBLIC_KEY");
        byte[] forV1 = oaepEncrypt(publicKeyOf(decrypts, 0), secret("before rotation"));
        KeyMetadata signs = key(KeySpec.EC_P384, KeyUsage.SIGN_VERIFY, false, "SIGN", "VERIFY", "GET_PUBLIC_KEY");
        AsymmetricOperations.Signed byV1 = asymmetric.sign(APP, ref(signs), new SigningInput.Message(new byte[3]),
                null, null);

        KeyMetadata rotated = lifecycle.rotate(ref(decrypts));
        lifecycle.rotate(ref(signs));
        assertEquals(2, rotated.primaryVersion());
        assertFalse(rotated.versions().get(0).publicKey().equals(rotated.versions().get(1).publicKey()),
                "a new key pair per version");
        assertEquals(2, asymmetric.publicKey(APP, ref(decrypts), 0, null).keyVersion());

        refused(ErrorReason.DECRYPTION_FAILED, () -> asymmetric.decrypt(APP, ref(decrypts), 0, forV1, null));
        try (AsymmetricOperations.Decrypted opened = asymmetric.decrypt(APP, ref(decrypts), 1, forV1, null)) {
            assertArrayEquals("before rotation".getBytes(StandardCharsets.US_ASCII), opened.plaintext().reveal());
        }
        byte[] forV2 = oaepEncrypt(publicKeyOf(decrypts, 2), secret("after"));
        try (AsymmetricOperations.Decrypted opened = asymmetric.decrypt(APP, ref(decrypts), 0, forV2, null)) {
            assertEquals(2, opened.keyVersion());
        }
        assertFalse(asymmetric.verify(APP, ref(signs), 0, new SigningInput.Message(new byte[3]), null,
                byV1.signature(), null).valid(), "the primary is version 2 now");
        assertTrue(asymmetric.verify(APP, ref(signs), 1, new SigningInput.Message(new byte[3]), null,
                byV1.signature(), null).valid());
        assertEquals(2, asymmetric.sign(APP, ref(signs), new SigningInput.Message(new byte[3]), null, null).keyVersion());
        KmsException unknown = assertThrows(KmsException.class,
                () -> asymmetric.publicKey(APP, ref(decrypts), 3, null));
        assertEquals(ErrorReason.KEY_VERSION_NOT_FOUND, unknown.reason());
        assertEquals("2", unknown.metadata().get("versions"));
        refused(ErrorReason.KEY_VERSION_NOT_FOUND, () -> asymmetric.decrypt(APP, ref(decrypts), -1, forV1, null));
    }

    @Test
    void aDisabledKeyIsRefusedEverything() throws Exception {
        KeyMetadata decrypts = decryptionKey("DECRYPT", "GET_PUBLIC_KEY");
        byte[] ciphertext = oaepEncrypt(publicKeyOf(decrypts, 0), secret("x"));
        KeyMetadata signs = key(KeySpec.EC_P256, KeyUsage.SIGN_VERIFY, false, "SIGN", "VERIFY", "GET_PUBLIC_KEY");
        lifecycle.disable(ref(decrypts));
        lifecycle.disable(ref(signs));
        refused(ErrorReason.KEY_DISABLED, () -> asymmetric.decrypt(APP, ref(decrypts), 0, ciphertext, null));
        refused(ErrorReason.KEY_DISABLED, () -> asymmetric.publicKey(APP, ref(decrypts), 0, null));
        refused(ErrorReason.KEY_DISABLED, () -> asymmetric.sign(APP, ref(signs), new SigningInput.Message(new byte[1]),
                null, null));
        refused(ErrorReason.KEY_DISABLED, () -> asymmetric.verify(APP, ref(signs), 0, new SigningInput.Message(new byte[1]),
                null, new byte[64], null));
        lifecycle.enable(ref(decrypts));
        asymmetric.decrypt(APP, ref(decrypts), 0, ciphertext, null).close();
    }

    @Test
    void aBreakGlassKeyDecryptsEachCiphertextOnceOfficersApproveIt() throws Exception {
        KeyMetadata key = key(KeySpec.RSA_2048, KeyUsage.ENCRYPT_DECRYPT, true, "DECRYPT", "GET_PUBLIC_KEY");
        byte[] ciphertext = oaepEncrypt(publicKeyOf(key, 0), secret("break glass"));
        KmsException first = assertThrows(KmsException.class, () -> asymmetric.decrypt(APP, ref(key), 0, ciphertext, null));
        assertEquals(ErrorReason.APPROVAL_REQUIRED, first.reason());
        assertEquals("apr-1", first.metadata().get("approval_request_id"));
        KmsException again = assertThrows(KmsException.class, () -> asymmetric.decrypt(APP, ref(key), 0, ciphertext, null));
        assertEquals("apr-1", again.metadata().get("approval_request_id"), "the same request, not a new one");
        assertEquals(1, submitted.size());
        Operation op = submitted.get(0);
        assertEquals(APP.name(), op.getDecryptOnce().getPrincipal());
        assertEquals(key.id().value(), op.getDecryptOnce().getKeyId());
        assertEquals(1, op.getDecryptOnce().getKeyVersion());
        assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(ciphertext),
                op.getDecryptOnce().getCiphertextSha256().toByteArray());

        ApprovedOperations approved = new ApprovedOperations(lifecycle, terms -> "", allowances, Duration.ofMinutes(15),
                clock);
        approved.execute(op);
        byte[] other = oaepEncrypt(publicKeyOf(key, 0), secret("another"));
        refused(ErrorReason.APPROVAL_REQUIRED, () -> asymmetric.decrypt(APP, ref(key), 0, other, null));
        try (AsymmetricOperations.Decrypted opened = asymmetric.decrypt(APP, ref(key), 0, ciphertext, null)) {
            assertArrayEquals("break glass".getBytes(StandardCharsets.US_ASCII), opened.plaintext().reveal());
        }
        refused(ErrorReason.APPROVAL_REQUIRED, () -> asymmetric.decrypt(APP, ref(key), 0, ciphertext, null));
    }

    @Test
    void anUnwrapApprovalNeverOpensADecrypt() throws Exception {
        KeyMetadata key = key(KeySpec.RSA_2048, KeyUsage.ENCRYPT_DECRYPT, true, "DECRYPT", "GET_PUBLIC_KEY");
        byte[] ciphertext = oaepEncrypt(publicKeyOf(key, 0), secret("y"));
        refused(ErrorReason.APPROVAL_REQUIRED, () -> asymmetric.decrypt(APP, ref(key), 0, ciphertext, null));
        Operation decrypt = submitted.get(0);
        Operation unwrap = Operation.newBuilder().setUnwrapOnce(coffre.kms.v1.UnwrapOnceOperation.newBuilder()
                .setPrincipal(APP.name()).setKeyId(key.id().value()).setKeyVersion(1)
                .setEnvelopeSha256(decrypt.getDecryptOnce().getCiphertextSha256())).build();
        allowances.allow(unwrap, clock.instant().plusSeconds(60));
        refused(ErrorReason.APPROVAL_REQUIRED, () -> asymmetric.decrypt(APP, ref(key), 0, ciphertext, null));
    }
}
