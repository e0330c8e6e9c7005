package coffre.kms.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.domain.Alias;
import coffre.kms.server.domain.KeyId;
import coffre.kms.server.domain.KeyMetadata;
import coffre.kms.server.domain.KeyState;
import coffre.kms.server.domain.Store;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded H2 store, for real: migrations, round trips, constraints and revisions. */
class JdbcStoreTest {
    @TempDir
    Path dir;

    private final SecureRandom random = new SecureRandom();
    private final Instant now = Instant.parse("2026-03-01T10:15:30.123456Z");

    private KeyMetadata newKey(String alias) {
        return KeyMetadata.created(KeyId.random(random), alias == null ? null : new Alias(alias), "d",
                Map.of("env", "prod", "team", "billing"), now);
    }

    @Test
    void keysRoundTripWithVersionsLabelsAndTimes() {
        try (Store store = StoreFactory.openH2(dir.resolve("db"))) {
            KeyMetadata key = newKey("a");
            store.insertKey(key);
            KeyMetadata rotated = key.withNewVersion(now.plusSeconds(5));
            store.updateKey(rotated);
            KeyMetadata pending = rotated.withPendingDeletion(now.plusSeconds(99), now.plusSeconds(6));
            store.updateKey(pending);
            assertEquals(pending, store.findKey(key.id()).orElseThrow());
        }
        try (Store reopened = StoreFactory.openH2(dir.resolve("db"))) {
            KeyMetadata loaded = reopened.loadAllKeys().get(0);
            assertEquals(KeyState.PENDING_DELETION, loaded.state());
            assertEquals(2, loaded.versions().size());
            assertEquals(Map.of("env", "prod", "team", "billing"), loaded.labels());
        }
    }

    @Test
    void duplicateAliasIsReportedAndNothingIsWritten() {
        try (Store store = StoreFactory.openH2(dir.resolve("db"))) {
            store.insertKey(newKey("same"));
            KeyMetadata second = newKey("same");
            assertThrows(Store.AliasTakenException.class, () -> store.insertKey(second));
            assertTrue(store.findKey(second.id()).isEmpty());
            assertEquals(1, store.loadAllKeys().size());
        }
    }

    @Test
    void staleRevisionIsRefused() {
        try (Store store = StoreFactory.openH2(dir.resolve("db"))) {
            KeyMetadata key = newKey(null);
            store.insertKey(key);
            store.updateKey(key.withState(KeyState.DISABLED, now));
            assertThrows(Store.ConcurrentUpdateException.class,
                    () -> store.updateKey(key.withState(KeyState.DISABLED, now)));
        }
    }

    @Test
    void closedStoreFailsWithStoreException() {
        Store store = StoreFactory.openH2(dir.resolve("db"));
        store.close();
        assertThrows(Store.StoreException.class, store::loadAllKeys);
    }
}
