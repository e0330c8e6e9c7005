package coffre.kms.server.keys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.crypto.CryptoOperations;
import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.domain.Principal;
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

/** Lifecycle rules over a software HSM and a real embedded store. */
class KeyLifecycleTest {
    private static final Principal CALLER = new Principal("svc");

    @TempDir
    Path dir;

    private final SoftwareHsm hsm = new SoftwareHsm();
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private Storage storage;
    private KeyMetadataStore store;
    private KeyRegistry registry;
    private KeyLifecycle lifecycle;
    private CryptoOperations crypto;

    @BeforeEach
    void setUp() {
        storage = StoreFactoryAccess.openH2(dir.resolve("db"));
        store = storage.keys();
        registry = new KeyRegistry();
        lifecycle = new KeyLifecycle(hsm, store, registry, clock);
        // Domain rules only: every caller may use every key (policies are tested in the access package).
        crypto = new CryptoOperations(hsm, registry, (caller, op, key, context) -> { },
                (caller, key, version, envelope, context) -> { });
    }

    @AfterEach
    void tearDown() {
        storage.close();
    }

    private KeyMetadata create(String alias) {
        return lifecycle.create(new KeyAttributes(alias == null ? null : new Alias(alias), "test", Map.of("team", "a")));
    }

    private static KeyReference ref(KeyMetadata key) {
        return new KeyReference.ById(key.id());
    }

    @Test
    void createdKeysArePersistedAndResolvableByAlias() {
        KeyMetadata key = create("billing");
        assertEquals(KeyState.ENABLED, key.state());
        assertEquals(1, key.primaryVersion());
        assertTrue(hsm.contains(key.primary().hsmLabel()));
        assertEquals(key, store.findKey(key.id()).orElseThrow());
        assertEquals(key.id(), lifecycle.get(new KeyReference.ByAlias(new Alias("billing"))).id());
    }

    @Test
    void keysAndVersionsAreMadeWithoutSearchingTheHsmForTheirLabels() {
        KeyMetadata key = create(null);
        KeyMetadata rotated = lifecycle.rotate(ref(key));
        assertTrue(hsm.contains(rotated.primary().hsmLabel()));
        assertEquals(0, hsm.labelSearches(), "labels carry random ids and tags; a search costs O(keys) on SoftHSM2");
    }

    @Test
    void duplicateAliasIsRefusedAndLeavesNoHsmObject() {
        create("dup");
        KmsException e = assertThrows(KmsException.class, () -> create("dup"));
        assertEquals(ErrorReason.ALIAS_ALREADY_EXISTS, e.reason());
        assertEquals(1, registry.size());
    }

    /** Issue 18: aliases that differ only in case would show officers two keys with "one" name. */
    @Test
    void aliasesDifferingOnlyInCaseAreOneAliasButLookUpsStayExact() {
        KeyMetadata billing = create("Billing");
        assertEquals(ErrorReason.ALIAS_ALREADY_EXISTS, assertThrows(KmsException.class, () -> create("billing")).reason());
        assertEquals(ErrorReason.ALIAS_ALREADY_EXISTS, assertThrows(KmsException.class, () -> create("BILLING")).reason());
        assertEquals(1, registry.size());
        assertEquals(billing.id(), lifecycle.get(new KeyReference.ByAlias(new Alias("Billing"))).id());
        assertEquals(ErrorReason.KEY_NOT_FOUND, assertThrows(KmsException.class,
                () -> lifecycle.get(new KeyReference.ByAlias(new Alias("billing")))).reason());

        // Another node that has not heard of "Billing" yet: the store's unique index refuses it too.
        KeyLifecycle elsewhere = new KeyLifecycle(hsm, store, new KeyRegistry(), clock);
        assertEquals(ErrorReason.ALIAS_ALREADY_EXISTS, assertThrows(KmsException.class,
                () -> elsewhere.create(new KeyAttributes(new Alias("bILLING"), "test", Map.of()))).reason());
    }

    @Test
    void storeFailureUndoesTheHsmKey() {
        storage.close();
        KmsException e = assertThrows(KmsException.class, () -> create(null));
        assertEquals(ErrorReason.STORE_UNAVAILABLE, e.reason());
        assertEquals(0, registry.size());
        storage = StoreFactoryAccess.openH2(dir.resolve("db"));
    }

    @Test
    void disableAndEnableAreIdempotentAndGateUse() {
        KeyMetadata key = create(null);
        byte[] envelope = crypto.wrap(CALLER, ref(key), new byte[] {1, 2, 3}, Map.of()).envelope();
        assertEquals(KeyState.DISABLED, lifecycle.disable(ref(key)).state());
        assertEquals(KeyState.DISABLED, lifecycle.disable(ref(key)).state());
        assertEquals(ErrorReason.KEY_DISABLED, assertThrows(KmsException.class,
                () -> crypto.unwrap(CALLER, envelope, Map.of())).reason());
        assertEquals(KeyState.ENABLED, lifecycle.enable(ref(key)).state());
        try (CryptoOperations.Unwrapped opened = crypto.unwrap(CALLER, envelope, Map.of())) {
            assertArrayEquals(new byte[] {1, 2, 3}, opened.plaintext().reveal());
        }
    }

    @Test
    void deletionWindowIsSevenToThirtyDaysWithThirtyByDefault() {
        KeyMetadata key = create(null);
        for (int bad : new int[] {1, 6, 31, Integer.MAX_VALUE}) {
            assertEquals(ErrorReason.INVALID_PENDING_WINDOW,
                    assertThrows(KmsException.class, () -> lifecycle.scheduleDeletion(ref(key), bad)).reason());
        }
        KeyMetadata pending = lifecycle.scheduleDeletion(ref(key), 0);
        assertEquals(clock.instant().plus(Duration.ofDays(30)), pending.deletionTime());
    }

    @Test
    void destructionHappensOnlyAfterTheWindowAndRemovesEveryVersion() {
        KeyMetadata key = create(null);
        lifecycle.rotate(ref(key));
        lifecycle.scheduleDeletion(ref(key), 7);
        clock.advance(Duration.ofDays(7).minusSeconds(1));
        assertEquals(0, lifecycle.destroyDueKeys());
        clock.advance(Duration.ofSeconds(1));
        assertEquals(1, lifecycle.destroyDueKeys());
        KeyMetadata gone = store.findKey(key.id()).orElseThrow();
        assertEquals(KeyState.DESTROYED, gone.state());
        gone.versions().forEach(v -> {
            assertEquals(KeyVersionState.DESTROYED, v.state());
            assertFalse(hsm.contains(v.hsmLabel()));
        });
        assertEquals(ErrorReason.KEY_DESTROYED,
                assertThrows(KmsException.class, () -> lifecycle.enable(ref(key))).reason());
        assertEquals(ErrorReason.KEY_DESTROYED,
                assertThrows(KmsException.class, () -> lifecycle.cancelDeletion(ref(key))).reason());
    }

    @Test
    void cancelledDeletionReturnsTheKeyDisabled() {
        KeyMetadata key = create(null);
        lifecycle.scheduleDeletion(ref(key), 7);
        assertEquals(ErrorReason.KEY_PENDING_DELETION,
                assertThrows(KmsException.class, () -> lifecycle.enable(ref(key))).reason());
        assertEquals(KeyState.DISABLED, lifecycle.cancelDeletion(ref(key)).state());
        assertEquals(ErrorReason.KEY_NOT_PENDING_DELETION,
                assertThrows(KmsException.class, () -> lifecycle.cancelDeletion(ref(key))).reason());
    }

    @Test
    void registryIsRebuiltFromTheStoreAfterARestart() {
        KeyMetadata key = create("kept");
        lifecycle.rotate(ref(key));
        KeyRegistry fresh = new KeyRegistry();
        new KeyLifecycle(hsm, store, fresh, clock).loadAll();
        LiveKey live = fresh.resolve(new KeyReference.ByAlias(new Alias("kept")));
        assertEquals(2, live.metadata().primaryVersion());
        assertTrue(live.ref(1).isPresent());
        assertTrue(live.ref(2).isPresent());
    }

    @Test
    void hsmOutageIsReportedAsUnavailable() {
        KeyMetadata key = create(null);
        hsm.setUnavailable(true);
        KmsException e = assertThrows(KmsException.class,
                () -> crypto.wrap(CALLER, ref(key), new byte[] {1}, Map.of()));
        assertEquals(ErrorReason.HSM_UNAVAILABLE, e.reason());
        assertFalse(e.getMessage().contains("CKR_"));
    }
}
