package coffre.kms.server.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.health.Readiness;
import coffre.kms.server.store.Storage;
import coffre.kms.server.store.StoreFactoryAccess;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.sql.Connection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link StoreMeters}: HikariCP's own meters appear for the node's pool, and store failures are counted. */
class StoreMetersTest {
    @TempDir
    Path dir;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @Test
    void thePoolReportsItsConnectionsAndEveryStoreFailureIsCounted() throws Exception {
        Readiness readiness = new Readiness(true, serving -> { });
        try (Storage storage = StoreFactoryAccess.openH2(dir.resolve("db"))) {
            StoreMeters.bind(registry, storage, readiness);
            try (Connection held = storage.dataSource().getConnection()) {
                assertEquals(1, registry.get("hikaricp.connections.active").tag("pool", "coffre-h2").gauge().value(),
                        "the connection held here");
            }
            assertEquals(4, registry.get("hikaricp.connections.max").tag("pool", "coffre-h2").gauge().value());
            assertTrue(registry.get("hikaricp.connections.acquire").tag("pool", "coffre-h2").timer().count() >= 1);
            assertThrows(IllegalStateException.class, () -> StoreMeters.bind(new SimpleMeterRegistry(), storage,
                    readiness), "a pool is tracked once");
        }
        assertEquals(0, registry.get("coffre.store.errors").functionCounter().count());
        readiness.storeFailed();
        readiness.storeFailed();
        assertEquals(2, registry.get("coffre.store.errors").functionCounter().count(), "each failed call, not each change");
    }
}
