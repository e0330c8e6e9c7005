package coffre.kms.server.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.keys.KeyAttributes;
import coffre.kms.server.keys.KeyId;
import coffre.kms.server.keys.KeyMetadata;
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
 * The propagation time the change feed reports for {@code coffre_cluster_propagation_lag_seconds},
 * between two nodes on a real PostgreSQL (two stores on one schema): each applied change from a node
 * that announces its time is told once, after the subscribers ran, with a plausible gap; an
 * announcement in the older format (no time) is still applied, and local and remote are still told
 * apart. This test never stops the database.
 */
class PropagationLagIT {
    private static PostgresTestDatabase db;
    private final SecureRandom random = new SecureRandom();
    private String schema;

    /** What one node's subscribers heard, and the propagation times its feed reported after them. */
    private static final class Recorder implements ChangeFeed.Subscriber {
        final BlockingQueue<String> heard = new LinkedBlockingQueue<>();
        final BlockingQueue<Duration> lags = new LinkedBlockingQueue<>();
        final AtomicInteger resyncs = new AtomicInteger();

        @Override
        public void changed(ChangeFeed.Topic topic, String id, boolean local) {
            heard.add(topic + " " + id + (local ? " local" : " remote") + " lags-before=" + lags.size());
        }

        @Override
        public void resync() {
            resyncs.incrementAndGet();
        }
    }

    @BeforeAll
    static void database() {
        db = PostgresTestDatabase.require();
    }

    @BeforeEach
    void freshSchema() {
        schema = db.newSchema("lag");
    }

    @AfterEach
    void dropSchema() {
        db.dropSchema(schema);
    }

    private static void awaitResync(Recorder recorder) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (recorder.resyncs.get() < 1 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(recorder.resyncs.get() >= 1, "the feed started listening");
    }

    @Test
    void eachAppliedChangeIsToldItsPropagationTimeAndOldAnnouncementsStillWork() throws Exception {
        try (Storage a = StoreFactory.open(db.settings(schema)); Storage b = StoreFactory.open(db.settings(schema))) {
            Recorder onA = new Recorder();
            Recorder onB = new Recorder();
            a.changes().subscribe(onA);
            b.changes().subscribe(onB);
            a.changes().watchPropagation(onA.lags::add);
            b.changes().watchPropagation(onB.lags::add);
            a.changes().start();
            b.changes().start();
            awaitResync(onA);
            awaitResync(onB);

            Instant before = Instant.now();
            KeyMetadata key = KeyMetadata.created(KeyId.random(random), new KeyAttributes(null, "d", Map.of()), before);
            a.keys().insertKey(key);
            assertEquals("KEY " + key.id().value() + " remote lags-before=0", onB.heard.poll(5, TimeUnit.SECONDS));
            Duration remote = onB.lags.poll(5, TimeUnit.SECONDS);
            assertNotNull(remote, "told after the subscribers applied it");
            Duration bound = Duration.between(before, Instant.now());
            assertTrue(!remote.isNegative() && remote.compareTo(bound) <= 0,
                    "between the write and now (same clock): " + remote + " <= " + bound);
            assertEquals("KEY " + key.id().value() + " local lags-before=0", onA.heard.poll(5, TimeUnit.SECONDS));
            assertNotNull(onA.lags.poll(5, TimeUnit.SECONDS), "the writer's own node is told too");

            // A node of the previous version announces without a time: applied, nothing told.
            try (Connection c = a.dataSource().getConnection();
                 PreparedStatement st = c.prepareStatement("SELECT pg_notify(?, ?)")) {
                st.setString(1, PostgresChangeFeed.channelFor(schema));
                st.setString(2, "KEY|" + key.id().value() + "|0123456789abcdef");
                st.execute();
            }
            assertEquals("KEY " + key.id().value() + " remote lags-before=0", onB.heard.poll(5, TimeUnit.SECONDS));
            assertEquals("KEY " + key.id().value() + " remote lags-before=0", onA.heard.poll(5, TimeUnit.SECONDS),
                    "another instance's announcement is remote");
            assertNull(onB.lags.poll(300, TimeUnit.MILLISECONDS), "no time announced, none told");
            assertNull(onA.lags.poll(10, TimeUnit.MILLISECONDS));
        }
    }
}
