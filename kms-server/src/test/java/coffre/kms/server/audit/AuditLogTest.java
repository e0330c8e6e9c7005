package coffre.kms.server.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AuditLogTest {
    private final Clock clock = Clock.fixed(Instant.parse("2026-11-28T10:00:00.123456789Z"), ZoneOffset.UTC);
    private final InMemoryAuditStore store = new InMemoryAuditStore();

    private AuditEvent event(String principal) {
        return new AuditEvent(clock.instant(), AuditEventType.WRAP, principal, "key-a", 1, AuditDecision.ALLOWED, null,
                "req", "", "", "", 5);
    }

    private static void assertLinked(List<ChainedEvent> written) {
        for (int i = 0; i < written.size(); i++) {
            ChainedEvent e = written.get(i);
            assertEquals(i + 1, e.sequence(), "sequence");
            assertEquals(i == 0 ? ChainHash.GENESIS : written.get(i - 1).hash(), e.previousHash(), "link at " + (i + 1));
            assertEquals(ChainHash.of(e.previousHash(), e.node(), e.sequence(), e.event()), e.hash(), "hash at " + (i + 1));
        }
    }

    private static List<String> principals(List<ChainedEvent> written) {
        return written.stream().map(e -> e.event().principal()).toList();
    }

    @Test
    void chainsEventsInOrderFromOneAndCompletesOnlyOnceWritten() {
        try (AuditLog log = AuditLog.open(store, "n1", AuditLog.FailureMode.CLOSED, 100, 100, clock)) {
            log.record(event("a")).toCompletableFuture().join();
            assertEquals(1, store.events().size(), "durable when the future completes");
            log.record(event("b")).toCompletableFuture().join();
            List<ChainedEvent> written = store.events();
            assertLinked(written);
            assertEquals(new AuditLog.Head(2, written.get(1).hash()), log.head());
        }
    }

    @Test
    void continuesTheChainWhereTheStoreLeftIt() {
        try (AuditLog log = AuditLog.open(store, "n1", AuditLog.FailureMode.CLOSED, 100, 100, clock)) {
            log.record(event("a")).toCompletableFuture().join();
        }
        try (AuditLog log = AuditLog.open(store, "n1", AuditLog.FailureMode.CLOSED, 100, 100, clock)) {
            log.record(event("b")).toCompletableFuture().join();
        }
        assertEquals(List.of("a", "b"), principals(store.events()));
        assertLinked(store.events());
    }

    @Test
    void concurrentCallersShareTransactions() throws Exception {
        int callers = 8;
        int each = 500;
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        try (AuditLog log = AuditLog.open(store, "n1", AuditLog.FailureMode.CLOSED, 1000, 100, clock)) {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < callers; c++) {
                String name = "caller-" + c;
                done.add(pool.submit(() -> {
                    start.await();
                    List<CompletableFuture<Void>> mine = new ArrayList<>();
                    for (int i = 0; i < each; i++) {
                        mine.add(log.record(event(name)).toCompletableFuture());
                    }
                    CompletableFuture.allOf(mine.toArray(CompletableFuture[]::new)).join();
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        List<ChainedEvent> written = store.events();
        assertEquals(callers * each, written.size());
        assertLinked(written);
        assertTrue(store.appends() < callers * each, "group commit: fewer transactions than events");
        System.out.printf("group commit: %d events in %d transactions%n", written.size(), store.appends());
    }

    @Test
    void failingClosedRefusesUntilTheStoreIsBackAndLosesNothingAcknowledged() {
        try (AuditLog log = AuditLog.open(store, "n1", AuditLog.FailureMode.CLOSED, 100, 100, clock)) {
            log.record(event("before")).toCompletableFuture().join();
            store.failing(true);
            CompletionException refused = assertThrows(CompletionException.class,
                    () -> log.record(event("during")).toCompletableFuture().join());
            assertEquals(ErrorReason.AUDIT_UNAVAILABLE, assertInstanceOf(KmsException.class, refused.getCause()).reason());
            assertFalse(log.writable());
            assertEquals(ErrorReason.AUDIT_UNAVAILABLE, assertThrows(KmsException.class, log::checkWritable).reason());

            store.failing(false);
            log.record(event("after")).toCompletableFuture().join();
            assertTrue(log.writable());
            log.checkWritable();
        }
        assertEquals(List.of("before", "after"), principals(store.events()));
        assertLinked(store.events());
    }

    /**
     * A write that hangs (a database that does not answer) does not hold its callers, nor those
     * queued behind it, past {@code maxWait}: they are refused, the log counts as unwritable at
     * once, and when the write completes after all, their events are in the chain.
     */
    @Test
    void aHungWriteRefusesItsCallersAfterMaxWaitAndTurnsTheLogUnwritable() throws Exception {
        List<Boolean> writable = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.CountDownLatch gate = store.hold();
        try (AuditLog log = AuditLog.open(store, "n1", AuditLog.FailureMode.CLOSED, 100, 100,
                java.time.Duration.ofMillis(200), clock)) {
            log.watchWritable(writable::add);
            CompletableFuture<Void> first = log.record(event("in flight")).toCompletableFuture();
            CompletableFuture<Void> queued = log.record(event("queued")).toCompletableFuture();
            for (CompletableFuture<Void> refused : List.of(first, queued)) {
                java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
                        () -> refused.get(10, TimeUnit.SECONDS));
                assertEquals(ErrorReason.AUDIT_UNAVAILABLE, assertInstanceOf(KmsException.class, e.getCause()).reason());
            }
            assertEquals(1, gate.getCount(), "refused while the write still hangs");
            assertFalse(log.writable());
            assertEquals(List.of(false), writable);

            gate.countDown();
            log.record(event("after")).toCompletableFuture().join();
            assertTrue(log.writable());
            assertEquals(List.of(false, true), writable);
        }
        assertEquals(List.of("in flight", "queued", "after"), principals(store.events()));
        assertLinked(store.events());
    }

    /** A failed log with nothing to write comes back by itself once the store answers. */
    @Test
    void anIdleFailedLogBecomesWritableWhenTheStoreAnswersAgain() throws InterruptedException {
        List<Boolean> writable = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (AuditLog log = AuditLog.open(store, "n1", AuditLog.FailureMode.CLOSED, 100, 100, clock)) {
            log.watchWritable(writable::add);
            store.failing(true);
            assertThrows(CompletionException.class, () -> log.record(event("during")).toCompletableFuture().join());
            assertFalse(log.writable());
            store.failing(false);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!log.writable() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertTrue(log.writable(), "writable again without any event recorded");
            assertEquals(List.of(false, true), writable);
        }
    }

    @Test
    void aBatchCommittedWhoseAnswerWasLostDoesNotBlockTheChain() {
        try (AuditLog log = AuditLog.open(store, "n1", AuditLog.FailureMode.CLOSED, 100, 100, clock)) {
            log.record(event("before")).toCompletableFuture().join();
            store.loseNextAcknowledgement();
            CompletionException refused = assertThrows(CompletionException.class,
                    () -> log.record(event("committed, answer lost")).toCompletableFuture().join());
            assertEquals(ErrorReason.AUDIT_UNAVAILABLE, assertInstanceOf(KmsException.class, refused.getCause()).reason());
            // The next events go on after the committed one instead of colliding with it for ever.
            log.record(event("after")).toCompletableFuture().join();
            log.record(event("later")).toCompletableFuture().join();
            assertTrue(log.writable());
            assertEquals(4, log.head().sequence());
        }
        assertEquals(List.of("before", "committed, answer lost", "after", "later"), principals(store.events()));
        assertLinked(store.events());
    }

    @Test
    void failingOpenWithALostAnswerWritesEachEventOnce() {
        try (AuditLog log = AuditLog.open(store, "n1", AuditLog.FailureMode.OPEN, 100, 100, clock)) {
            store.loseNextAcknowledgement();
            log.record(event("one")).toCompletableFuture().join();
            log.flush();
            log.record(event("two")).toCompletableFuture().join();
            log.flush();
        }
        assertEquals(List.of("one", "two"), principals(store.events()));
        assertLinked(store.events());
    }

    @Test
    void failingOpenAnswersAndWritesTheBacklogInOrderWhenTheStoreIsBack() {
        try (AuditLog log = AuditLog.open(store, "n1", AuditLog.FailureMode.OPEN, 100, 100, clock)) {
            store.failing(true);
            log.record(event("one")).toCompletableFuture().join();
            log.record(event("two")).toCompletableFuture().join();
            log.checkWritable();
            assertTrue(store.events().isEmpty());
            store.failing(false);
            log.record(event("three")).toCompletableFuture().join();
            log.flush();
        }
        assertEquals(List.of("one", "two", "three"), principals(store.events()));
        assertLinked(store.events());
    }

    @Test
    void failingOpenPastTheBacklogRecordsHowManyEventsWereDropped() {
        try (AuditLog log = AuditLog.open(store, "n1", AuditLog.FailureMode.OPEN, 1, 2, clock)) {
            store.failing(true);
            for (int i = 0; i < 5; i++) {
                log.record(event("e" + i)).toCompletableFuture().join();
            }
            store.failing(false);
            log.record(event("last")).toCompletableFuture().join();
            log.flush();
        }
        List<ChainedEvent> written = store.events();
        assertLinked(written);
        assertTrue(written.stream().anyMatch(e -> e.event().type() == AuditEventType.EVENTS_DROPPED
                && e.event().detail().matches("count=[1-9][0-9]*")), "a dropped-events marker: " + written);
        assertEquals("last", written.get(written.size() - 1).event().principal());
    }

    @Test
    void aClosedLogRefusesEvents() {
        AuditLog log = AuditLog.open(store, "n1", AuditLog.FailureMode.CLOSED, 100, 100, clock);
        log.close();
        CompletionException refused = assertThrows(CompletionException.class,
                () -> log.record(event("late")).toCompletableFuture().join());
        assertEquals(ErrorReason.AUDIT_UNAVAILABLE, assertInstanceOf(KmsException.class, refused.getCause()).reason());
    }
}
