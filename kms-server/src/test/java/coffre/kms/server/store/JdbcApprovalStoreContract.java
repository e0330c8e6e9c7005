package coffre.kms.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.approval.ApprovalStore;
import coffre.kms.server.approval.ApprovalStore.Phase;
import coffre.kms.v1.ApprovalRequest;
import coffre.kms.v1.ApprovalState;
import coffre.kms.v1.Officer;
import coffre.kms.v1.OfficerStatus;
import coffre.kms.v1.QuorumRule;
import com.google.protobuf.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Officers, the rule and approval requests for real; the same tests on each database (H2:
 * {@link JdbcApprovalStoreTest}, PostgreSQL: {@link JdbcApprovalStorePostgresIT}). The
 * compare-and-set of {@link ApprovalStore#update} is what makes execution exactly once.
 */
abstract class JdbcApprovalStoreContract {
    private static final Instant NOW = Instant.parse("2026-03-01T10:15:30.123456Z");
    private static final QuorumRule TWO_OF_THREE = QuorumRule.newBuilder().setThreshold(2).setMinPerOperator(1).build();

    /** Opens the test's database, fresh for each test; each call opens it again (a restart). */
    abstract Storage open();

    private static Officer officer(String id, OfficerStatus status) {
        return Officer.newBuilder().setId(id).setDisplayName(id).setOperator("op-a").setStatus(status).build();
    }

    private static ApprovalRequest request(String id, Instant created) {
        return ApprovalRequest.newBuilder().setId(id).setRequester("spiffe://coffre.test/admin")
                .setCreateTime(Timestamp.newBuilder().setSeconds(created.getEpochSecond()).setNanos(created.getNano()))
                .setState(ApprovalState.PENDING).build();
    }

    @Test
    void theCeremonyHappensOnceAndOfficersAreUpdatedInPlace() {
        try (Storage storage = open()) {
            ApprovalStore store = storage.approvals();
            assertTrue(store.initialization().isEmpty());
            List<Officer> first = List.of(officer("bob", OfficerStatus.OFFICER_ACTIVE),
                    officer("alice", OfficerStatus.OFFICER_ACTIVE));
            assertTrue(store.initialize(TWO_OF_THREE, "d1", first, NOW));
            assertFalse(store.initialize(TWO_OF_THREE, "d2", List.of(officer("eve", OfficerStatus.OFFICER_ACTIVE)), NOW),
                    "a second ceremony changes nothing");
            store.saveOfficer(officer("bob", OfficerStatus.OFFICER_SUSPENDED));
            store.setRule(TWO_OF_THREE.toBuilder().setThreshold(1).build());
        }
        try (Storage reopened = open()) {
            ApprovalStore store = reopened.approvals();
            assertEquals(new ApprovalStore.Initialization(TWO_OF_THREE.toBuilder().setThreshold(1).build(), "d1"),
                    store.initialization().orElseThrow());
            assertEquals(List.of(officer("alice", OfficerStatus.OFFICER_ACTIVE),
                    officer("bob", OfficerStatus.OFFICER_SUSPENDED)), store.officers());
        }
    }

    @Test
    void updateIsACompareAndSetOnTheRevision() {
        try (Storage storage = open()) {
            ApprovalStore store = storage.approvals();
            ApprovalRequest pending = request("apr-a", NOW);
            store.insert(pending, NOW.plus(Duration.ofHours(1)));
            assertEquals(new ApprovalStore.Stored(pending, Phase.PENDING, 1), store.find("apr-a").orElseThrow());

            ApprovalRequest voted = pending.toBuilder().setSummary("one vote").build();
            assertTrue(store.update(voted, Phase.PENDING, 1));
            assertFalse(store.update(voted, Phase.EXECUTING, 1), "revision 1 is gone");
            assertTrue(store.update(voted, Phase.EXECUTING, 2));
            assertEquals(new ApprovalStore.Stored(voted, Phase.EXECUTING, 3), store.find("apr-a").orElseThrow());
            assertFalse(store.update(voted, Phase.EXECUTED, 7));
            assertTrue(store.find("apr-missing").isEmpty());
        }
    }

    @Test
    void requestsAreListedByPhaseOldestFirstAndExpiredOnesFound() {
        try (Storage storage = open()) {
            ApprovalStore store = storage.approvals();
            store.insert(request("apr-late", NOW.plusSeconds(10)), NOW.plusSeconds(100));
            store.insert(request("apr-early", NOW), NOW.plusSeconds(50));
            store.insert(request("apr-done", NOW.plusSeconds(5)), NOW.plusSeconds(5));
            assertTrue(store.update(request("apr-done", NOW.plusSeconds(5)).toBuilder()
                    .setState(ApprovalState.EXECUTED).build(), Phase.EXECUTED, 1));

            assertEquals(List.of("apr-early", "apr-late"), ids(store.list(List.of(Phase.PENDING))));
            assertEquals(List.of("apr-early", "apr-done", "apr-late"), ids(store.list(List.of())));
            assertEquals(List.of("apr-early"), ids(store.expired(NOW.plusSeconds(60))));
            assertEquals(List.of(), ids(store.expired(NOW.plusSeconds(20))), "executed requests never expire");
        }
    }

    /** Many writers, one expected revision, at the same moment: exactly one wins, every time. */
    @Test
    void concurrentUpdatesOfOneRevisionHaveExactlyOneWinner() throws Exception {
        int writers = 6;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try (Storage storage = open()) {
            ApprovalStore store = storage.approvals();
            for (int round = 0; round < 20; round++) {
                String id = "apr-race-" + round;
                store.insert(request(id, NOW), NOW.plusSeconds(60));
                CyclicBarrier start = new CyclicBarrier(writers);
                List<Future<Boolean>> outcomes = new ArrayList<>();
                for (int w = 0; w < writers; w++) {
                    ApprovalRequest mine = request(id, NOW).toBuilder().setSummary("writer " + w).build();
                    outcomes.add(pool.submit(() -> {
                        start.await();
                        return store.update(mine, Phase.EXECUTING, 1);
                    }));
                }
                int winners = 0;
                for (Future<Boolean> outcome : outcomes) {
                    winners += outcome.get() ? 1 : 0;
                }
                assertEquals(1, winners, "round " + round);
                assertEquals(2, store.find(id).orElseThrow().revision());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aUsedSignatureIsRecordedOnceAndForgottenAfterItsWindow() {
        try (Storage storage = open()) {
            ApprovalStore store = storage.approvals();
            assertTrue(store.markSignatureUsed("alice:00ff", NOW));
            assertFalse(store.markSignatureUsed("alice:00ff", NOW.plusSeconds(1)), "a replay");
            assertTrue(store.markSignatureUsed("carol:00ff", NOW.plusSeconds(60)));
            assertEquals(1, store.forgetSignaturesUsedBefore(NOW.plusSeconds(30)));
            assertTrue(store.markSignatureUsed("alice:00ff", NOW.plusSeconds(61)));
            assertFalse(store.markSignatureUsed("carol:00ff", NOW.plusSeconds(61)));
        }
    }

    private static List<String> ids(List<ApprovalStore.Stored> stored) {
        return stored.stream().map(s -> s.request().getId()).toList();
    }
}
