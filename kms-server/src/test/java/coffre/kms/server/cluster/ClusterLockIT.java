package coffre.kms.server.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.store.Storage;
import coffre.kms.server.store.StoreFactory;
import coffre.kms.server.testing.PostgresTestDatabase;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The cluster lock of two nodes (two stores on one PostgreSQL schema, as two processes would have):
 * one holder at a time per name, names independent, released when the action throws.
 */
class ClusterLockIT {
    private PostgresTestDatabase db;
    private String schema;
    private ExecutorService pool;

    @BeforeEach
    void setUp() {
        db = PostgresTestDatabase.require();
        schema = db.newSchema("lock");
        pool = Executors.newFixedThreadPool(4);
    }

    @AfterEach
    void tearDown() {
        pool.shutdownNow();
        db.dropSchema(schema);
    }

    @Test
    void twoNodesNeverHoldTheSameLockAtOnce() throws Exception {
        try (Storage a = StoreFactory.open(db.settings(schema)); Storage b = StoreFactory.open(db.settings(schema))) {
            assertTrue(a.clusterLock() instanceof PostgresClusterLock);
            AtomicInteger inside = new AtomicInteger();
            AtomicBoolean overlapped = new AtomicBoolean();
            List<Future<Integer>> runs = new java.util.ArrayList<>();
            for (int i = 0; i < 8; i++) {
                ClusterLock lock = (i % 2 == 0 ? a : b).clusterLock();
                runs.add(pool.submit(() -> lock.holding("hsm-key:test", () -> {
                    if (inside.incrementAndGet() > 1) {
                        overlapped.set(true);
                    }
                    sleep(30);
                    inside.decrementAndGet();
                    return 1;
                })));
            }
            int done = 0;
            for (Future<Integer> run : runs) {
                done += run.get(30, TimeUnit.SECONDS);
            }
            assertEquals(8, done);
            assertFalse(overlapped.get(), "two nodes held the lock at once");
        }
    }

    @Test
    void otherNamesAreNotBlockedAndAFailedActionReleasesTheLock() throws Exception {
        try (Storage a = StoreFactory.open(db.settings(schema)); Storage b = StoreFactory.open(db.settings(schema))) {
            CountDownLatch held = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            Future<String> holder = pool.submit(() -> a.clusterLock().holding("one", () -> {
                held.countDown();
                await(release);
                return "held";
            }));
            assertTrue(held.await(10, TimeUnit.SECONDS));
            assertEquals("other", b.clusterLock().holding("two", () -> "other"), "another name is free");
            Future<String> waiter = pool.submit(() -> b.clusterLock().holding("one", () -> "after"));
            Thread.sleep(200);
            assertFalse(waiter.isDone(), "the second node waits for the holder");
            release.countDown();
            assertEquals("held", holder.get(10, TimeUnit.SECONDS));
            assertEquals("after", waiter.get(10, TimeUnit.SECONDS));

            assertThrows(IllegalStateException.class, () -> a.clusterLock().holding("one", () -> {
                throw new IllegalStateException("action failed");
            }));
            assertEquals("free", pool.submit(() -> b.clusterLock().holding("one", () -> "free")).get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void theEmbeddedStoreLocksWithinItsOneProcess(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        try (Storage h2 = StoreFactory.open(new coffre.kms.server.config.StoreSettings(
                coffre.kms.server.config.StoreSettings.Type.H2, dir.resolve("db")))) {
            assertEquals(ClusterLock.LOCAL, h2.clusterLock());
            assertEquals(42, h2.clusterLock().holding("x", () -> h2.clusterLock().holding("x", () -> 42)),
                    "re-entrant for the thread that holds it");
        }
    }

    @Test
    void lockNumbersAreStableAndDistinct() {
        assertEquals(PostgresClusterLock.number("hsm-key:coffre:audit-mac"),
                PostgresClusterLock.number("hsm-key:coffre:audit-mac"));
        assertTrue(PostgresClusterLock.number("hsm-key:coffre:audit-mac")
                != PostgresClusterLock.number("hsm-key:coffre:health"));
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
