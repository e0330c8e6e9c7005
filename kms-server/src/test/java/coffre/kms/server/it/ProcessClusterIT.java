package coffre.kms.server.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.hsm.pkcs11.Pkcs11Hsm;
import coffre.hsm.testing.SoftHsmTestToken;
import coffre.kms.server.testing.ClusterCalls;
import coffre.kms.server.testing.Errors;
import coffre.kms.server.testing.PostgresTestDatabase;
import coffre.kms.server.testing.ServerProcess;
import coffre.kms.server.testing.TestCluster;
import coffre.kms.v1.AccessPolicy;
import coffre.kms.v1.AccessRule;
import coffre.kms.v1.ApprovalRequest;
import coffre.kms.v1.ApprovalServiceGrpc;
import coffre.kms.v1.ApprovalState;
import coffre.kms.v1.AuditServiceGrpc;
import coffre.kms.v1.ChainVerification;
import coffre.kms.v1.CreateGrantRequest;
import coffre.kms.v1.CreateKeyRequest;
import coffre.kms.v1.CryptoServiceGrpc;
import coffre.kms.v1.DataOperation;
import coffre.kms.v1.Decision;
import coffre.kms.v1.DisableKeyRequest;
import coffre.kms.v1.GetApprovalRequestRequest;
import coffre.kms.v1.GrantOperation;
import coffre.kms.v1.GrantSpec;
import coffre.kms.v1.KeyOperation;
import coffre.kms.v1.KeyServiceGrpc;
import coffre.kms.v1.KeyState;
import coffre.kms.v1.Operation;
import coffre.kms.v1.RevokeGrantRequest;
import coffre.kms.v1.VerifyAuditChainRequest;
import coffre.kms.v1.VerifyAuditChainResponse;
import coffre.kms.v1.VoteRequest;
import coffre.kms.v1.WrapRequest;
import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster guarantees with separate server processes, as the issue asks them: real PostgreSQL,
 * real SoftHSM, node A in the test JVM (it runs the officers' init ceremony) and nodes B and C as
 * {@link ServerProcess}es started from a YAML configuration. A key made on one node wraps on
 * another and unwraps on a third; a disable and a grant revocation reach the other nodes within a
 * second; votes on two nodes at the same moment execute once; a PostgreSQL restart under load fails
 * calls with UNAVAILABLE only, loses nothing acknowledged, and the process nodes serve again (and
 * hear of changes again) without a restart; every node's audit chain verifies afterwards.
 *
 * <p>The kill switches (a disable, a grant revocation) must reach the other nodes within the
 * issue's {@link #TARGET} of one second, asserted (measured here: 10–330 ms, on a loaded 2-core
 * machine); other waits (a new key becoming known, recovery) use the generous {@link #BOUND}. Every
 * measured delay is printed ({@code propagation: ...}).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ProcessClusterIT {
    /** The longest wait for anything else (as ClusterIT). */
    private static final Duration BOUND = Duration.ofSeconds(5);
    /** The issue's bound for a kill switch to reach every node. */
    private static final Duration TARGET = Duration.ofSeconds(1);
    /** How long a node may take to serve again once PostgreSQL accepts connections. */
    private static final Duration RECOVERY = Duration.ofSeconds(10);
    /** 32 bytes: recorded in the leak ledger by the test clients' interceptor. */
    private static final byte[] PLAINTEXT = "process cluster plaintext, 32 B.".getBytes(StandardCharsets.UTF_8);

    /** Kept when a test fails: the node processes' configurations and logs are there. */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    static Path dir;

    private static PostgresTestDatabase db;
    private static TestCluster cluster;
    private static ServerProcess processB;
    private static ServerProcess processC;
    private static Member a;
    private static Member b;
    private static Member c;

    /** One node as its clients see it, whether it runs in the test JVM or in a process of its own. */
    private record Member(String id, CryptoServiceGrpc.CryptoServiceBlockingStub crypto,
                          KeyServiceGrpc.KeyServiceBlockingStub keys,
                          ApprovalServiceGrpc.ApprovalServiceBlockingStub approvals,
                          AuditServiceGrpc.AuditServiceBlockingStub audit) {
        static Member of(TestCluster.Node node) {
            return new Member(node.id(), node.serviceCrypto(), node.adminKeys(), node.adminApprovals(),
                    AuditServiceGrpc.newBlockingStub(node.adminChannel()));
        }

        static Member of(ServerProcess node) {
            return new Member(node.id(), node.serviceCrypto(), node.adminKeys(), node.adminApprovals(),
                    node.adminAudit());
        }

        @Override
        public String toString() {
            return id;
        }
    }

    @BeforeAll
    static void startCluster() {
        db = PostgresTestDatabase.require();
        long start = System.nanoTime();
        cluster = TestCluster.start(dir, db, 1,
                () -> Pkcs11Hsm.open(SoftHsmTestToken.get().config(TestCluster.SESSIONS)), Duration.ofSeconds(30));
        // Both at once: a start is mostly the JVM's and the HSM's, and two starts overlap well enough.
        CompletableFuture<ServerProcess> startingC = CompletableFuture.supplyAsync(
                () -> ServerProcess.start(cluster, db, dir, "node-c"));
        try {
            processB = ServerProcess.start(cluster, db, dir, "node-b");
        } finally {
            processC = startingC.join();
        }
        System.out.printf("cluster: node-a in the test JVM, node-b (pid %d) and node-c (pid %d) serving after %d ms;"
                + " logs in %s%n", processB.pid(), processC.pid(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start),
                dir);
        a = Member.of(cluster.node(0));
        b = Member.of(processB);
        c = Member.of(processC);
    }

    @AfterAll
    static void stopCluster() {
        for (ServerProcess node : new ServerProcess[] {processB, processC}) {
            if (node != null) {
                node.close();
            }
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    // ---- helpers ----------------------------------------------------------------------------------

    private static byte[] wrap(Member node, String keyId) {
        return ClusterCalls.wrap(node.crypto(), keyId, PLAINTEXT);
    }

    private static byte[] unwrap(Member node, byte[] envelope) {
        return ClusterCalls.unwrap(node.crypto(), envelope);
    }

    private static Errors.Seen wrapRefusal(Member node, String keyId) {
        return ClusterCalls.wrapRefusal(node.crypto(), keyId, PLAINTEXT);
    }

    private static boolean refusedWith(Member node, String keyId, String reason) {
        return ClusterCalls.refusedWith(node.crypto(), keyId, PLAINTEXT, reason);
    }

    private static boolean knows(Member node, String keyId) {
        return ClusterCalls.knows(node.keys(), keyId);
    }

    private static int keyCount(Member node) {
        return ClusterCalls.keyCount(node.keys());
    }

    private static Duration await(String what, Duration bound, BooleanSupplier condition) {
        return ClusterCalls.await(what, bound, condition);
    }

    private static Duration await(String what, BooleanSupplier condition) {
        return ClusterCalls.await(what, BOUND, condition);
    }

    private static Duration since(long nanos) {
        return Duration.ofNanos(System.nanoTime() - nanos);
    }

    private static void report(String what, Duration delay) {
        System.out.printf("propagation: %s after %.1f ms%s%n", what, delay.toNanos() / 1e6,
                delay.compareTo(TARGET) > 0 ? " (over the 1 s target)" : "");
    }

    private static Timestamp ts(Instant at) {
        return ClusterCalls.timestamp(at);
    }

    private static VoteRequest vote(String officer, ApprovalRequest request) {
        return cluster.officers().get(officer).vote(request, Decision.APPROVE, Instant.now());
    }

    /** Alice votes on {@code aliceOn}, then Carol on {@code carolOn}: the standard rule holds. */
    private static ApprovalRequest approve(ApprovalRequest request, Member aliceOn, Member carolOn) {
        aliceOn.approvals().vote(vote("alice", request));
        ApprovalRequest done = carolOn.approvals().vote(vote("carol", request)).getRequest();
        assertEquals(ApprovalState.EXECUTED, done.getState(), done.getFailureReason() + " " + done.getFailureMessage());
        return done;
    }

    /** A key that every service may use, requested on {@code on} and approved on two nodes; returns its id. */
    private static String createKey(Member on, Member aliceOn, Member carolOn) {
        CreateKeyRequest request = CreateKeyRequest.newBuilder().setAccessPolicy(AccessPolicy.newBuilder()
                .addRules(AccessRule.newBuilder().addPrincipals("spiffe://coffre.test/service/*")
                        .addAllOperations(List.of(DataOperation.WRAP, DataOperation.UNWRAP)))).build();
        return approve(on.keys().createKey(request).getApprovalRequest(), aliceOn, carolOn).getResult();
    }

    /** Disables {@code keyId} on {@code on} with an officer's act-now signature; returns when it acknowledged. */
    private static long disable(Member on, String keyId, String officer) {
        Operation op = Operation.newBuilder().setDisableKey(KeyOperation.newBuilder().setKeyId(keyId)).build();
        assertEquals(KeyState.DISABLED, on.keys().disableKey(DisableKeyRequest.newBuilder().setKeyId(keyId)
                .setSignature(cluster.officers().get(officer).actNow(op, Instant.now())).build()).getKey().getState());
        return System.nanoTime();
    }

    /** Polls every node of {@code others} until each refuses {@code keyId} with KEY_DISABLED; reports each delay. */
    private static void awaitDisabledOn(String what, String keyId, long acknowledged, List<Member> others) {
        Set<Member> refusing = ConcurrentHashMap.newKeySet();
        await(what, () -> {
            for (Member node : others) {
                if (!refusing.contains(node)) {
                    Errors.Seen seen = wrapRefusal(node, keyId);
                    if (seen != null) {
                        Duration delay = since(acknowledged);
                        assertEquals("KEY_DISABLED", seen.reason(), seen.toString());
                        refusing.add(node);
                        report(what + " " + node, delay);
                        assertTrue(delay.compareTo(TARGET) <= 0, node + " refused only after " + delay);
                    }
                }
            }
            return refusing.size() == others.size();
        });
    }

    // ---- the tests --------------------------------------------------------------------------------

    @Test
    @Order(1)
    void aKeyCreatedOnOneNodeWrapsOnAnotherAndUnwrapsOnAThird() {
        String keyId = createKey(a, a, a);
        byte[] envelope = wrap(b, keyId);
        assertArrayEquals(PLAINTEXT, unwrap(c, envelope), "made on A, wrapped on B, unwrapped on C");
        report("key creation, A to B", await("B knows the new key", () -> knows(b, keyId)));
        report("key creation, A to C", await("C knows the new key", () -> knows(c, keyId)));

        // The other way round, with the request and the votes on the process nodes.
        String other = createKey(c, c, b);
        byte[] back = wrap(b, other);
        assertArrayEquals(PLAINTEXT, unwrap(a, back), "made on C, wrapped on B, unwrapped on A");
        assertArrayEquals(PLAINTEXT, unwrap(c, wrap(a, other)), "wrapped on A, unwrapped on C");
    }

    @Test
    @Order(2)
    void aDisableOnOneProcessIsRefusedByTheOtherNodesWithinASecond() {
        String keyId = createKey(a, a, a);
        await("B and C know the key", () -> knows(b, keyId) && knows(c, keyId));
        wrap(a, keyId);
        wrap(b, keyId);

        long acknowledged = disable(c, keyId, "alice");
        awaitDisabledOn("disable, C to", keyId, acknowledged, List.of(a, b));
        Errors.expect(Status.Code.FAILED_PRECONDITION, "KEY_DISABLED", () -> wrap(c, keyId));
    }

    @Test
    @Order(3)
    void aGrantRevokedOnOneProcessIsRefusedOnTheOtherWithinASecond() {
        // A key that no client may use by policy: only a grant opens it.
        CreateKeyRequest closed = CreateKeyRequest.newBuilder().setAccessPolicy(AccessPolicy.newBuilder()
                .addRules(AccessRule.newBuilder().addPrincipals("spiffe://coffre.test/service/nobody")
                        .addOperations(DataOperation.WRAP))).build();
        String keyId = approve(a.keys().createKey(closed).getApprovalRequest(), a, a).getResult();
        await("C knows the key", () -> knows(c, keyId));
        Errors.expect(Status.Code.PERMISSION_DENIED, "PERMISSION_DENIED", () -> wrap(c, keyId));

        Instant now = Instant.now();
        ApprovalRequest granted = approve(b.keys().createGrant(CreateGrantRequest.newBuilder()
                .setGrant(GrantSpec.newBuilder().setKeyId(keyId).setPrincipal(TestCluster.SERVICE)
                        .addOperations(DataOperation.WRAP).setNotBefore(ts(now.minusSeconds(60)))
                        .setNotAfter(ts(now.plus(Duration.ofDays(1))))).build()).getApprovalRequest(), b, c);
        String grantId = granted.getResult();
        report("grant, B to C", await("C honours the grant", () -> wrapRefusal(c, keyId) == null));

        Operation revoke = Operation.newBuilder().setRevokeGrant(GrantOperation.newBuilder().setGrantId(grantId)).build();
        b.keys().revokeGrant(RevokeGrantRequest.newBuilder().setGrantId(grantId)
                .setSignature(cluster.officers().get("carol").actNow(revoke, Instant.now())).build());
        long revoked = System.nanoTime();
        await("C refuses after the revocation", () -> refusedWith(c, keyId, "PERMISSION_DENIED"));
        Duration delay = since(revoked);
        report("grant revocation, B to C", delay);
        assertTrue(delay.compareTo(TARGET) <= 0, "C refused the revoked grant only after " + delay);
        Errors.expect(Status.Code.PERMISSION_DENIED, "PERMISSION_DENIED", () -> wrap(b, keyId));
    }

    @Test
    @Order(4)
    void votesOnTwoNodesAtTheSameMomentExecuteOnce() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 5; round++) {
                int before = keyCount(a);
                ApprovalRequest request = a.keys().createKey(CreateKeyRequest.getDefaultInstance()).getApprovalRequest();
                CyclicBarrier together = new CyclicBarrier(2);
                List<Future<String>> votes = new ArrayList<>();
                for (Map.Entry<Member, String> voter : List.of(Map.entry(a, "alice"), Map.entry(b, "carol"))) {
                    VoteRequest signed = vote(voter.getValue(), request);
                    votes.add(pool.submit(() -> {
                        together.await();
                        try {
                            return voter.getKey().approvals().withDeadlineAfter(30, TimeUnit.SECONDS).vote(signed)
                                    .getRequest().getState().name();
                        } catch (StatusRuntimeException e) {
                            return Errors.of(e).reason();
                        }
                    }));
                }
                List<String> outcomes = new ArrayList<>();
                for (Future<String> vote : votes) {
                    outcomes.add(vote.get(30, TimeUnit.SECONDS));
                }
                String tag = "round " + round + " " + outcomes;
                assertEquals(1, Collections.frequency(outcomes, "EXECUTED"), tag);
                // The other vote was recorded first (PENDING) or found the request closed: it never ran it again.
                outcomes.remove("EXECUTED");
                assertTrue(Set.of("PENDING", "APPROVAL_REQUEST_CLOSED").contains(outcomes.get(0)), tag);

                ApprovalRequest done = c.approvals().getApprovalRequest(GetApprovalRequestRequest.newBuilder()
                        .setRequestId(request.getId()).build()).getRequest();
                assertEquals(ApprovalState.EXECUTED, done.getState(), tag);
                String keyId = done.getResult();
                await("A knows the key", () -> knows(a, keyId));
                assertEquals(before + 1, keyCount(a), "exactly one key created, " + tag);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** One failed call of the load: when it started, what it was, and what the client saw. */
    private record Failure(long startedNanos, String call, Status.Code code, String reason) {
        @Override
        public String toString() {
            return call + " " + code + "/" + reason;
        }
    }

    private static Failure failure(long started, String call, StatusRuntimeException e) {
        String reason;
        try {
            reason = Errors.of(e).reason();
        } catch (AssertionError noDetails) {
            reason = "(no ErrorInfo)";
        }
        return new Failure(started, call, e.getStatus().getCode(), reason);
    }

    /**
     * Runs last but one: PostgreSQL is stopped (as if it crashed) while a client keeps wrapping on B
     * and C and submitting approval requests to C; calls fail with UNAVAILABLE only, and only while it
     * is down; every request and envelope acknowledged is still good afterwards; the processes serve
     * again without a restart, and their listening connections come back (a disable made after the
     * restart reaches them within the bound).
     */
    @Test
    @Order(5)
    void aPostgresRestartUnderLoadFailsCallsWithUnavailableOnlyThenTheProcessesRecover() throws Exception {
        String keyId = createKey(a, a, a);
        await("every node knows the key", () -> knows(b, keyId) && knows(c, keyId));
        Map<ServerProcess, Integer> reconnectionsBefore = Map.of(processB, listenReconnections(processB),
                processC, listenReconnections(processC));

        List<byte[]> wrapped = Collections.synchronizedList(new ArrayList<>());
        List<String> requested = Collections.synchronizedList(new ArrayList<>());
        List<Failure> failures = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger wrapsInARow = new AtomicInteger();
        AtomicInteger requestsInARow = new AtomicInteger();
        AtomicBoolean load = new AtomicBoolean(true);
        ExecutorService clients = Executors.newFixedThreadPool(2);
        List<Future<?>> running = new ArrayList<>();
        running.add(clients.submit(() -> {
            for (int i = 0; load.get(); i++) {
                Member node = i % 2 == 0 ? b : c;
                long started = System.nanoTime();
                try {
                    wrapped.add(node.crypto().withDeadlineAfter(15, TimeUnit.SECONDS).wrap(WrapRequest.newBuilder()
                            .setKeyId(keyId).setPlaintext(ByteString.copyFrom(PLAINTEXT)).build())
                            .getEnvelope().toByteArray());
                    wrapsInARow.incrementAndGet();
                } catch (StatusRuntimeException e) {
                    failures.add(failure(started, "wrap on " + node, e));
                    wrapsInARow.set(0);
                }
                ClusterCalls.sleep(5);
            }
        }));
        running.add(clients.submit(() -> {
            while (load.get()) {
                long started = System.nanoTime();
                try {
                    requested.add(c.keys().withDeadlineAfter(15, TimeUnit.SECONDS)
                            .createKey(CreateKeyRequest.getDefaultInstance()).getApprovalRequest().getId());
                    requestsInARow.incrementAndGet();
                } catch (StatusRuntimeException e) {
                    failures.add(failure(started, "request on " + c, e));
                    requestsInARow.set(0);
                }
                ClusterCalls.sleep(20);
            }
        }));
        try {
            await("the load is served", () -> wrapped.size() >= 10 && requested.size() >= 3);
            assertEquals(List.of(), List.copyOf(failures), "no failure before the database stops");

            long stopping = System.nanoTime();
            db.stopServer();
            long down = System.nanoTime();
            try {
                await("the load fails while PostgreSQL is down", () -> wrapsInARow.get() == 0
                        && requestsInARow.get() == 0 && failures.stream().anyMatch(f -> f.call().startsWith("wrap"))
                        && failures.stream().anyMatch(f -> f.call().startsWith("request")));
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + ": " + wrapsInARow + " wraps and " + requestsInARow
                        + " requests in a row, " + wrapped.size() + " wraps and " + requested.size()
                        + " requests in all, failures: " + failures, e);
            } finally {
                db.startServer();
            }
            long up = System.nanoTime();
            System.out.printf("PostgreSQL was down for %d ms%n", TimeUnit.NANOSECONDS.toMillis(up - down));

            for (Member node : List.of(a, b, c)) {
                AtomicReference<Errors.Seen> lastRefusal = new AtomicReference<>();
                try {
                    await(node + " serves again", RECOVERY, () -> {
                        lastRefusal.set(wrapRefusal(node, keyId));
                        return lastRefusal.get() == null;
                    });
                } catch (AssertionError e) {
                    throw new AssertionError(e.getMessage() + "; last refusal: " + lastRefusal.get()
                            + "; thread dumps: " + processB.threadDump() + ", " + processC.threadDump(), e);
                }
                System.out.printf("recovery: %s serves again %d ms after PostgreSQL accepted connections%n", node,
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - up));
            }
            long recovered = System.nanoTime();
            await("the load is served again", RECOVERY, () -> wrapsInARow.get() >= 20 && requestsInARow.get() >= 5);
            load.set(false);
            for (Future<?> client : running) {
                client.get(30, TimeUnit.SECONDS);
            }

            List<Failure> failed = List.copyOf(failures);
            Set<String> seen = new TreeSet<>();
            failed.forEach(f -> seen.add(f.code() + "/" + f.reason()));
            System.out.printf("during the restart: %d wraps and %d requests acknowledged, %d calls failed with %s%n",
                    wrapped.size(), requested.size(), failed.size(), seen);
            assertTrue(failed.stream().allMatch(f -> f.code() == Status.Code.UNAVAILABLE), failed.toString());
            // A call in flight when the database stops may fail with it; one started a second before may not.
            assertTrue(failed.stream().allMatch(f -> f.startedNanos() >= stopping - TimeUnit.SECONDS.toNanos(1)),
                    "calls failed before the database stopped: " + failed);
            List<Failure> late = failed.stream().filter(f -> f.startedNanos() > recovered).toList();
            assertEquals(List.of(), late, "calls started after every node had served again");
        } finally {
            load.set(false);
            clients.shutdownNow();
            clients.awaitTermination(30, TimeUnit.SECONDS);
        }

        // Nothing acknowledged was lost: every request id a client got back is stored, every envelope opens.
        for (String id : List.copyOf(requested)) {
            assertEquals(id, a.approvals().getApprovalRequest(GetApprovalRequestRequest.newBuilder()
                    .setRequestId(id).build()).getRequest().getId());
        }
        for (byte[] envelope : List.copyOf(wrapped)) {
            assertArrayEquals(PLAINTEXT, unwrap(a, envelope));
        }

        // The processes' listening connections came back: a disable made now reaches them.
        for (ServerProcess node : List.of(processB, processC)) {
            int before = reconnectionsBefore.get(node);
            await(node + " listens for changes again", RECOVERY, () -> listenReconnections(node) > before);
        }
        long acknowledged = disable(a, keyId, "carol");
        awaitDisabledOn("disable after the database restart, A to", keyId, acknowledged, List.of(b, c));
    }

    /** How often the node's log says its change feed listens again after losing its connection. */
    private static int listenReconnections(ServerProcess node) {
        return (int) node.logLines().stream().filter(l -> l.contains("listening for cluster changes again")).count();
    }

    @Test
    @Order(6)
    void everyNodesAuditChainVerifiesAndNoProcessLoggedASecret() throws Exception {
        // C stops as operators stop a node (SIGTERM): its shutdown hook flushes its audit log.
        processC.stop();
        for (Member verifier : List.of(a, b)) {
            VerifyAuditChainResponse audit = verifier.audit().withDeadlineAfter(60, TimeUnit.SECONDS)
                    .verifyChain(VerifyAuditChainRequest.getDefaultInstance());
            assertTrue(audit.getValid(), "verified on " + verifier + ": " + audit);
            assertEquals(Set.of("node-a", "node-b", "node-c"),
                    Set.copyOf(audit.getChainsList().stream().map(ChainVerification::getNode).toList()),
                    "one chain per node, verified on " + verifier);
            for (ChainVerification chain : audit.getChainsList()) {
                assertTrue(chain.getEventsChecked() > 0, chain.toString());
            }
        }

        // The server processes' own output: no plaintext, PIN or database password in any usual form.
        List<String> secrets = new ArrayList<>();
        secrets.add(new String(PLAINTEXT, StandardCharsets.UTF_8));
        secrets.add(HexFormat.of().formatHex(PLAINTEXT));
        secrets.add(Base64.getEncoder().withoutPadding().encodeToString(PLAINTEXT));
        secrets.add(Files.readString(SoftHsmTestToken.get().pinFile()).strip());
        secrets.add(Files.readString(db.passwordFile()).strip());
        for (ServerProcess node : List.of(processB, processC)) {
            String log = String.join("\n", node.logLines());
            assertFalse(log.isEmpty(), node + " logged nothing");
            for (int i = 0; i < secrets.size(); i++) {
                // The index, never the secret, names what was found.
                assertFalse(log.contains(secrets.get(i)), "secret #" + i + " appears in " + node.log());
            }
        }
    }
}
