package coffre.kms.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.hsm.pkcs11.Pkcs11Hsm;
import coffre.hsm.testing.SecretLedger;
import coffre.hsm.testing.SoftHsmTestToken;
import coffre.kms.server.testing.PostgresTestDatabase;
import coffre.kms.server.testing.ServerProcess;
import coffre.kms.server.testing.TestCluster;
import coffre.kms.v1.GenerateDataKeyResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 22's fail-over test for {@link CoffreClient} itself, with its default settings (round robin
 * over the listed endpoints, retry on UNAVAILABLE of docs/client-settings.md): two server processes
 * share one PostgreSQL schema (a fresh one; the database server is never stopped) and one SoftHSM
 * token; a few threads keep wrapping, unwrapping and making data keys through both while one node
 * is killed with SIGKILL. Every one of those calls is safe to retry, so none may fail; calls go on
 * on the surviving node; the longest pause in answers around the kill is printed, not asserted.
 *
 * <p>A node in the test JVM (the cluster's first, not among the client's endpoints) runs the
 * officers' ceremony and makes the key, as in ProcessFailoverIT.
 */
class ClientFailoverIT {
    private static final Map<String, String> CONTEXT = Map.of("tenant", "failover");
    private static final int THREADS = 3;
    private static final Duration BEFORE_KILL = Duration.ofSeconds(3);
    private static final Duration AFTER_KILL = Duration.ofSeconds(4);

    @TempDir
    Path dir;

    /** What the worker threads saw; answer times are nanoTime stamps. */
    private static final class Tally {
        final AtomicInteger calls = new AtomicInteger();
        final AtomicInteger afterKill = new AtomicInteger();
        final List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        final Map<String, AtomicInteger> perOperation = new ConcurrentHashMap<>();
        final List<Long> answeredAt = java.util.Collections.synchronizedList(new ArrayList<>());
        final AtomicLong killedAt = new AtomicLong();

        void answered(String operation) {
            long now = System.nanoTime();
            calls.incrementAndGet();
            perOperation.computeIfAbsent(operation, o -> new AtomicInteger()).incrementAndGet();
            answeredAt.add(now);
            if (killedAt.get() != 0 && now > killedAt.get()) {
                afterKill.incrementAndGet();
            }
        }
    }

    @Test
    void noRetriableCallFailsWhenANodeIsKilled() throws Exception {
        PostgresTestDatabase db = PostgresTestDatabase.require();
        try (TestCluster cluster = TestCluster.start(dir, db, 1,
                () -> Pkcs11Hsm.open(SoftHsmTestToken.get().config(TestCluster.SESSIONS)), Duration.ofSeconds(30))) {
            String keyId = cluster.createKey(cluster.node(0));
            try (ServerProcess nodeB = ServerProcess.start(cluster, db, dir, "node-b");
                 ServerProcess nodeC = ServerProcess.start(cluster, db, dir, "node-c");
                 CoffreClient coffre = CoffreClient.builder()
                         .endpoints("127.0.0.1:" + nodeB.port() + ",127.0.0.1:" + nodeC.port())
                         .tls(cluster.pki().caFile(), cluster.serviceIdentity().certificate(),
                                 cluster.serviceIdentity().privateKey())
                         .build()) {
                Tally tally = new Tally();
                long endAt = System.nanoTime() + BEFORE_KILL.plus(AFTER_KILL).toNanos();
                List<Thread> workers = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    int worker = t;
                    workers.add(Thread.ofPlatform().name("failover-" + t).start(
                            () -> work(coffre, keyId, worker, endAt, tally)));
                }
                Thread.sleep(BEFORE_KILL.toMillis());
                int beforeKill = tally.calls.get();
                tally.killedAt.set(System.nanoTime());
                nodeB.kill(); // SIGKILL: no shutdown hook, no goodbye
                for (Thread worker : workers) {
                    worker.join(TimeUnit.MINUTES.toMillis(1));
                }

                long gapMs = longestGapAround(tally);
                System.out.printf("ClientFailoverIT: %d calls answered (%d before the kill, %d after) %s, "
                                + "%d failed %s; longest pause between answers around the kill: %d ms%n",
                        tally.calls.get(), beforeKill, tally.afterKill.get(), tally.perOperation,
                        tally.failures.size(), tally.failures, gapMs);
                assertFalse(nodeB.alive(), "node B was killed");
                assertTrue(beforeKill > THREADS * 3, "calls flowed before the kill: " + beforeKill);
                assertEquals(List.of(), tally.failures, "Wrap, Unwrap and GenerateDataKey are retried: none may fail");
                assertTrue(tally.afterKill.get() > THREADS * 5,
                        "calls went on on node C after the kill: " + tally.afterKill.get());
            }
        }
    }

    /** One thread's loop: wrap then unwrap a record (checking it comes back), then make a data key. */
    private static void work(CoffreClient coffre, String keyId, int worker, long endAt, Tally tally) {
        for (int i = 0; System.nanoTime() < endAt; i++) {
            byte[] record = ("failover-record-" + worker + "-" + i).getBytes(StandardCharsets.UTF_8);
            SecretLedger.record(record);
            String operation = "Wrap";
            try {
                byte[] envelope = coffre.wrap(keyId, record, CONTEXT).getEnvelope().toByteArray();
                tally.answered(operation);
                operation = "Unwrap";
                byte[] opened = coffre.unwrap(envelope, CONTEXT).getPlaintext().toByteArray();
                assertArrayEquals(record, opened, "a record opens as it was sealed");
                tally.answered(operation);
                operation = "GenerateDataKey";
                GenerateDataKeyResponse dataKey = coffre.generateDataKey(keyId, 32, CONTEXT);
                SecretLedger.record(dataKey.getPlaintext().toByteArray());
                tally.answered(operation);
            } catch (RuntimeException | AssertionError e) {
                tally.failures.add(operation + ": " + e.getClass().getSimpleName() + " " + e.getMessage());
            }
        }
    }

    /** The longest time without any answer, over the window from 1 s before the kill to the end. */
    private static long longestGapAround(Tally tally) {
        long from = tally.killedAt.get() - TimeUnit.SECONDS.toNanos(1);
        List<Long> times;
        synchronized (tally.answeredAt) {
            times = new ArrayList<>(tally.answeredAt);
        }
        times.sort(Long::compare);
        long longest = 0;
        long previous = -1;
        for (long at : times) {
            if (at < from) {
                continue;
            }
            if (previous >= 0) {
                longest = Math.max(longest, at - previous);
            }
            previous = at;
        }
        return TimeUnit.NANOSECONDS.toMillis(longest);
    }
}
