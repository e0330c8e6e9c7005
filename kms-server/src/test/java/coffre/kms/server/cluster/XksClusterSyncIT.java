package coffre.kms.server.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.hsm.testing.SecretLedger;
import coffre.kms.server.access.GrantRegistry;
import coffre.kms.server.approval.ApprovedOperations;
import coffre.kms.server.approval.BreakGlassAllowances;
import coffre.kms.server.approval.QuorumService;
import coffre.kms.server.keys.KeyAttributes;
import coffre.kms.server.keys.KeyLifecycle;
import coffre.kms.server.keys.KeyMetadata;
import coffre.kms.server.keys.KeyRegistry;
import coffre.kms.server.keystores.ExternalKeyStore;
import coffre.kms.server.keystores.ExternalKeyStores;
import coffre.kms.server.keystores.NewCredential;
import coffre.kms.server.store.Storage;
import coffre.kms.server.store.StoreFactory;
import coffre.kms.server.testing.MutableClock;
import coffre.kms.server.testing.PostgresTestDatabase;
import coffre.kms.server.testing.SoftwareHsm;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two nodes on one PostgreSQL, as in a cluster: what one node does to an external key store, the
 * other's view (the one the XKS edge reads) follows through the change feed — a disable, a
 * revocation, an unmapping within one second, as for a disabled key. The database is never stopped.
 */
class XksClusterSyncIT {
    private static final Duration WITHIN = Duration.ofSeconds(1);

    private static PostgresTestDatabase db;
    private final SoftwareHsm hsm = new SoftwareHsm();
    private final MutableClock clock = new MutableClock(Instant.now());
    private String schema;
    private Node a;
    private Node b;

    private record Node(Storage storage, KeyLifecycle lifecycle, ExternalKeyStores keyStores) implements AutoCloseable {
        @Override
        public void close() {
            storage.close();
        }
    }

    @BeforeAll
    static void database() {
        db = PostgresTestDatabase.require();
    }

    @BeforeEach
    void nodes() {
        schema = db.newSchema("xks_sync");
        a = node();
        b = node();
    }

    @AfterEach
    void close() {
        b.close();
        a.close();
        db.dropSchema(schema);
    }

    private Node node() {
        Storage storage = StoreFactory.open(db.settings(schema));
        KeyRegistry registry = new KeyRegistry();
        KeyLifecycle lifecycle = new KeyLifecycle(hsm, storage.keys(), registry, clock);
        GrantRegistry grants = new GrantRegistry(storage.grants(), clock, new SecureRandom());
        ApprovedOperations approved = new ApprovedOperations(lifecycle, spec -> "unused", new BreakGlassAllowances(),
                Duration.ofMinutes(15), clock);
        QuorumService quorum = QuorumService.open(storage.approvals(), approved, Duration.ofHours(1), clock);
        ExternalKeyStores keyStores = ExternalKeyStores.open(hsm, storage.xksStores(), lifecycle::get, clock);
        approved.keyStores(keyStores);
        ClusterSync.start(storage.changes(), new KeyRefresher(lifecycle, storage.keys(), registry), grants,
                quorum.watchers(), keyStores.registry());
        return new Node(storage, lifecycle, keyStores);
    }

    /** Waits until {@code condition} holds, failing if it takes longer than {@link #WITHIN}. */
    private static void seenWithinASecond(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WITHIN.toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, what + " not seen by the other node within " + WITHIN);
            Thread.sleep(10);
        }
    }

    @Test
    void whatOneNodeDoesTheOtherSeesWithinASecond() throws Exception {
        String today = java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd").withZone(java.time.ZoneOffset.UTC)
                .format(clock.instant());
        NewCredential credential = a.keyStores().requestKeyStore("paris", "/paris/kms/xks/v1", "eu-west-3");
        SecretLedger.record(new String(credential.secret()));
        a.keyStores().create(credential.keyStoreId(), "paris", credential.uriPath(), "eu-west-3", credential.accessKeyId());
        String store = credential.keyStoreId();
        seenWithinASecond("the new store", () -> b.keyStores().registry().byUriPath("/paris/kms/xks/v1").isPresent());
        assertArrayEquals(a.keyStores().registry().dateKey(store, credential.accessKeyId(), today).orElseThrow(),
                b.keyStores().registry().dateKey(store, credential.accessKeyId(), today).orElseThrow());

        KeyMetadata key = a.lifecycle().create(new KeyAttributes(null, "", Map.of()));
        a.keyStores().map(store, "orders", key.id());
        seenWithinASecond("the mapping", () -> b.keyStores().registry().mapping(store, "orders").isPresent());

        a.keyStores().disable(store);
        seenWithinASecond("the disable", () -> b.keyStores().registry().byUriPath("/paris/kms/xks/v1")
                .map(s -> s.state() == ExternalKeyStore.State.DISABLED).orElse(false));
        b.keyStores().enable(store);
        seenWithinASecond("the enable", () -> a.keyStores().registry().byUriPath("/paris/kms/xks/v1")
                .map(s -> s.state() == ExternalKeyStore.State.ENABLED).orElse(false));

        a.keyStores().unmap(store, "orders");
        seenWithinASecond("the unmapping", () -> b.keyStores().registry().mapping(store, "orders").isEmpty());

        a.keyStores().revoke(store, credential.accessKeyId());
        seenWithinASecond("the revocation", () -> b.keyStores().registry()
                .dateKey(store, credential.accessKeyId(), today).isEmpty());
    }
}
