package coffre.kms.server.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;

import coffre.kms.server.keys.KeyAttributes;
import coffre.kms.server.keys.KeyLifecycle;
import coffre.kms.server.keys.KeyMetadata;
import coffre.kms.server.keys.KeyReference;
import coffre.kms.server.keys.KeyRegistry;
import coffre.kms.server.keys.KeyState;
import coffre.kms.server.store.Storage;
import coffre.kms.server.store.StoreFactoryAccess;
import coffre.kms.server.testing.MutableClock;
import coffre.kms.server.testing.SoftwareHsm;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link KeyMeters}: the counts by state and the overdue deletions follow the key lifecycle (real
 * lifecycle and registry over the embedded store; the pure-Java HSM, as this tests no HSM behaviour).
 */
class KeyMetersTest {
    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-07T10:00:00Z"));
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private double keys(KeyState state) {
        return registry.get("coffre.keys").tag("state", state.name()).gauge().value();
    }

    private double due() {
        return registry.get("coffre.key.deletions.due").gauge().value();
    }

    @Test
    void countsByStateAndOverdueDeletionsFollowTheLifecycle() throws Exception {
        try (Storage storage = StoreFactoryAccess.openH2(dir.resolve("db"))) {
            KeyRegistry keys = new KeyRegistry();
            KeyLifecycle lifecycle = new KeyLifecycle(new SoftwareHsm(), storage.keys(), keys, clock);
            KeyMeters.bind(registry, keys, clock, 0);
            for (KeyState state : KeyState.values()) {
                assertEquals(0, keys(state), state.name());
            }

            KeyMetadata a = lifecycle.create(new KeyAttributes(null, "a", Map.of()));
            KeyMetadata b = lifecycle.create(new KeyAttributes(null, "b", Map.of()));
            lifecycle.create(new KeyAttributes(null, "c", Map.of()));
            lifecycle.disable(new KeyReference.ById(b.id()));
            lifecycle.scheduleDeletion(new KeyReference.ById(a.id()), 7);
            assertEquals(1, keys(KeyState.ENABLED));
            assertEquals(1, keys(KeyState.DISABLED));
            assertEquals(1, keys(KeyState.PENDING_DELETION));
            assertEquals(0, due(), "its date has not come");

            clock.advance(Duration.ofDays(8));
            assertEquals(1, due(), "overdue, not destroyed yet");
            assertEquals(1, lifecycle.destroyDueKeys());
            assertEquals(0, due());
            assertEquals(0, keys(KeyState.PENDING_DELETION));
            assertEquals(1, keys(KeyState.DESTROYED));
        }
    }
}
