package coffre.kms.server.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.crypto.CryptoOperations;
import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.domain.Principal;
import coffre.kms.server.keys.Alias;
import coffre.kms.server.keys.KeyAttributes;
import coffre.kms.server.keys.KeyId;
import coffre.kms.server.keys.KeyLifecycle;
import coffre.kms.server.keys.KeyMetadata;
import coffre.kms.server.keys.KeyReference;
import coffre.kms.server.keys.KeyRegistry;
import coffre.kms.server.keys.KeyState;
import coffre.kms.server.keys.KeyVersionMetadata;
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

/**
 * Two nodes' key views over one store and one HSM: what one node changes, the other follows when
 * told ({@link KeyRefresher#refresh}) or at the full refresh, and a change made against a view
 * that lags is applied to what is really stored.
 */
class KeyLifecycleClusterTest {
    private static final Principal CALLER = new Principal("svc");

    @TempDir
    Path dir;

    private final SoftwareHsm hsm = new SoftwareHsm();
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private Storage storage;
    private Node a;
    private Node b;

    private record Node(KeyRegistry registry, KeyLifecycle lifecycle, KeyRefresher refresher, CryptoOperations crypto) {
    }

    private Node node() {
        KeyRegistry registry = new KeyRegistry();
        KeyLifecycle lifecycle = new KeyLifecycle(hsm, storage.keys(), registry, clock);
        return new Node(registry, lifecycle, new KeyRefresher(lifecycle, storage.keys(), registry),
                new CryptoOperations(hsm, registry, (caller, op, key, context) -> { },
                        (caller, key, version, envelope, context) -> { }));
    }

    @BeforeEach
    void setUp() {
        storage = StoreFactoryAccess.openH2(dir.resolve("db"));
        a = node();
        b = node();
    }

    @AfterEach
    void tearDown() {
        storage.close();
    }

    private static KeyReference ref(KeyMetadata key) {
        return new KeyReference.ById(key.id());
    }

    private static ErrorReason refusal(Runnable call) {
        return assertThrows(KmsException.class, call::run).reason();
    }

    @Test
    void aKeyCreatedOnOneNodeIsUsableOnTheOtherOnceTold() {
        KeyMetadata key = a.lifecycle().create(new KeyAttributes(new Alias("billing"), "d", Map.of()));
        assertEquals(ErrorReason.PERMISSION_DENIED, refusal(() -> b.crypto().wrap(CALLER, ref(key), new byte[] {1}, Map.of())));
        assertTrue(b.refresher().refresh(key.id()));
        byte[] envelope = b.crypto().wrap(CALLER, new KeyReference.ByAlias(new Alias("billing")), new byte[] {7},
                Map.of()).envelope();
        try (CryptoOperations.Unwrapped opened = a.crypto().unwrap(CALLER, envelope, Map.of())) {
            assertArrayEquals(new byte[] {7}, opened.plaintext().reveal());
        }
        assertFalse(b.refresher().refresh(key.id()), "already up to date");
    }

    @Test
    void aNodeFollowingMissesUsesAKeyOrVersionMadeElsewhereAtOnce() {
        b.refresher().followMisses();
        KeyMetadata key = a.lifecycle().create(new KeyAttributes(null, "d", Map.of()));
        byte[] v1 = b.crypto().wrap(CALLER, ref(key), new byte[] {1}, Map.of()).envelope();
        a.lifecycle().rotate(ref(key));
        byte[] v2 = a.crypto().wrap(CALLER, ref(key), new byte[] {2}, Map.of()).envelope();
        sleepPastTheCatchUpLimit();
        try (CryptoOperations.Unwrapped opened = b.crypto().unwrap(CALLER, v2, Map.of())) {
            assertArrayEquals(new byte[] {2}, opened.plaintext().reveal());
            assertEquals(2, opened.keyVersion());
        }
        try (CryptoOperations.Unwrapped opened = b.crypto().unwrap(CALLER, v1, Map.of())) {
            assertArrayEquals(new byte[] {1}, opened.plaintext().reveal());
        }
        sleepPastTheCatchUpLimit();
        assertEquals(ErrorReason.PERMISSION_DENIED, refusal(() -> b.crypto().wrap(CALLER,
                new KeyReference.ById(KeyId.random(new java.security.SecureRandom())), new byte[] {1}, Map.of())));
    }

    private static void sleepPastTheCatchUpLimit() {
        try {
            Thread.sleep(1000 / KeyRefresher.MAX_CATCH_UPS_PER_SECOND + 5);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aDisableAndARotationAreFollowedAndAnOlderRevisionNeverWins() {
        KeyMetadata key = a.lifecycle().create(new KeyAttributes(null, "d", Map.of()));
        b.refresher().refresh(key.id());
        a.lifecycle().disable(ref(key));
        assertTrue(b.refresher().refresh(key.id()));
        assertEquals(ErrorReason.KEY_DISABLED, refusal(() -> b.crypto().wrap(CALLER, ref(key), new byte[] {1}, Map.of())));

        a.lifecycle().enable(ref(key));
        KeyMetadata rotated = a.lifecycle().rotate(ref(key));
        assertEquals(1, b.refresher().refreshAll());
        assertEquals(2, b.crypto().wrap(CALLER, ref(key), new byte[] {1}, Map.of()).keyVersion());
        assertEquals(rotated, b.lifecycle().get(ref(key)));
        assertEquals(0, b.refresher().refreshAll());
    }

    @Test
    void aChangeAgainstALaggingViewIsAppliedToTheStoredKey() {
        KeyMetadata key = a.lifecycle().create(new KeyAttributes(null, "d", Map.of()));
        b.refresher().refresh(key.id());
        a.lifecycle().rotate(ref(key));
        // B has not heard of the rotation: its disable loses the revision race, re-reads, and applies.
        KeyMetadata disabled = b.lifecycle().disable(ref(key));
        assertEquals(KeyState.DISABLED, disabled.state());
        assertEquals(2, disabled.versions().size());
        assertEquals(disabled, storage.keys().findKey(key.id()).orElseThrow());
    }

    @Test
    void rotationsOnTwoNodesAtOnceNeverShareAnHsmObject() {
        KeyMetadata key = a.lifecycle().create(new KeyAttributes(null, "d", Map.of()));
        b.refresher().refresh(key.id());
        KeyMetadata byA = a.lifecycle().rotate(ref(key));
        KeyMetadata byB = b.lifecycle().rotate(ref(key));  // lagging: loses once, retries as version 3
        assertEquals(3, byB.primaryVersion());
        String labelA = byA.primary().hsmLabel();
        String labelB = byB.primary().hsmLabel();
        assertNotEquals(labelA, labelB);
        assertTrue(hsm.contains(labelA), "the winner's object survives the loser's clean-up");
        assertTrue(hsm.contains(labelB));
        assertTrue(labelA.startsWith(KeyVersionMetadata.hsmLabelFor(key.id(), 2) + ":"), labelA);
        a.refresher().refresh(key.id());
        assertEquals(2, a.crypto().wrap(CALLER, ref(key), new byte[] {1}, Map.of()).keyVersion() - 1);
    }

    @Test
    void anHsmObjectNotVisibleYetIsLookedUpAgainAtTheNextRefresh() {
        KeyMetadata key = a.lifecycle().create(new KeyAttributes(null, "d", Map.of()));
        hsm.setUnavailable(true);
        assertTrue(b.refresher().refresh(key.id()), "the metadata is taken even without the HSM object");
        hsm.setUnavailable(false);
        // Without catch-up the call is refused as a passing HSM condition (retryable), not an internal error.
        assertEquals(ErrorReason.HSM_UNAVAILABLE, refusal(() -> b.crypto().wrap(CALLER, ref(key), new byte[] {1}, Map.of())));
        assertEquals(1, b.refresher().refreshAll());
        assertEquals(1, b.crypto().wrap(CALLER, ref(key), new byte[] {1}, Map.of()).keyVersion());
    }

    @Test
    void aNodeFollowingMissesLooksForAnHsmObjectNotVisibleYetWhenACallNeedsIt() {
        b.refresher().followMisses();
        KeyMetadata key = a.lifecycle().create(new KeyAttributes(null, "d", Map.of()));
        byte[] envelope = a.crypto().wrap(CALLER, ref(key), new byte[] {3}, Map.of()).envelope();
        hsm.setUnavailable(true);
        assertTrue(b.refresher().refresh(key.id()));
        hsm.setUnavailable(false);
        sleepPastTheCatchUpLimit();
        // The object is visible now: the unwrap finds it by itself, without waiting for a refresh.
        try (CryptoOperations.Unwrapped opened = b.crypto().unwrap(CALLER, envelope, Map.of())) {
            assertArrayEquals(new byte[] {3}, opened.plaintext().reveal());
        }
        assertEquals(1, b.crypto().wrap(CALLER, ref(key), new byte[] {1}, Map.of()).keyVersion());
    }

    @Test
    void aLaggingNodeDoesNotDestroyAKeyWhoseDeletionWasCancelledElsewhere() {
        KeyMetadata key = a.lifecycle().create(new KeyAttributes(null, "d", Map.of()));
        a.lifecycle().scheduleDeletion(ref(key), 7);
        b.refresher().refresh(key.id());
        a.lifecycle().cancelDeletion(ref(key));
        clock.advance(Duration.ofDays(8));
        assertEquals(0, b.lifecycle().destroyDueKeys());
        assertTrue(hsm.contains(key.primary().hsmLabel()));
        assertEquals(KeyState.DISABLED, b.lifecycle().get(ref(key)).state());
    }

    @Test
    void twoNodesRunningTheDeletionJobDestroyTheKeyOnce() {
        KeyMetadata key = a.lifecycle().create(new KeyAttributes(null, "d", Map.of()));
        a.lifecycle().scheduleDeletion(ref(key), 7);
        b.refresher().refresh(key.id());
        clock.advance(Duration.ofDays(8));
        assertEquals(1, a.lifecycle().destroyDueKeys());
        assertEquals(0, b.lifecycle().destroyDueKeys());
        assertEquals(KeyState.DESTROYED, b.lifecycle().get(ref(key)).state());
        assertFalse(hsm.contains(key.primary().hsmLabel()));
        assertEquals(ErrorReason.KEY_DESTROYED, refusal(() -> b.crypto().wrap(CALLER, ref(key), new byte[] {1}, Map.of())));
    }
}
