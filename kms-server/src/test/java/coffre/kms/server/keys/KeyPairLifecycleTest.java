package coffre.kms.server.keys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.hsm.HsmKeyPair;
import coffre.hsm.KeyPairUsage;
import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.store.Storage;
import coffre.kms.server.store.StoreFactoryAccess;
import coffre.kms.server.testing.MutableClock;
import coffre.kms.server.testing.SoftwareHsm;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The lifecycle of asymmetric keys over a software HSM and a real embedded store: a key pair per
 * version, its public key in the metadata, loaded back at start and followed from another node,
 * both halves destroyed after the waiting period.
 */
class KeyPairLifecycleTest {
    @TempDir
    Path dir;

    private final SoftwareHsm hsm = new SoftwareHsm();
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private Storage storage;
    private KeyRegistry registry;
    private KeyLifecycle lifecycle;

    @BeforeEach
    void setUp() {
        storage = StoreFactoryAccess.openH2(dir.resolve("db"));
        registry = new KeyRegistry();
        lifecycle = new KeyLifecycle(hsm, storage.keys(), registry, clock);
    }

    @AfterEach
    void tearDown() {
        storage.close();
    }

    private KeyMetadata create(KeySpec spec, KeyUsage usage) {
        return lifecycle.create(new KeyAttributes(null, "pair", Map.of(), KeyAccessPolicy.EMPTY, false, spec, usage));
    }

    private static KeyReference ref(KeyMetadata key) {
        return new KeyReference.ById(key.id());
    }

    @ParameterizedTest
    @EnumSource(value = KeySpec.class, names = "AES_256", mode = EnumSource.Mode.EXCLUDE)
    void aKeyPairIsGeneratedInTheHsmAndItsPublicKeyKept(KeySpec spec) {
        KeyUsage usage = spec.family() == KeySpec.Family.EC ? KeyUsage.SIGN_VERIFY : KeyUsage.ENCRYPT_DECRYPT;
        KeyMetadata key = create(spec, usage);
        HsmKeyPair pair = hsm.findKeyPair(key.primary().hsmLabel()).orElseThrow();
        assertEquals(spec.pairSpec(), pair.spec());
        assertEquals(usage == KeyUsage.SIGN_VERIFY ? KeyPairUsage.SIGN : KeyPairUsage.DECRYPT, pair.usage());
        assertArrayEquals(pair.publicKeyDer(), key.primary().publicKey().der());
        assertEquals(key, storage.keys().findKey(key.id()).orElseThrow());
        assertTrue(registry.get(key.id()).orElseThrow().ref(1).isPresent());
        assertEquals(0, hsm.labelSearches());
    }

    @Test
    void rotationMakesANewPairAndKeepsTheOldOne() {
        KeyMetadata key = create(KeySpec.EC_P256, KeyUsage.SIGN_VERIFY);
        KeyMetadata rotated = lifecycle.rotate(ref(key));
        assertEquals(2, rotated.primaryVersion());
        assertNotEquals(rotated.versions().get(0).publicKey(), rotated.versions().get(1).publicKey());
        assertTrue(hsm.contains(rotated.versions().get(0).hsmLabel()));
        assertTrue(hsm.contains(rotated.versions().get(1).hsmLabel()));
        LiveKey live = registry.get(key.id()).orElseThrow();
        assertTrue(live.ref(1).isPresent() && live.ref(2).isPresent());
    }

    @Test
    void aRestartedNodeFindsEveryPairAndItsPublicKeys() {
        KeyMetadata rsa = create(KeySpec.RSA_2048, KeyUsage.SIGN_VERIFY);
        lifecycle.rotate(ref(rsa));
        KeyMetadata aes = lifecycle.create(new KeyAttributes(null, "aes", Map.of()));
        KeyRegistry restarted = new KeyRegistry();
        new KeyLifecycle(hsm.anotherInstance(), storage.keys(), restarted, clock).loadAll();
        LiveKey loaded = restarted.get(rsa.id()).orElseThrow();
        assertEquals(2, loaded.metadata().versions().size());
        assertTrue(loaded.ref(1).isPresent() && loaded.ref(2).isPresent());
        assertEquals(registry.get(rsa.id()).orElseThrow().metadata(), loaded.metadata());
        assertTrue(restarted.get(aes.id()).orElseThrow().ref(1).isPresent());
    }

    @Test
    void aPairWhosePublicKeyIsNotTheRecordedOneIsNotUsed() {
        KeyMetadata key = create(KeySpec.EC_P256, KeyUsage.SIGN_VERIFY);
        // Another pair under the same label (an object swapped on the token): its public key differs.
        hsm.destroyKey(key.primary().hsmLabel());
        hsm.generateKeyPair(key.primary().hsmLabel(), coffre.hsm.KeyPairSpec.EC_P256, KeyPairUsage.SIGN,
                coffre.hsm.Hsm.LabelCheck.SEARCH_TOKEN);
        KeyRegistry restarted = new KeyRegistry();
        new KeyLifecycle(hsm, storage.keys(), restarted, clock).loadAll();
        assertFalse(restarted.get(key.id()).orElseThrow().ref(1).isPresent());
    }

    @Test
    void anotherNodeFollowsARotationWithItsNewPair() {
        KeyMetadata key = create(KeySpec.RSA_2048, KeyUsage.ENCRYPT_DECRYPT);
        KeyRegistry elsewhere = new KeyRegistry();
        KeyLifecycle other = new KeyLifecycle(hsm.anotherInstance(), storage.keys(), elsewhere, clock);
        other.loadAll();
        KeyMetadata rotated = lifecycle.rotate(ref(key));
        assertTrue(other.follow(storage.keys().findKey(key.id()).orElseThrow()));
        LiveKey followed = elsewhere.get(key.id()).orElseThrow();
        assertEquals(rotated, followed.metadata());
        assertTrue(followed.ref(2).isPresent());
    }

    @Test
    void scheduledDeletionDestroysBothHalvesOfEveryVersion() {
        KeyMetadata key = create(KeySpec.RSA_2048, KeyUsage.ENCRYPT_DECRYPT);
        KeyMetadata rotated = lifecycle.rotate(ref(key));
        lifecycle.scheduleDeletion(ref(key), 7);
        clock.advance(Duration.ofDays(8));
        assertEquals(1, lifecycle.destroyDueKeys());
        for (KeyVersionMetadata version : rotated.versions()) {
            assertFalse(hsm.contains(version.hsmLabel()));
            assertTrue(hsm.findKeyPair(version.hsmLabel()).isEmpty());
        }
        KeyMetadata destroyed = storage.keys().findKey(key.id()).orElseThrow();
        assertEquals(KeyState.DESTROYED, destroyed.state());
        assertEquals(rotated.versions().get(1).publicKey(), destroyed.versions().get(1).publicKey());
    }

    @Test
    void policiesAndBreakGlassMustFitTheKey() {
        KeyMetadata signs = create(KeySpec.EC_P384, KeyUsage.SIGN_VERIFY);
        KmsException breakGlass = assertThrows(KmsException.class, () -> lifecycle.setUnwrapApproval(ref(signs), true));
        assertEquals(ErrorReason.INVALID_KEY_SPEC, breakGlass.reason());
        KeyAccessPolicy requiresContext = KeyAccessPolicy.of(new KeyAccessPolicy.Written(
                java.util.List.of(new KeyAccessPolicy.WrittenRule(java.util.List.of("svc"), java.util.List.of("SIGN"))),
                java.util.List.of(new KeyAccessPolicy.WrittenRequirement("tenant", java.util.List.of()))));
        assertEquals(ErrorReason.INVALID_POLICY, assertThrows(KmsException.class,
                () -> lifecycle.setAccessPolicy(ref(signs), requiresContext)).reason());
        KeyMetadata decrypts = create(KeySpec.RSA_3072, KeyUsage.ENCRYPT_DECRYPT);
        assertTrue(lifecycle.setUnwrapApproval(ref(decrypts), true).requireUnwrapApproval());
    }
}
