package coffre.kms.server.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import coffre.hsm.testing.SecretLedger;
import coffre.kms.server.access.AccessDecider;
import coffre.kms.server.access.AccessRefusal;
import coffre.kms.server.access.GrantRecord;
import coffre.kms.server.access.GrantRegistry;
import coffre.kms.server.access.GrantStore;
import coffre.kms.server.access.KeyAccessEnforcer;
import coffre.kms.server.domain.DataOperation;
import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.domain.Principal;
import coffre.kms.server.domain.RequestMetadata;
import coffre.kms.server.domain.SecretBytes;
import coffre.kms.server.keys.KeyAccessPolicy;
import coffre.kms.server.keys.KeyAttributes;
import coffre.kms.server.keys.KeyId;
import coffre.kms.server.keys.KeyLifecycle;
import coffre.kms.server.keys.KeyMetadata;
import coffre.kms.server.keys.KeyReference;
import coffre.kms.server.keys.KeyRegistry;
import coffre.kms.server.keys.KeyState;
import coffre.kms.server.store.Storage;
import coffre.kms.server.store.StoreFactoryAccess;
import coffre.kms.server.testing.MutableClock;
import coffre.kms.server.testing.SoftwareHsm;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * The domain side of the XKS data path over a software HSM and a real embedded store: the key's
 * state first, then its policy with the request metadata, primary-version encryption, decryption
 * under a named version, one uniform failure for every ciphertext that does not open.
 */
class ExternalKeyCryptoTest {
    private static final Principal STORE = ExternalKeyCrypto.storePrincipal("eu-store");
    private static final RequestMetadata VIA_EBS =
            new RequestMetadata("arn:aws:iam::111122223333:role/app", "Encrypt", "ebs", null, null);
    private static final byte[] AAD = "project=nile".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;

    private final SoftwareHsm hsm = new SoftwareHsm();
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-07T10:00:00Z"));
    private Storage storage;
    private KeyLifecycle lifecycle;
    private ExternalKeyCrypto crypto;

    @BeforeEach
    void setUp() {
        storage = StoreFactoryAccess.openH2(dir.resolve("db"));
        KeyRegistry registry = new KeyRegistry();
        lifecycle = new KeyLifecycle(hsm, storage.keys(), registry, clock);
        GrantRegistry grants = new GrantRegistry(new NoGrants(), clock, new SecureRandom());
        crypto = new ExternalKeyCrypto(hsm, registry, new KeyAccessEnforcer(new AccessDecider(grants), clock));
    }

    @AfterEach
    void tearDown() {
        storage.close();
    }

    /** eu-store may wrap through EBS only, and unwrap always. */
    private KeyMetadata key(String... unwrapPrincipals) {
        KeyAccessPolicy policy = KeyAccessPolicy.of(new KeyAccessPolicy.Written(List.of(
                new KeyAccessPolicy.WrittenRule(List.of("xks:eu-store"), List.of("WRAP"),
                        List.of(new KeyAccessPolicy.WrittenCondition("kms_via_service", List.of("ebs"))), "ALLOW"),
                new KeyAccessPolicy.WrittenRule(List.of(unwrapPrincipals.length == 0 ? "xks:eu-store"
                        : unwrapPrincipals[0]), List.of("UNWRAP"))), List.of()));
        return lifecycle.create(new KeyAttributes(null, "xks", Map.of(), policy, false));
    }

    private static byte[] secret(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        SecretLedger.record(bytes);
        return bytes;
    }

    private static void refused(ErrorReason reason, Executable call) {
        assertEquals(reason, assertThrows(KmsException.class, call).reason());
    }

    @Test
    void encryptsUnderThePrimaryVersionAndDecryptsUnderTheNamedOneAfterARotation() {
        KeyMetadata key = key();
        byte[] plaintext = secret("a data key of 32 bytes, for S3.");
        ExternalKeyCrypto.Authorization wrap = crypto.authorize(STORE, key.id(), DataOperation.WRAP, VIA_EBS);
        assertNull(wrap.refusal());
        ExternalKeyCrypto.Sealed before = crypto.encrypt(wrap, plaintext, version -> AAD);
        assertEquals(1, before.keyVersion());
        assertEquals(12, before.iv().length);
        assertEquals(plaintext.length + 16, before.ciphertextAndTag().length);

        lifecycle.rotate(new KeyReference.ById(key.id()));
        ExternalKeyCrypto.Sealed after = crypto.encrypt(crypto.authorize(STORE, key.id(), DataOperation.WRAP, VIA_EBS),
                plaintext, version -> AAD);
        assertEquals(2, after.keyVersion(), "new encryptions use the new primary version");

        ExternalKeyCrypto.Authorization unwrap = crypto.authorize(STORE, key.id(), DataOperation.UNWRAP, VIA_EBS);
        try (SecretBytes old = crypto.decrypt(unwrap, 1, before.iv(), AAD, before.ciphertextAndTag());
             SecretBytes fresh = crypto.decrypt(unwrap, 2, after.iv(), AAD, after.ciphertextAndTag())) {
            assertArrayEquals(plaintext, old.reveal(), "made before the rotation, still decrypts");
            assertArrayEquals(plaintext, fresh.reveal());
        }
    }

    @Test
    void everyCiphertextThatDoesNotOpenIsTheSameFailure() {
        KeyMetadata key = key();
        byte[] plaintext = secret("sixteen byte key");
        ExternalKeyCrypto.Sealed sealed = crypto.encrypt(crypto.authorize(STORE, key.id(), DataOperation.WRAP, VIA_EBS),
                plaintext, version -> AAD);
        ExternalKeyCrypto.Authorization unwrap = crypto.authorize(STORE, key.id(), DataOperation.UNWRAP, VIA_EBS);
        byte[] tampered = sealed.ciphertextAndTag().clone();
        tampered[0] ^= 1;
        byte[] badIv = sealed.iv().clone();
        badIv[11] ^= 1;
        for (Executable attempt : List.<Executable>of(
                () -> crypto.decrypt(unwrap, 1, sealed.iv(), "other".getBytes(StandardCharsets.US_ASCII),
                        sealed.ciphertextAndTag()),
                () -> crypto.decrypt(unwrap, 1, sealed.iv(), AAD, tampered),
                () -> crypto.decrypt(unwrap, 1, badIv, AAD, sealed.ciphertextAndTag()),
                () -> crypto.decrypt(unwrap, 2, sealed.iv(), AAD, sealed.ciphertextAndTag()),
                () -> crypto.decrypt(unwrap, 0, sealed.iv(), AAD, sealed.ciphertextAndTag()),
                () -> crypto.decrypt(unwrap, 1, new byte[16], AAD, sealed.ciphertextAndTag()))) {
            KmsException e = assertThrows(KmsException.class, attempt);
            assertEquals(ErrorReason.DECRYPTION_FAILED, e.reason());
            assertEquals(KmsException.decryptionFailed().getMessage(), e.getMessage());
        }
    }

    @Test
    void theKeysStateComesBeforeItsPolicy() {
        KeyMetadata key = key("xks:someone-else");
        lifecycle.disable(new KeyReference.ById(key.id()));
        refused(ErrorReason.KEY_DISABLED, () -> crypto.authorize(STORE, key.id(), DataOperation.UNWRAP, VIA_EBS));
        ExternalKeyCrypto.Description described = crypto.describe(STORE, key.id(), VIA_EBS);
        assertEquals(KeyState.DISABLED, described.state(), "metadata describes a disabled key rather than refusing");
        refused(ErrorReason.KEY_NOT_FOUND, () -> crypto.authorize(STORE,
                new KeyId("key-aaaaaaaaaaaaaaaaaaaaaaaaaa"), DataOperation.WRAP, VIA_EBS));
    }

    @Test
    void refusalsSayWhetherTheStoreMayNeverOrMayNotThisTime() {
        KeyMetadata key = key("xks:someone-else");
        RequestMetadata direct = new RequestMetadata("arn:aws:iam::111122223333:role/app", "Encrypt", null, null, null);
        assertEquals(AccessRefusal.Kind.CONDITIONS_UNMET,
                crypto.authorize(STORE, key.id(), DataOperation.WRAP, direct).refusal().kind());
        ExternalKeyCrypto.Authorization unwrap = crypto.authorize(STORE, key.id(), DataOperation.UNWRAP, VIA_EBS);
        assertEquals(AccessRefusal.Kind.NOT_PERMITTED, unwrap.refusal().kind());
        assertThrows(IllegalStateException.class, () -> crypto.decrypt(unwrap, 1, new byte[12], AAD, new byte[17]),
                "a refused authorization opens nothing");
        ExternalKeyCrypto.Authorization wrap = crypto.authorize(STORE, key.id(), DataOperation.WRAP, VIA_EBS);
        assertEquals(AccessRefusal.Kind.NOT_PERMITTED, crypto.verificationRefusal(wrap).kind(),
                "an encrypt-only key cannot check its encryption by decrypting it");
        ExternalKeyCrypto.Description described = crypto.describe(STORE, key.id(), VIA_EBS);
        assertNull(described.encrypt());
        assertEquals(AccessRefusal.Kind.NOT_PERMITTED, described.decrypt().kind());
    }

    @Test
    void verificationDecryptsWhatWasJustEncrypted() {
        KeyMetadata key = key();
        byte[] plaintext = secret("verify me please");
        ExternalKeyCrypto.Authorization wrap = crypto.authorize(STORE, key.id(), DataOperation.WRAP, VIA_EBS);
        assertNull(crypto.verificationRefusal(wrap));
        ExternalKeyCrypto.Sealed sealed = crypto.encrypt(wrap, plaintext, version -> AAD);
        crypto.verify(wrap, sealed, AAD, plaintext);
        byte[] corrupted = sealed.ciphertextAndTag().clone();
        corrupted[3] ^= 0x10;
        refused(ErrorReason.INTERNAL_ERROR, () -> crypto.verify(wrap,
                new ExternalKeyCrypto.Sealed(sealed.keyId(), 1, sealed.iv(), corrupted), AAD, plaintext));
    }

    @Test
    void breakGlassKeysNeverDecryptForAKeyStore() {
        KeyMetadata key = key();
        lifecycle.setUnwrapApproval(new KeyReference.ById(key.id()), true);
        assertEquals(AccessRefusal.Kind.NOT_PERMITTED,
                crypto.authorize(STORE, key.id(), DataOperation.UNWRAP, VIA_EBS).refusal().kind());
    }

    @Test
    void aPolicyThatRequiresAnEncryptionContextRefusesKeyStores() {
        KeyMetadata key = lifecycle.create(new KeyAttributes(null, "ctx", Map.of(), KeyAccessPolicy.of(
                new KeyAccessPolicy.Written(List.of(new KeyAccessPolicy.WrittenRule(List.of("xks:*"), List.of("WRAP"))),
                        List.of(new KeyAccessPolicy.WrittenRequirement("tenant", List.of())))), false));
        assertEquals(AccessRefusal.Kind.CONDITIONS_UNMET,
                crypto.authorize(STORE, key.id(), DataOperation.WRAP, VIA_EBS).refusal().kind());
    }

    @Test
    void anUnavailableHsmIsHsmUnavailable() {
        KeyMetadata key = key();
        ExternalKeyCrypto.Authorization wrap = crypto.authorize(STORE, key.id(), DataOperation.WRAP, VIA_EBS);
        hsm.setUnavailable(true);
        refused(ErrorReason.HSM_UNAVAILABLE, () -> crypto.encrypt(wrap, secret("x"), version -> AAD));
    }

    /** No grants: the policies decide alone. */
    private static final class NoGrants implements GrantStore {
        @Override
        public void insert(GrantRecord grant) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean markRevoked(String grantId, Instant revokedAt) {
            return false;
        }

        @Override
        public Optional<GrantRecord> find(String grantId) {
            return Optional.empty();
        }

        @Override
        public List<GrantRecord> loadAll() {
            return List.of();
        }
    }
}
