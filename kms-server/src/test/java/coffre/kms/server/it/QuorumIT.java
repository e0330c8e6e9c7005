package coffre.kms.server.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.testing.Errors;
import coffre.kms.server.testing.TestOfficers;
import coffre.kms.server.testing.TestOfficers.TestOfficer;
import coffre.kms.server.testing.TestServer;
import coffre.kms.v1.AccessPolicy;
import coffre.kms.v1.AccessRule;
import coffre.kms.v1.ApprovalPolicy;
import coffre.kms.v1.ApprovalRequest;
import coffre.kms.v1.ApprovalServiceGrpc.ApprovalServiceBlockingStub;
import coffre.kms.v1.ApprovalState;
import coffre.kms.v1.ContextRequirement;
import coffre.kms.v1.CreateGrantRequest;
import coffre.kms.v1.CreateKeyRequest;
import coffre.kms.v1.DataOperation;
import coffre.kms.v1.Decision;
import coffre.kms.v1.EnableKeyRequest;
import coffre.kms.v1.GetApprovalRequestRequest;
import coffre.kms.v1.GetKeyRequest;
import coffre.kms.v1.GrantOperation;
import coffre.kms.v1.GrantSpec;
import coffre.kms.v1.Key;
import coffre.kms.v1.KeyServiceGrpc;
import coffre.kms.v1.KeyServiceGrpc.KeyServiceBlockingStub;
import coffre.kms.v1.KeyState;
import coffre.kms.v1.ListApprovalRequestsRequest;
import coffre.kms.v1.ListKeysRequest;
import coffre.kms.v1.OfficerOperation;
import coffre.kms.v1.Operation;
import coffre.kms.v1.RevokeGrantRequest;
import coffre.kms.v1.SignatureAlgorithm;
import coffre.kms.v1.SuspendOfficerRequest;
import coffre.kms.v1.UnwrapRequest;
import coffre.kms.v1.UnwrapResponse;
import coffre.kms.v1.VoteRequest;
import coffre.kms.v1.WrapRequest;
import com.google.protobuf.ByteString;
import io.grpc.Status;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** M-of-N approval, signed votes, the kill switch, policies, grants and break-glass, end to end. */
class QuorumIT {
    @TempDir
    Path dir;
    TestServer node;
    KeyServiceBlockingStub keys;
    ApprovalServiceBlockingStub approvals;
    TestOfficer alice;
    TestOfficer bob;
    TestOfficer carol;

    @BeforeEach
    void start() {
        node = TestServer.start(dir);
        keys = node.adminKeys();
        approvals = node.adminApprovals();
        alice = node.officers().get("alice");
        bob = node.officers().get("bob");
        carol = node.officers().get("carol");
    }

    @AfterEach
    void stop() {
        node.close();
    }

    private ApprovalRequest requestKey() {
        return keys.createKey(CreateKeyRequest.getDefaultInstance()).getApprovalRequest();
    }

    private ApprovalRequest vote(TestOfficer officer, ApprovalRequest request, Decision decision) {
        return approvals.vote(officer.vote(request, decision, node.now())).getRequest();
    }

    private int keyCount() {
        return keys.listKeys(ListKeysRequest.newBuilder().setPageSize(1000).build()).getKeysCount();
    }

    @Test
    void anUninitialisedServerServesNoKeyOperationAndAcceptsOneCeremony() {
        try (TestServer fresh = TestServer.startUninitialized(dir.resolve("fresh"))) {
            Errors.expect(Status.Code.FAILED_PRECONDITION, "NOT_INITIALIZED",
                    () -> fresh.adminKeys().createKey(CreateKeyRequest.getDefaultInstance()));
            assertFalse(fresh.adminOfficers().getCeremonyStatus(
                    coffre.kms.v1.GetCeremonyStatusRequest.getDefaultInstance()).getInitialized());
            var ceremony = fresh.officers().ceremony();
            var unsigned = ceremony.toBuilder().removeSignatures(2).build();
            Errors.expect(Status.Code.INVALID_ARGUMENT, "INVALID_CEREMONY", () -> fresh.adminOfficers().initCeremony(unsigned));
            fresh.adminOfficers().initCeremony(ceremony);
            assertTrue(fresh.adminOfficers().getCeremonyStatus(
                    coffre.kms.v1.GetCeremonyStatusRequest.getDefaultInstance()).getInitialized());
            Errors.expect(Status.Code.FAILED_PRECONDITION, "ALREADY_INITIALIZED",
                    () -> fresh.adminOfficers().initCeremony(ceremony));
        }
    }

    @Test
    void twoOfThreeWithOnePerOperator() {
        ApprovalRequest request = requestKey();
        assertEquals(ApprovalState.PENDING, request.getState());
        int before = keyCount();
        assertEquals(ApprovalState.PENDING, vote(alice, request, Decision.APPROVE).getState());
        // Bob is from the same operator as Alice: two approvals, but not one from each operator.
        assertEquals(ApprovalState.PENDING, vote(bob, request, Decision.APPROVE).getState());
        assertEquals(before, keyCount());
        ApprovalRequest done = vote(carol, request, Decision.APPROVE);
        assertEquals(ApprovalState.EXECUTED, done.getState());
        assertTrue(done.getResult().startsWith("key-"), done.getResult());
        assertEquals(before + 1, keyCount());
        Errors.expect(Status.Code.FAILED_PRECONDITION, "APPROVAL_REQUEST_CLOSED", () -> vote(bob, request, Decision.REJECT));
    }

    @Test
    void theRequesterCannotApproveItsOwnRequest() {
        ApprovalRequest own = KeyServiceGrpc.newBlockingStub(node.channelFor(
                        node.pki().clientWithUri("alice-client", TestServer.ALICE)))
                .createKey(CreateKeyRequest.getDefaultInstance()).getApprovalRequest();
        assertEquals(TestServer.ALICE, own.getRequester());
        Errors.expect(Status.Code.PERMISSION_DENIED, "SELF_APPROVAL", () -> vote(alice, own, Decision.APPROVE));
    }

    @Test
    void anOfficerCountsOnce() {
        ApprovalRequest request = requestKey();
        vote(alice, request, Decision.APPROVE);
        Errors.expect(Status.Code.ALREADY_EXISTS, "DUPLICATE_VOTE", () -> vote(alice, request, Decision.APPROVE));
    }

    /**
     * Issue 18: Alice's Ed25519 key re-encoded (explicit NULL parameter, long-form lengths) was
     * accepted as a new officer, and once approved she alone met "2 of N". Every other encoding of
     * a registered key is now refused, and no encoding of one can be registered as a second officer.
     */
    @Test
    void oneKeyCannotBeRegisteredAsASecondOfficerInAnyEncoding() {
        byte[] der = alice.officer().getPublicKey().getSpkiDer().toByteArray();
        byte[] raw = java.util.Arrays.copyOfRange(der, der.length - 32, der.length);
        java.util.HexFormat hex = java.util.HexFormat.of();
        List<byte[]> encodings = List.of(concat(hex.parseHex("302c300706032b65700500032100"), raw),
                concat(hex.parseHex("30812a300506032b6570032100"), raw),
                concat(hex.parseHex("302b300506032b657003812100"), raw),
                concat(der, new byte[] {0}));
        int officersBefore = node.adminOfficers().listOfficers(coffre.kms.v1.ListOfficersRequest.getDefaultInstance())
                .getOfficersCount();
        for (byte[] encoding : encodings) {
            coffre.kms.v1.Officer twin = alice.officer().toBuilder().setId("alice-again")
                    .setPrincipal("spiffe://coffre.test/officer/alice-again")
                    .setPublicKey(alice.officer().getPublicKey().toBuilder().setSpkiDer(ByteString.copyFrom(encoding)))
                    .build();
            Errors.expect(Status.Code.INVALID_ARGUMENT, "INVALID_OFFICER", () -> node.adminOfficers()
                    .addOfficer(coffre.kms.v1.AddOfficerRequest.newBuilder().setOfficer(twin).build()));
        }
        coffre.kms.v1.Officer sameBytes = alice.officer().toBuilder().setId("alice-again")
                .setPrincipal("spiffe://coffre.test/officer/alice-again").build();
        Errors.expect(Status.Code.ALREADY_EXISTS, "OFFICER_ALREADY_EXISTS", () -> node.adminOfficers()
                .addOfficer(coffre.kms.v1.AddOfficerRequest.newBuilder().setOfficer(sameBytes).build()));
        assertEquals(officersBefore, node.adminOfficers().listOfficers(
                coffre.kms.v1.ListOfficersRequest.getDefaultInstance()).getOfficersCount());
        assertTrue(approvals.listApprovalRequests(ListApprovalRequestsRequest.getDefaultInstance()).getRequestsList()
                .stream().noneMatch(r -> r.getSummary().contains("alice-again")), "no request was created");
    }

    /**
     * Issue 18: no identity or replay key taken from a client's bytes has a second spelling —
     * case-changed officer and request ids, padded signatures, a malleated ECDSA vote, upper-case
     * key ids, an act-now signature presented for a case-changed officer.
     */
    @Test
    void votesAndActNowSignaturesHaveOneSpellingOnly() {
        ApprovalRequest request = requestKey();
        VoteRequest byAlice = alice.vote(request, Decision.APPROVE, node.now());
        Errors.expect(Status.Code.NOT_FOUND, "OFFICER_NOT_FOUND",
                () -> approvals.vote(byAlice.toBuilder().setOfficerId("ALICE").build()));
        Errors.expect(Status.Code.NOT_FOUND, "APPROVAL_REQUEST_NOT_FOUND",
                () -> approvals.vote(byAlice.toBuilder().setRequestId(request.getId().toUpperCase()).build()));
        Errors.expect(Status.Code.PERMISSION_DENIED, "INVALID_SIGNATURE", () -> approvals.vote(byAlice.toBuilder()
                .setSignature(byAlice.getSignature().concat(ByteString.copyFrom(new byte[] {0}))).build()));
        Errors.expect(Status.Code.PERMISSION_DENIED, "INVALID_SIGNATURE", () -> approvals.vote(byAlice.toBuilder()
                .setSignature(ByteString.copyFrom(new byte[] {0}).concat(byAlice.getSignature())).build()));

        // Bob's ECDSA vote, then the same vote with s replaced by n - s (also a valid signature).
        VoteRequest byBob = bob.vote(request, Decision.APPROVE, node.now());
        assertEquals(ApprovalState.PENDING, approvals.vote(byBob).getRequest().getState());
        byte[] rs = byBob.getSignature().toByteArray();
        java.math.BigInteger n = new java.math.BigInteger(
                "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551", 16);
        java.math.BigInteger s = new java.math.BigInteger(1, java.util.Arrays.copyOfRange(rs, 32, 64));
        byte[] flipped = n.subtract(s).toByteArray();
        byte[] malleated = java.util.Arrays.copyOf(rs, 64);
        java.util.Arrays.fill(malleated, 32, 64, (byte) 0);
        System.arraycopy(flipped, Math.max(0, flipped.length - 32), malleated, 64 - Math.min(32, flipped.length),
                Math.min(32, flipped.length));
        Errors.expect(Status.Code.ALREADY_EXISTS, "DUPLICATE_VOTE",
                () -> approvals.vote(byBob.toBuilder().setSignature(ByteString.copyFrom(malleated)).build()));
        assertEquals(ApprovalState.PENDING, approvals.getApprovalRequest(GetApprovalRequestRequest.newBuilder()
                .setRequestId(request.getId()).build()).getRequest().getState());

        Key key = node.createKey();
        Errors.expect(Status.Code.INVALID_ARGUMENT, "INVALID_KEY_ID", () -> keys.getKey(
                GetKeyRequest.newBuilder().setKeyId(key.getId().toUpperCase()).build()));
        Operation disable = Operation.newBuilder().setDisableKey(coffre.kms.v1.KeyOperation.newBuilder()
                .setKeyId(key.getId())).build();
        Errors.expect(Status.Code.NOT_FOUND, "OFFICER_NOT_FOUND", () -> keys.disableKey(
                coffre.kms.v1.DisableKeyRequest.newBuilder().setKeyId(key.getId())
                        .setSignature(alice.actNow(disable, node.now()).toBuilder().setOfficerId("Alice")).build()));
        assertEquals(KeyState.ENABLED, keys.getKey(GetKeyRequest.newBuilder().setKeyId(key.getId()).build())
                .getKey().getState());
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void forgedAndReplayedSignaturesAreRefused() {
        ApprovalRequest first = requestKey();
        ApprovalRequest second = keys.createKey(CreateKeyRequest.newBuilder().setAlias("second").build())
                .getApprovalRequest();
        TestOfficer impostor = TestOfficers.newOfficer("alice", "op-a", SignatureAlgorithm.ED25519, TestServer.ALICE);
        Errors.expect(Status.Code.PERMISSION_DENIED, "INVALID_SIGNATURE",
                () -> approvals.vote(impostor.vote(first, Decision.APPROVE, node.now())));

        VoteRequest forFirst = alice.vote(first, Decision.APPROVE, node.now());
        Errors.expect(Status.Code.PERMISSION_DENIED, "INVALID_SIGNATURE",
                () -> approvals.vote(forFirst.toBuilder().setRequestId(second.getId()).build()));
        Errors.expect(Status.Code.PERMISSION_DENIED, "INVALID_SIGNATURE",
                () -> approvals.vote(forFirst.toBuilder().setDecision(Decision.REJECT).build()));
        ApprovalRequest otherDigest = second.toBuilder().setDigest(first.getDigest()).build();
        Errors.expect(Status.Code.PERMISSION_DENIED, "INVALID_SIGNATURE",
                () -> approvals.vote(alice.vote(otherDigest, Decision.APPROVE, node.now())));
        Errors.expect(Status.Code.INVALID_ARGUMENT, "SIGNATURE_TIME_OUT_OF_RANGE",
                () -> approvals.vote(alice.vote(first, Decision.APPROVE, node.now().minus(Duration.ofHours(1)))));
        assertEquals(ApprovalState.PENDING, approvals.getApprovalRequest(GetApprovalRequestRequest.newBuilder()
                .setRequestId(first.getId()).build()).getRequest().getState());
    }

    @Test
    void suspendedOfficersNoLongerVoteNorCount() {
        ApprovalRequest request = requestKey();
        vote(bob, request, Decision.APPROVE);
        Operation suspendBob = Operation.newBuilder().setSuspendOfficer(OfficerOperation.newBuilder().setOfficerId("bob")).build();
        node.adminOfficers().suspendOfficer(SuspendOfficerRequest.newBuilder().setOfficerId("bob")
                .setSignature(carol.actNow(suspendBob, node.now())).build());
        Errors.expect(Status.Code.PERMISSION_DENIED, "OFFICER_NOT_ACTIVE", () -> vote(bob, requestKey(), Decision.APPROVE));
        // Bob's earlier approval no longer counts: Carol's alone is one of the two needed.
        assertEquals(ApprovalState.PENDING, vote(carol, request, Decision.APPROVE).getState());
        assertEquals(ApprovalState.EXECUTED, vote(alice, request, Decision.APPROVE).getState());
    }

    @Test
    void aRequestWhosePreconditionNoLongerHoldsFailsCleanly() {
        ApprovalRequest first = keys.createKey(CreateKeyRequest.newBuilder().setAlias("contested").build()).getApprovalRequest();
        ApprovalRequest second = keys.createKey(CreateKeyRequest.newBuilder().setAlias("contested").build()).getApprovalRequest();
        assertEquals(ApprovalState.EXECUTED, node.approve(first).getState());
        ApprovalRequest failed = node.approve(second);
        assertEquals(ApprovalState.FAILED, failed.getState());
        assertEquals("ALIAS_ALREADY_EXISTS", failed.getFailureReason());
        assertTrue(failed.getFailureMessage().contains("contested"), failed.getFailureMessage());
        Errors.expect(Status.Code.ALREADY_EXISTS, "ALIAS_ALREADY_EXISTS",
                () -> keys.createKey(CreateKeyRequest.newBuilder().setAlias("contested").build()));
    }

    @Test
    void oneRejectionClosesTheRequest() {
        ApprovalRequest request = requestKey();
        vote(alice, request, Decision.APPROVE);
        assertEquals(ApprovalState.REJECTED, vote(carol, request, Decision.REJECT).getState());
        Errors.expect(Status.Code.FAILED_PRECONDITION, "APPROVAL_REQUEST_CLOSED", () -> vote(bob, request, Decision.APPROVE));
    }

    @Test
    void requestsExpire() {
        ApprovalRequest request = requestKey();
        node.clock().advance(Duration.ofHours(24).plusSeconds(1));
        Errors.expect(Status.Code.FAILED_PRECONDITION, "APPROVAL_REQUEST_CLOSED", () -> vote(alice, request, Decision.APPROVE));
        assertEquals(ApprovalState.EXPIRED, approvals.getApprovalRequest(GetApprovalRequestRequest.newBuilder()
                .setRequestId(request.getId()).build()).getRequest().getState());
    }

    @Test
    void simultaneousCompletingVotesExecuteExactlyOnce() throws Exception {
        for (int round = 0; round < 5; round++) {
            ApprovalRequest request = requestKey();
            vote(carol, request, Decision.APPROVE);   // op-b done; either op-a vote now completes the rule
            int before = keyCount();
            CountDownLatch go = new CountDownLatch(1);
            ExecutorService pool = Executors.newFixedThreadPool(2);
            List<Future<ApprovalRequest>> votes = new ArrayList<>();
            for (TestOfficer officer : List.of(alice, bob)) {
                VoteRequest signed = officer.vote(request, Decision.APPROVE, node.now());
                votes.add(pool.submit(() -> {
                    go.await();
                    return approvals.vote(signed).getRequest();
                }));
            }
            go.countDown();
            for (Future<ApprovalRequest> vote : votes) {
                try {
                    assertEquals(ApprovalState.EXECUTED, vote.get(30, TimeUnit.SECONDS).getState());
                } catch (java.util.concurrent.ExecutionException e) {
                    // The later vote may find the request already closed; it must not execute again.
                    assertEquals("APPROVAL_REQUEST_CLOSED", Errors.of((io.grpc.StatusRuntimeException) e.getCause()).reason());
                }
            }
            pool.shutdown();
            assertEquals(before + 1, keyCount(), "executed exactly once in round " + round);
        }
    }

    @Test
    void oneOfficerDisablesAtOnceAndReEnablingTakesTheQuorum() {
        Key key = node.createKey();
        ByteString envelope = wrap(key.getId(), Map.of());
        Operation disable = Operation.newBuilder().setDisableKey(coffre.kms.v1.KeyOperation.newBuilder()
                .setKeyId(key.getId())).build();
        Errors.expect(Status.Code.PERMISSION_DENIED, "INVALID_SIGNATURE", () -> keys.disableKey(
                coffre.kms.v1.DisableKeyRequest.newBuilder().setKeyId(key.getId())
                        .setSignature(alice.actNow(disable, node.now()).toBuilder().setOfficerId("carol")).build()));
        Errors.expect(Status.Code.INVALID_ARGUMENT, "MISSING_FIELD", () -> keys.disableKey(
                coffre.kms.v1.DisableKeyRequest.newBuilder().setKeyId(key.getId()).build()));
        var signed = coffre.kms.v1.DisableKeyRequest.newBuilder().setKeyId(key.getId())
                .setSignature(bob.actNow(disable, node.now())).build();
        assertEquals(KeyState.DISABLED, keys.disableKey(signed).getKey().getState());
        Errors.expect(Status.Code.FAILED_PRECONDITION, "KEY_DISABLED", () -> unwrap(envelope, Map.of()));
        Errors.expect(Status.Code.PERMISSION_DENIED, "INVALID_SIGNATURE", () -> keys.disableKey(signed));

        ApprovalRequest enable = keys.enableKey(EnableKeyRequest.newBuilder().setKeyId(key.getId()).build()).getApprovalRequest();
        vote(alice, enable, Decision.APPROVE);
        Errors.expect(Status.Code.FAILED_PRECONDITION, "KEY_DISABLED", () -> unwrap(envelope, Map.of()));
        assertEquals(ApprovalState.EXECUTED, vote(carol, enable, Decision.APPROVE).getState());
        assertArrayEquals(new byte[] {1, 2, 3}, unwrap(envelope, Map.of()).getPlaintext().toByteArray());
    }

    @Test
    void aMalleatedEcdsaActNowSignatureIsStillAReplay() {
        Key key = node.createKey();
        Operation disable = Operation.newBuilder().setDisableKey(coffre.kms.v1.KeyOperation.newBuilder()
                .setKeyId(key.getId())).build();
        coffre.kms.v1.OfficerSignature signed = bob.actNow(disable, node.now());   // bob signs with ECDSA P-256
        keys.disableKey(coffre.kms.v1.DisableKeyRequest.newBuilder().setKeyId(key.getId()).setSignature(signed).build());
        byte[] sig = signed.getSignature().toByteArray();
        java.math.BigInteger n = new java.math.BigInteger(
                "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551", 16);
        java.math.BigInteger s = new java.math.BigInteger(1, java.util.Arrays.copyOfRange(sig, 32, 64));
        byte[] otherS = n.subtract(s).toByteArray();
        byte[] malleated = java.util.Arrays.copyOf(sig, 64);
        java.util.Arrays.fill(malleated, 32, 64, (byte) 0);
        int len = Math.min(otherS.length, 32);
        System.arraycopy(otherS, otherS.length - len, malleated, 64 - len, len);
        assertTrue(coffre.kms.v1.signing.OfficerKeys.verify(bob.officer().getPublicKey(),
                coffre.kms.v1.signing.Statements.actNow(disable, signed.getSignedTime()), malleated),
                "(r, n-s) is a valid signature too");
        Errors.expect(Status.Code.PERMISSION_DENIED, "INVALID_SIGNATURE", () -> keys.disableKey(
                coffre.kms.v1.DisableKeyRequest.newBuilder().setKeyId(key.getId())
                        .setSignature(signed.toBuilder().setSignature(ByteString.copyFrom(malleated))).build()));
    }

    @Test
    void accessPoliciesMatchGlobsAndRequireContext() {
        Key key = node.createKey(CreateKeyRequest.newBuilder().setAccessPolicy(AccessPolicy.newBuilder()
                .addRules(AccessRule.newBuilder().addPrincipals("spiffe://coffre.test/service/bill*")
                        .addOperations(DataOperation.WRAP).addOperations(DataOperation.UNWRAP))
                .addRequiredContext(ContextRequirement.newBuilder().setKey("tenant"))).build());
        ByteString envelope = wrap(key.getId(), Map.of("tenant", "acme"));
        assertArrayEquals(new byte[] {1, 2, 3}, unwrap(envelope, Map.of("tenant", "acme")).getPlaintext().toByteArray());
        Errors.expect(Status.Code.PERMISSION_DENIED, "CONTEXT_NOT_ALLOWED", () -> wrap(key.getId(), Map.of()));
        Errors.expect(Status.Code.PERMISSION_DENIED, "PERMISSION_DENIED", () -> node.serviceCrypto().generateDataKey(
                coffre.kms.v1.GenerateDataKeyRequest.newBuilder().setKeyId(key.getId()).putEncryptionContext("tenant", "acme").build()));
        var other = coffre.kms.v1.CryptoServiceGrpc.newBlockingStub(node.channelFor(
                node.pki().clientWithUri("payroll", "spiffe://coffre.test/service/payroll")));
        Errors.expect(Status.Code.PERMISSION_DENIED, "PERMISSION_DENIED", () -> other.wrap(WrapRequest.newBuilder()
                .setKeyId(key.getId()).setPlaintext(ByteString.copyFromUtf8("x")).putEncryptionContext("tenant", "acme").build()));
    }

    @Test
    void grantsExpireAndRevocationActsAtOnce() {
        Key key = node.createKey(CreateKeyRequest.newBuilder().setAccessPolicy(AccessPolicy.getDefaultInstance()).build());
        Errors.expect(Status.Code.PERMISSION_DENIED, "PERMISSION_DENIED", () -> wrap(key.getId(), Map.of()));
        GrantSpec spec = GrantSpec.newBuilder().setKeyId(key.getId()).setPrincipal(TestServer.SERVICE)
                .addOperations(DataOperation.WRAP).addOperations(DataOperation.UNWRAP)
                .setNotAfter(TestOfficers.timestamp(node.now().plus(Duration.ofHours(2)))).build();
        ApprovalRequest created = node.approve(keys.createGrant(CreateGrantRequest.newBuilder().setGrant(spec).build())
                .getApprovalRequest());
        assertEquals(ApprovalState.EXECUTED, created.getState());
        String grantId = created.getResult();
        ByteString envelope = wrap(key.getId(), Map.of());
        unwrap(envelope, Map.of());

        node.clock().advance(Duration.ofHours(2));
        Errors.expect(Status.Code.PERMISSION_DENIED, "PERMISSION_DENIED", () -> unwrap(envelope, Map.of()));
        node.clock().advance(Duration.ofHours(-2));
        unwrap(envelope, Map.of());

        Operation revoke = Operation.newBuilder().setRevokeGrant(GrantOperation.newBuilder().setGrantId(grantId)).build();
        keys.revokeGrant(RevokeGrantRequest.newBuilder().setGrantId(grantId).setSignature(carol.actNow(revoke, node.now())).build());
        Errors.expect(Status.Code.PERMISSION_DENIED, "PERMISSION_DENIED", () -> unwrap(envelope, Map.of()));
    }

    @Test
    void breakGlassUnwrapNeedsApprovalEachTime() {
        Key key = node.createKey(CreateKeyRequest.newBuilder()
                .setApprovalPolicy(ApprovalPolicy.newBuilder().setRequireUnwrapApproval(true)).build());
        ByteString envelope = wrap(key.getId(), Map.of("case", "incident-42"));
        Errors.Seen first = Errors.expect(Status.Code.FAILED_PRECONDITION, "APPROVAL_REQUIRED",
                () -> unwrap(envelope, Map.of("case", "incident-42")));
        String requestId = first.metadata().get("approval_request_id");
        Errors.Seen again = Errors.expect(Status.Code.FAILED_PRECONDITION, "APPROVAL_REQUIRED",
                () -> unwrap(envelope, Map.of("case", "incident-42")));
        assertEquals(requestId, again.metadata().get("approval_request_id"), "a pending request is reused");

        ApprovalRequest request = approvals.getApprovalRequest(GetApprovalRequestRequest.newBuilder()
                .setRequestId(requestId).build()).getRequest();
        assertEquals(ApprovalState.EXECUTED, node.approve(request).getState());
        assertArrayEquals(new byte[] {1, 2, 3}, unwrap(envelope, Map.of("case", "incident-42")).getPlaintext().toByteArray());
        Errors.Seen afterwards = Errors.expect(Status.Code.FAILED_PRECONDITION, "APPROVAL_REQUIRED",
                () -> unwrap(envelope, Map.of("case", "incident-42")));
        assertTrue(!afterwards.metadata().get("approval_request_id").equals(requestId), "approval is for one unwrap");
        assertEquals(1, approvals.listApprovalRequests(ListApprovalRequestsRequest.newBuilder()
                .addStates(ApprovalState.PENDING).build()).getRequestsList().stream()
                .filter(r -> r.getId().equals(afterwards.metadata().get("approval_request_id"))).count());
    }

    @Test
    void watchStreamsPendingRequestsThenEveryChange() throws Exception {
        ApprovalRequest before = requestKey();
        java.util.concurrent.BlockingQueue<ApprovalRequest> events = new java.util.concurrent.LinkedBlockingQueue<>();
        io.grpc.Context.CancellableContext watching = io.grpc.Context.current().withCancellation();
        watching.run(() -> coffre.kms.v1.ApprovalServiceGrpc.newStub(node.channelFor(
                        node.pki().clientWithUri("watcher", "spiffe://coffre.test/officer/watcher")))
                .watch(coffre.kms.v1.WatchApprovalRequestsRequest.getDefaultInstance(), new io.grpc.stub.StreamObserver<>() {
                    @Override
                    public void onNext(ApprovalRequest request) {
                        events.add(request);
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                    }
                }));
        try {
            ApprovalRequest first = events.poll(10, TimeUnit.SECONDS);
            assertEquals(before.getId(), first == null ? null : first.getId(), "the pending request comes first");
            ApprovalRequest created = requestKey();
            assertEquals(created.getId(), events.poll(10, TimeUnit.SECONDS).getId());
            vote(alice, created, Decision.APPROVE);
            ApprovalRequest voted = events.poll(10, TimeUnit.SECONDS);
            assertEquals(1, voted.getVotesCount());
            vote(carol, created, Decision.APPROVE);
            ApprovalRequest executed = events.poll(10, TimeUnit.SECONDS);
            assertEquals(ApprovalState.EXECUTED, executed.getState());
            assertEquals(created.getId(), executed.getId());
        } finally {
            watching.cancel(null);
        }
    }

    private ByteString wrap(String keyId, Map<String, String> context) {
        return node.serviceCrypto().wrap(WrapRequest.newBuilder().setKeyId(keyId)
                .setPlaintext(ByteString.copyFrom(new byte[] {1, 2, 3})).putAllEncryptionContext(context).build()).getEnvelope();
    }

    private UnwrapResponse unwrap(ByteString envelope, Map<String, String> context) {
        return node.serviceCrypto().unwrap(UnwrapRequest.newBuilder().setEnvelope(envelope)
                .putAllEncryptionContext(context).build());
    }

    @SuppressWarnings("unused")
    private Key get(String id) {
        return keys.getKey(GetKeyRequest.newBuilder().setKeyId(id).build()).getKey();
    }
}
