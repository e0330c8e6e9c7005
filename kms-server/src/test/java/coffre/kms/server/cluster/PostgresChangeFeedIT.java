package coffre.kms.server.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.keys.Alias;
import coffre.kms.server.keys.KeyAttributes;
import coffre.kms.server.keys.KeyId;
import coffre.kms.server.keys.KeyMetadata;
import coffre.kms.server.keys.KeyMetadataStore;
import coffre.kms.server.keys.KeyState;
import coffre.kms.server.store.Storage;
import coffre.kms.server.store.StoreFactory;
import coffre.kms.server.testing.PostgresTestDatabase;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The PostgreSQL change feed between two nodes (two stores on one schema, as two processes would
 * have): announcements travel with commits only, each node tells its own changes from others', and
 * a lost listening connection comes back by itself and triggers a full resync.
 */
class PostgresChangeFeedIT {
    private static PostgresTestDatabase db;
    private final SecureRandom random = new SecureRandom();
    private final Instant now = Instant.parse("2026-03-01T10:15:30.123456Z");
    private String schema;

    /** What one node's subscribers heard. */
    private static final class Recorder implements ChangeFeed.Subscriber {
        final BlockingQueue<String> changes = new LinkedBlockingQueue<>();
        final AtomicInteger resyncs = new AtomicInteger();

        @Override
        public void changed(ChangeFeed.Topic topic, String id, boolean local) {
            changes.add(topic + " " + id + (local ? " local" : " remote"));
        }

        @Override
        public void resync() {
            resyncs.incrementAndGet();
        }

        String next() throws InterruptedException {
            return changes.poll(5, TimeUnit.SECONDS);
        }
    }

    @BeforeAll
    static void database() {
        db = PostgresTestDatabase.require();
    }

    @BeforeEach
    void freshSchema() {
        schema = db.newSchema("feed");
    }

    @AfterEach
    void dropSchema() {
        db.dropSchema(schema);
    }

    private KeyMetadata newKey(String alias) {
        return KeyMetadata.created(KeyId.random(random), new KeyAttributes(alias == null ? null : new Alias(alias), "d",
                Map.of()), now);
    }

    private static void awaitResyncs(Recorder recorder, int atLeast) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (recorder.resyncs.get() < atLeast && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(recorder.resyncs.get() >= atLeast, "resyncs: " + recorder.resyncs.get());
    }

    @Test
    void committedChangesReachEveryNodeAndRolledBackOnesNone() throws Exception {
        try (Storage a = StoreFactory.open(db.settings(schema)); Storage b = StoreFactory.open(db.settings(schema))) {
            Recorder onA = new Recorder();
            Recorder onB = new Recorder();
            a.changes().subscribe(onA);
            b.changes().subscribe(onB);
            a.changes().start();
            b.changes().start();
            awaitResyncs(onA, 1);
            awaitResyncs(onB, 1);

            KeyMetadata key = newKey("shared");
            a.keys().insertKey(key);
            assertEquals("KEY " + key.id().value() + " local", onA.next());
            assertEquals("KEY " + key.id().value() + " remote", onB.next());

            // Refused by the unique alias: rolled back, so never announced.
            assertThrows(KeyMetadataStore.AliasTakenException.class, () -> b.keys().insertKey(newKey("shared")));
            b.keys().updateKey(key.withState(KeyState.DISABLED, now));
            assertEquals("KEY " + key.id().value() + " remote", onA.next(), "the next announcement is the update");
            assertEquals("KEY " + key.id().value() + " local", onB.next());
            assertNull(onA.changes.poll(300, TimeUnit.MILLISECONDS));
            assertTrue(a.changes().listening());
        }
    }

    @Test
    void aLostListeningConnectionComesBackAndResyncs() throws Exception {
        try (Storage a = StoreFactory.open(db.settings(schema)); Storage b = StoreFactory.open(db.settings(schema))) {
            Recorder onB = new Recorder();
            b.changes().subscribe(onB);
            b.changes().start();
            awaitResyncs(onB, 1);

            // What a database failover or a network cut does to the listening connection.
            try (Connection admin = db.connect(); PreparedStatement st = admin.prepareStatement(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            + "WHERE application_name LIKE 'coffre-changes%' AND query LIKE ?")) {
                st.setString(1, "%" + PostgresChangeFeed.channelFor(schema) + "%");
                st.executeQuery().close();
            }
            awaitResyncs(onB, 2);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!b.changes().listening() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(b.changes().listening());

            KeyMetadata key = newKey(null);
            a.keys().insertKey(key);
            String heard = onB.next();
            assertNotNull(heard, "a change after the reconnection is heard");
            assertEquals("KEY " + key.id().value() + " remote", heard);
        }
    }

    @Test
    void aNodeThatCannotListenReloadsEverySecond() throws Exception {
        // The database answers queries but the listening connection cannot be opened (a pooler in
        // transaction mode, a firewall): revocations must still apply within about a second.
        PostgresChangeFeed feed = new PostgresChangeFeed(() -> {
            throw new java.sql.SQLException("listening connection refused", "08001");
        }, schema, Duration.ofMinutes(10));
        try (feed) {
            Recorder recorder = new Recorder();
            feed.subscribe(recorder);
            feed.start();
            awaitResyncs(recorder, 3);
            assertFalse(feed.listening());
        }
    }

    @Test
    void theFullRefreshRunsPeriodically() throws Exception {
        try (Storage b = StoreFactory.open(db.settings(schema, Duration.ofMillis(200)))) {
            Recorder onB = new Recorder();
            b.changes().subscribe(onB);
            b.changes().start();
            awaitResyncs(onB, 4);
        }
    }
}
