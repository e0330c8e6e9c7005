package coffre.kms.server.approval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.access.GrantRegistry;
import coffre.kms.server.cluster.ClusterSync;
import coffre.kms.server.cluster.KeyRefresher;
import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.keys.KeyLifecycle;
import coffre.kms.server.keys.KeyRegistry;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.domain.Principal;
import coffre.kms.server.store.Storage;
import coffre.kms.server.store.StoreFactory;
import coffre.kms.server.testing.MutableClock;
import coffre.kms.server.testing.PostgresTestDatabase;
import coffre.kms.server.testing.SoftwareHsm;
import coffre.kms.server.testing.TestOfficers;
import coffre.kms.v1.DataOperation;
import coffre.kms.v1.Decision;
import coffre.kms.v1.GrantSpec;
import coffre.kms.v1.Operation;
import com.google.protobuf.Timestamp;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two approval engines, as on two nodes, over one real PostgreSQL: officers' votes arriving on
 * both at the same moment execute each request exactly once (the compare-and-set on the request's
 * revision), and a watcher on one node sees requests made on the other.
 */
class QuorumClusterIT {
    private static final Principal ADMIN = new Principal("spiffe://coffre.test/admin");
    private static PostgresTestDatabase db;

    private final TestOfficers officers = TestOfficers.standard();
    private final MutableClock clock = new MutableClock(Instant.now());
    private final SoftwareHsm hsm = new SoftwareHsm();
    /** Executions of each request's operation, across both nodes. */
    private final Map<String, AtomicInteger> executions = new ConcurrentHashMap<>();
    private String schema;
    private Node a;
    private Node b;

    private record Node(Storage storage, QuorumService quorum) implements AutoCloseable {
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
        schema = db.newSchema("quorum");
        a = node();
        b = node();
        a.quorum().initCeremony(officers.signedCeremony());
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
        // The operation under test counts its executions instead of creating a grant.
        ApprovedOperations approved = new ApprovedOperations(lifecycle, spec -> {
            executions.computeIfAbsent(spec.principal(), k -> new AtomicInteger()).incrementAndGet();
            return "counted";
        }, new BreakGlassAllowances(), Duration.ofMinutes(15), clock);
        QuorumService quorum = QuorumService.open(storage.approvals(), approved, Duration.ofHours(1), clock);
        approved.officerChanges(quorum.officerChanges());
        ClusterSync.start(storage.changes(), new KeyRefresher(lifecycle, storage.keys(), registry), grants, quorum.watchers());
        return new Node(storage, quorum);
    }

    private Approval submit(String tag) {
        Instant now = clock.instant();
        return a.quorum().submit(Operation.newBuilder().setCreateGrant(coffre.kms.v1.CreateGrantOperation.newBuilder()
                .setGrant(GrantSpec.newBuilder().setKeyId("key-abcdefghijklmnopqrstuvwxyz").setPrincipal(tag)
                        .addOperations(DataOperation.UNWRAP).setNotBefore(ts(now))
                        .setNotAfter(ts(now.plus(Duration.ofDays(1)))))).build(), ADMIN);
    }

    private static Timestamp ts(Instant at) {
        return Timestamp.newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano()).build();
    }

    /** Votes on the nodes at the same moment; returns each vote's outcome (a state or an error reason). */
    private List<String> voteAtOnce(Approval request, List<Node> nodes, List<String> voters) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(voters.size());
        try {
            CyclicBarrier start = new CyclicBarrier(voters.size());
            List<Future<String>> outcomes = new ArrayList<>();
            for (int i = 0; i < voters.size(); i++) {
                Node node = nodes.get(i);
                var vote = officers.get(voters.get(i)).ballot(request, Decision.APPROVE, clock.instant());
                outcomes.add(pool.submit(() -> {
                    start.await();
                    try {
                        return node.quorum().vote(vote, ADMIN).state().name();
                    } catch (KmsException e) {
                        return e.reason().name();
                    }
                }));
            }
            List<String> out = new ArrayList<>();
            for (Future<String> outcome : outcomes) {
                out.add(outcome.get(30, TimeUnit.SECONDS));
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void votesOnTwoNodesAtTheSameMomentExecuteOnce() throws Exception {
        int rounds = 15;
        for (int round = 0; round < rounds; round++) {
            String tag = "round-" + round;
            Approval request = submit(tag);
            List<String> outcomes = voteAtOnce(request, List.of(a, b), List.of("alice", "carol"));
            assertEquals(1, executions.get(tag).get(), tag + ": " + outcomes);
            assertTrue(outcomes.contains("EXECUTED"), tag + ": " + outcomes);
            assertEquals(Approval.State.EXECUTED, b.quorum().get(request.id()).state());
            assertEquals(2, a.quorum().get(request.id()).votes().size());
        }
    }

    @Test
    void threeVotesOnTwoNodesForATwoOfThreeRuleStillExecuteOnce() throws Exception {
        for (int round = 0; round < 10; round++) {
            String tag = "three-" + round;
            Approval request = submit(tag);
            List<String> outcomes = voteAtOnce(request, List.of(a, b, b), List.of("alice", "carol", "bob"));
            assertEquals(1, executions.get(tag).get(), tag + ": " + outcomes);
            for (String outcome : outcomes) {
                // A vote that arrives after the execution finds the request closed: nothing runs twice.
                assertTrue(Set.of("EXECUTED", "PENDING", ErrorReason.APPROVAL_REQUEST_CLOSED.name()).contains(outcome),
                        tag + ": " + outcomes);
            }
            assertEquals(Approval.State.EXECUTED, a.quorum().get(request.id()).state());
        }
    }

    @Test
    void anActNowSignatureUsedOnOneNodeIsRefusedOnTheOther() {
        Operation disable = Operation.newBuilder().setDisableKey(coffre.kms.v1.KeyOperation.newBuilder()
                .setKeyId("key-abcdefghijklmnopqrstuvwxyz")).build();
        var signature = officers.get("alice").actNowSignature(disable, clock.instant());
        a.quorum().verifyActNow(disable, signature);
        KmsException replay = org.junit.jupiter.api.Assertions.assertThrows(KmsException.class,
                () -> b.quorum().verifyActNow(disable, signature));
        assertEquals(ErrorReason.INVALID_SIGNATURE, replay.reason());
    }

    @Test
    void aWatcherOnOneNodeSeesRequestsMadeAndClosedOnTheOther() throws Exception {
        BlockingQueue<Approval> seen = new LinkedBlockingQueue<>();
        // Announcements made before B listens are covered by resyncs of keys and grants only.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!b.storage().changes().listening() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        AutoCloseable watch = b.quorum().watch(Set.of(), seen::add);
        try {
            Approval request = submit("watched");
            Approval created = seen.poll(5, TimeUnit.SECONDS);
            assertEquals(request.id(), created == null ? null : created.id());
            assertEquals(Approval.State.PENDING, created.state());
            a.quorum().vote(officers.get("alice").ballot(request, Decision.APPROVE, clock.instant()), ADMIN);
            a.quorum().vote(officers.get("carol").ballot(request, Decision.APPROVE, clock.instant()), ADMIN);
            Approval last = null;
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while ((last == null || last.state() != Approval.State.EXECUTED) && System.nanoTime() < deadline) {
                Approval next = seen.poll(100, TimeUnit.MILLISECONDS);
                last = next == null ? last : next;
            }
            assertEquals(Approval.State.EXECUTED, last == null ? null : last.state());
        } finally {
            watch.close();
        }
    }
}
