package coffre.kms.server.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import coffre.kms.server.store.Storage;
import coffre.kms.server.store.StoreFactory;
import coffre.kms.server.testing.PostgresTestDatabase;
import java.time.Duration;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The live nodes of a cluster on the shared test PostgreSQL (what an XKS health check reports as
 * xksProxyFleetSize): each store that listens counts, another deployment's (another schema) does
 * not, a closed one stops counting. Touches no other test's schema and never stops the database.
 */
class ClusterMembersIT {
    private static PostgresTestDatabase db;
    private String schema;
    private String otherSchema;

    @BeforeAll
    static void database() {
        db = PostgresTestDatabase.require();
    }

    @BeforeEach
    void schemas() {
        schema = db.newSchema("members");
        otherSchema = db.newSchema("members_other");
    }

    @AfterEach
    void drop() {
        db.dropSchema(schema);
        db.dropSchema(otherSchema);
    }

    private static Storage listening(Storage storage) {
        storage.changes().start();
        return storage;
    }

    private static void await(int expected, IntSupplier count) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        int seen = count.getAsInt();
        while (seen != expected && System.nanoTime() < deadline) {
            Thread.sleep(50);
            seen = count.getAsInt();
        }
        assertEquals(expected, seen);
    }

    @Test
    void listeningNodesOfTheDeploymentCount() throws Exception {
        try (Storage a = listening(StoreFactory.open(db.settings(schema)))) {
            await(1, () -> a.members().liveNodes());
            try (Storage b = listening(StoreFactory.open(db.settings(schema)));
                 Storage other = listening(StoreFactory.open(db.settings(otherSchema)))) {
                await(2, () -> a.members().liveNodes());
                await(2, () -> b.members().liveNodes());
                await(1, () -> other.members().liveNodes());
            }
            await(1, () -> a.members().liveNodes());
        }
    }
}
