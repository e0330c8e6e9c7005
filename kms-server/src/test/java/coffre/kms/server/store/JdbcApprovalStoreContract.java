package coffre.kms.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.approval.Approval;
import coffre.kms.server.approval.ApprovalStore;
import coffre.kms.server.approval.ApprovalStore.Phase;
import coffre.kms.server.approval.OfficerRecord;
import coffre.kms.server.approval.OfficerRecord.Status;
import coffre.kms.server.approval.OfficerSignature;
import coffre.kms.server.approval.QuorumRule;
import coffre.kms.server.approval.SignedTime;
import coffre.kms.v1.Decision;
import coffre.kms.v1.OfficerPublicKey;
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
    private static final QuorumRule TWO_OF_THREE = new QuorumRule(2, 1);

    /** Opens the test's database, fresh for each test; each call opens it again (a restart). */
    abstract Storage open();

    private static OfficerRecord officer(String id, Status status) {
        return new OfficerRecord(id, id, "op-a", "", OfficerPublicKey.getDefaultInstance(), status, "", NOW);
    }

    private static Approval request(String id, Instant created) {
        return Approval.pending(id, new byte[0], new byte[32], "spiffe://coffre.test/admin", created,
                created.plus(Duration.ofHours(1)), TWO_OF_THREE, "");
    }

    private static Approval.Vote vote(String officerId) {
        return new Approval.Vote(new OfficerSignature(officerId, SignedTime.of(NOW), new byte[64]), Decision.APPROVE, true);
    }

    @Test
    void theCeremonyHappensOnceAndOfficersAreUpdatedInPlace() {
        try (Storage storage = open()) {
            ApprovalStore store = storage.approvals();
            assertTrue(store.initialization().isEmpty());
            List<OfficerRecord> first = List.of(officer("bob", Status.ACTIVE), officer("alice", Status.ACTIVE));
            assertTrue(store.initialize(TWO_OF_THREE, "d1", first, NOW));
            assertFalse(store.initialize(TWO_OF_THREE, "d2", List.of(officer("eve", Status.ACTIVE)), NOW),
                    "a second ceremony changes nothing");
            store.saveOfficer(officer("bob", Status.SUSPENDED));
            store.setRule(new QuorumRule(1, 1));
        }
        try (Storage reopened = open()) {
            ApprovalStore store = reopened.approvals();
            assertEquals(new ApprovalStore.Initialization(new QuorumRule(1, 1), "d1"),
                    store.initialization().orElseThrow());
            assertEquals(List.of(officer("alice", Status.ACTIVE), officer("bob", Status.SUSPENDED)), store.officers());
        }
    }

    @Test
    void updateIsACompareAndSetOnTheRevision() {
        try (Storage storage = open()) {
            ApprovalStore store = storage.approvals();
            Approval pending = request("apr-a", NOW);
            store.insert(pending, NOW.plus(Duration.ofHours(1)));
            assertEquals(new ApprovalStore.Stored(pending, Phase.PENDING, 1), store.find("apr-a").orElseThrow());

            Approval voted = pending.withVote(vote("alice"));
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
            assertTrue(store.update(request("apr-done", NOW.plusSeconds(5)).executed("done", NOW.plusSeconds(6)),
                    Phase.EXECUTED, 1));

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
                    Approval mine = request(id, NOW).withVote(vote("writer-" + w));
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

    /** Every field of a request and an officer reads back as written: the store keeps whole records. */
    @Test
    void recordsReadBackWithEveryField() {
        try (Storage storage = open()) {
            ApprovalStore store = storage.approvals();
            Approval request = Approval.pending("apr-full", new byte[] {8, 1}, new byte[32], "spiffe://coffre.test/admin",
                            NOW, NOW.plus(Duration.ofHours(1)), TWO_OF_THREE, "enable key key-x")
                    .withVote(vote("alice"))
                    .withVote(new Approval.Vote(new OfficerSignature("bob", new SignedTime(NOW.getEpochSecond(), 7),
                            new byte[] {1, 2, 3}), Decision.REJECT, false))
                    .failed("KEY_DESTROYED", "key key-x was destroyed", NOW.plusSeconds(9));
            store.insert(request, NOW.plus(Duration.ofHours(1)));
            assertEquals(request, store.find("apr-full").orElseThrow().request());

            OfficerRecord officer = new OfficerRecord("carol", "Carol Petit", "op-b", "spiffe://coffre.test/carol",
                    OfficerPublicKey.newBuilder().setAlgorithm(coffre.kms.v1.SignatureAlgorithm.ED25519)
                            .setSpkiDer(com.google.protobuf.ByteString.copyFrom(new byte[44])).build(),
                    Status.REMOVED, "ab".repeat(32), NOW.plusNanos(123));
            store.saveOfficer(officer);
            assertEquals(List.of(officer), store.officers());
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
        return stored.stream().map(s -> s.request().id()).toList();
    }
}
