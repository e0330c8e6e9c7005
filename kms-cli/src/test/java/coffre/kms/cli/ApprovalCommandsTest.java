package coffre.kms.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.v1.AccessPolicy;
import coffre.kms.v1.AccessRule;
import coffre.kms.v1.ApprovalRequest;
import coffre.kms.v1.ApprovalState;
import coffre.kms.v1.ContextRequirement;
import coffre.kms.v1.CreateKeyOperation;
import coffre.kms.v1.DataOperation;
import coffre.kms.v1.Decision;
import coffre.kms.v1.GetApprovalRequestRequest;
import coffre.kms.v1.KeyOperation;
import coffre.kms.v1.ListApprovalRequestsRequest;
import coffre.kms.v1.Operation;
import coffre.kms.v1.VoteRequest;
import coffre.kms.v1.WatchApprovalRequestsRequest;
import coffre.kms.v1.signing.OfficerKeys;
import coffre.kms.v1.signing.Statements;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code approvals list|show|approve|reject|watch}: coffre's own reading of the request, and what officers sign. */
class ApprovalCommandsTest {

    private static final String ID = FakeKms.REQUEST_ID;

    @TempDir
    static Path keys;

    static OfficerKeyFiles.KeyFiles alice;
    static OfficerKeyFiles.KeyFiles bob;

    @TempDir
    Path dir;

    private FakeKms server;
    private CliHarness cli;

    static final Operation CREATE_ORDERS = Operation.newBuilder().setCreateKey(CreateKeyOperation.newBuilder()
            .setAlias("orders")
            .setDescription("Order data keys")
            .setAccessPolicy(AccessPolicy.newBuilder()
                    .addRules(AccessRule.newBuilder().addPrincipals("spiffe://prod/ns/orders/api")
                            .addOperations(DataOperation.WRAP).addOperations(DataOperation.UNWRAP))
                    .addRequiredContext(ContextRequirement.newBuilder().setKey("tenant"))))
            .build();

    @BeforeAll
    static void officers() throws Exception {
        alice = OfficerKeyFiles.generate(keys, "alice.key", "ed25519");
        bob = OfficerKeyFiles.generate(keys, "bob.key", "ecdsa-p256");
    }

    @BeforeEach
    void start() throws Exception {
        server = new FakeKms();
        cli = OfficerKeyFiles.withPassphrase(new CliHarness(server.channels(), dir));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** The request with its operation bytes replaced, its digest left as the server claims. */
    static ApprovalRequest tampered(ApprovalRequest honest, Operation swapped) {
        return honest.toBuilder().setOperation(ByteString.copyFrom(Statements.operationBytes(swapped))).build();
    }

    @Test
    void showRendersTheOperationInPlainWordsWithTheRecomputedDigest() {
        ApprovalRequest request = FakeKms.approvalFor(CREATE_ORDERS);
        server.putApproval(request);

        CliHarness.Result result = cli.run("approvals", "show", ID);

        assertEquals(ExitCodes.OK, result.exitCode(), result::toString);
        String digest = HexFormat.of().formatHex(request.getDigest().toByteArray());
        assertEquals("""
                ID:        apr-abcdefghijklmnopqrstuvwxyz
                State:     PENDING
                Operation: Create a key with alias 'orders', description 'Order data keys', access policy: principal \
                'spiffe://prod/ns/orders/api' may WRAP, UNWRAP; requires context key 'tenant'
                Digest:    %s (recomputed by coffre; matches the server's)
                Requester: spiffe://coffre.test/admin
                Created:   2025-10-09T08:53:20Z
                Expires:   2025-10-10T08:53:20Z
                Rule:      2 approvals from active officers, at least 1 from each operator
                Approvals: 0/2; needs 2 more, at least 1 from op-a
                Server says: server's own words (informational; not what is signed)
                Votes:
                  (none)
                """.formatted(digest), result.out());
    }

    /** alice and bob of op-a, carol of op-b: the dev officers of deploy/dev/start.sh. */
    private static final coffre.kms.v1.Officer BOB = FakeKms.ALICE.toBuilder().setId("bob").setPrincipal("").build();
    private static final coffre.kms.v1.Officer CAROL = FakeKms.ALICE.toBuilder().setId("carol").setOperator("op-b")
            .setPrincipal("").build();

    private static ApprovalRequest approvedBy(ApprovalState state, String... officerIds) {
        ApprovalRequest.Builder request = FakeKms.approvalFor(CREATE_ORDERS).toBuilder().setState(state);
        for (String id : officerIds) {
            request.addVotes(coffre.kms.v1.ApprovalVote.newBuilder().setOfficerId(id).setDecision(Decision.APPROVE)
                    .setCounted(true));
        }
        return request.build();
    }

    @Test
    void twoApprovalsFromOneOperatorSayWhichOperatorIsStillMissing() {
        server.setOfficers(FakeKms.ALICE, BOB, CAROL);
        server.putApproval(approvedBy(ApprovalState.PENDING, "alice", "bob"));

        CliHarness.Result result = cli.run("approvals", "show", ID);

        assertEquals(ExitCodes.OK, result.exitCode(), result::toString);
        assertTrue(result.out().contains("State:     PENDING\n"), result::toString);
        assertTrue(result.out().contains("Approvals: 2/2; needs 1 more, from op-b\n"), result::toString);
    }

    @Test
    void anExecutedRequestWithMoreApprovalsThanNeededIsNoOvershoot() {
        server.setOfficers(FakeKms.ALICE, BOB, CAROL);
        server.putApproval(approvedBy(ApprovalState.EXECUTED, "alice", "bob", "carol"));

        CliHarness.Result shown = cli.run("approvals", "show", ID);
        CliHarness.Result listed = cli.run("approvals", "list");

        assertTrue(shown.out().contains("Approvals: 3 (2 needed)\n"), shown::toString);
        assertFalse(shown.out().contains("3/2"), shown::toString);
        assertFalse(listed.out().contains("3/2"), listed::toString);
        assertTrue(listed.out().contains("3 (2 needed)"), listed::toString);
        assertFalse(server.requests().stream().anyMatch(r -> r instanceof coffre.kms.v1.ListOfficersRequest),
                "a closed request needs no officer list");
    }

    @Test
    void withoutTheOfficerListTheRequestIsStillShownAndSaysWhatIsUnknown() {
        server.putApproval(approvedBy(ApprovalState.PENDING, "alice", "bob"));
        server.refuseOfficerList(io.grpc.Status.PERMISSION_DENIED.asRuntimeException());

        CliHarness.Result result = cli.run("approvals", "show", ID);

        assertEquals(ExitCodes.OK, result.exitCode(), result::toString);
        assertTrue(result.out().contains("Approvals: 2/2; needs no more in number, and 1 from each operator "
                + "(coffre could not list the officers to say which)\n"), result::toString);
    }

    @Test
    void showAsJsonCarriesTheDecodedOperation() throws Exception {
        server.putApproval(FakeKms.approvalFor(CREATE_ORDERS));

        CliHarness.Result result = cli.run("approvals", "show", ID, "-o", "json");

        assertEquals(ExitCodes.OK, result.exitCode(), result::toString);
        JsonNode json = new ObjectMapper().readTree(result.out());
        assertEquals(ID, json.at("/request/id").asText());
        assertEquals("orders", json.at("/operation/create_key/alias").asText());
        assertTrue(json.get("description").asText().startsWith("Create a key with alias 'orders'"));
        assertEquals(64, json.get("digest_hex").asText().length());
    }

    @Test
    void showRefusesARequestWhoseDigestDoesNotMatchItsBytes() {
        ApprovalRequest honest = FakeKms.approvalFor(Operation.newBuilder()
                .setDisableKey(KeyOperation.newBuilder().setKeyId("key-a")).build());
        server.putApproval(tampered(honest, CREATE_ORDERS));

        CliHarness.Result result = cli.run("approvals", "show", ID);

        assertEquals(ExitCodes.REFUSED, result.exitCode(), result::toString);
        assertEquals("", result.out());
        assertTrue(result.err().startsWith("error: refusing to show " + ID + " as trustworthy: the server's digest "
                + HexFormat.of().formatHex(honest.getDigest().toByteArray()) + " does not match"), result::toString);
    }

    @Test
    void approveSignsTheVoteStatementOverTheRecomputedDigest() throws Exception {
        ApprovalRequest request = FakeKms.approvalFor(CREATE_ORDERS);
        server.putApproval(request);
        Instant before = Instant.now();

        CliHarness.Result result = cli.run("approvals", "approve", ID, "--officer-id", "bob",
                "--officer-key", bob.key().toString());

        assertEquals(ExitCodes.OK, result.exitCode(), result::toString);
        List<Message> calls = server.requests();
        assertEquals(GetApprovalRequestRequest.newBuilder().setRequestId(ID).build(), calls.get(0));
        VoteRequest vote = (VoteRequest) calls.get(1);
        assertEquals(ID, vote.getRequestId());
        assertEquals("bob", vote.getOfficerId());
        assertEquals(Decision.APPROVE, vote.getDecision());
        Instant signed = Instant.ofEpochSecond(vote.getSignedTime().getSeconds(), vote.getSignedTime().getNanos());
        assertTrue(!signed.isBefore(before.minusSeconds(1)) && signed.isBefore(before.plus(Duration.ofMinutes(1))), signed::toString);
        byte[] statement = Statements.vote(ID, request.getDigest().toByteArray(), Decision.APPROVE, vote.getSignedTime());
        assertTrue(OfficerKeys.verify(bob.publicKey(), statement, vote.getSignature().toByteArray()));
        assertFalse(OfficerKeys.verify(bob.publicKey(),
                Statements.vote(ID, request.getDigest().toByteArray(), Decision.REJECT, vote.getSignedTime()),
                vote.getSignature().toByteArray()), "a signed approval must not verify as a rejection");
        assertTrue(result.out().startsWith("Approved " + ID + " as officer 'bob'.\nOperation: Create a key with alias 'orders'"),
                result::toString);
        assertTrue(result.out().contains("State:     PENDING\nApprovals: 1/2; needs 1 more, from op-a\n"), result::toString);
    }

    @Test
    void theApprovalThatMeetsTheRuleShowsTheResult() {
        ApprovalRequest request = FakeKms.approvalFor(CREATE_ORDERS).toBuilder()
                .addVotes(coffre.kms.v1.ApprovalVote.newBuilder().setOfficerId("carol").setDecision(Decision.APPROVE)
                        .setCounted(true))
                .build();
        server.putApproval(request);

        CliHarness.Result result = cli.run("approvals", "approve", ID, "--officer-id", "alice",
                "--officer-key", alice.key().toString());

        assertEquals(ExitCodes.OK, result.exitCode(), result::toString);
        assertTrue(result.out().contains("State:     EXECUTED\nApprovals: 2/2\nResult:    " + FakeKms.NEW_KEY_ID + "\n"),
                result::toString);
    }

    @Test
    void rejectSignsARejection() {
        ApprovalRequest request = FakeKms.approvalFor(CREATE_ORDERS);
        server.putApproval(request);

        CliHarness.Result result = cli.run("approvals", "reject", ID, "--officer-id", "alice",
                "--officer-key", alice.key().toString(), "-o", "json");

        assertEquals(ExitCodes.OK, result.exitCode(), result::toString);
        VoteRequest vote = (VoteRequest) server.requests().get(1);
        assertEquals(Decision.REJECT, vote.getDecision());
        assertTrue(OfficerKeys.verify(alice.publicKey(),
                Statements.vote(ID, request.getDigest().toByteArray(), Decision.REJECT, vote.getSignedTime()),
                vote.getSignature().toByteArray()));
        assertTrue(result.out().contains("\"state\": \"REJECTED\""), result::toString);
    }

    @Test
    void approveRefusesATamperedRequestAndSendsNoVote() {
        // The server claims the digest of a harmless rotation but carries the bytes of a key creation.
        ApprovalRequest honest = FakeKms.approvalFor(Operation.newBuilder()
                .setRotateKey(KeyOperation.newBuilder().setKeyId("key-a")).build());
        server.putApproval(tampered(honest, CREATE_ORDERS));

        CliHarness.Result result = cli.run("approvals", "approve", ID, "--officer-id", "alice",
                "--officer-key", alice.key().toString());

        assertEquals(ExitCodes.REFUSED, result.exitCode(), result::toString);
        assertEquals(1, server.requests().size(), "only the GetApprovalRequest, no Vote");
        assertTrue(result.err().startsWith("error: refusing to sign " + ID + ": the server's digest "), result::toString);
        assertEquals("", result.out());
    }

    @Test
    void approveRefusesAnOperationItCannotFullyRead() {
        // A field number this CLI does not know (a newer server's operation): never sign the unseen.
        byte[] unknown = {(byte) 0xfa, 0x01, 0x00}; // field 31, length-delimited, empty
        server.putApproval(FakeKms.approvalFor(Operation.getDefaultInstance()).toBuilder()
                .setOperation(ByteString.copyFrom(unknown))
                .setDigest(ByteString.copyFrom(Statements.sha256(unknown)))
                .build());

        CliHarness.Result result = cli.run("approvals", "approve", ID, "--officer-id", "alice",
                "--officer-key", alice.key().toString());

        assertEquals(ExitCodes.REFUSED, result.exitCode(), result::toString);
        assertEquals(1, server.requests().size(), "no Vote");
        assertTrue(result.err().contains("the operation holds fields this version of coffre does not know"), result::toString);
    }

    @Test
    void approveRefusesWhenTheDigestDiffersFromTheOneReviewed() {
        server.putApproval(FakeKms.approvalFor(CREATE_ORDERS));

        CliHarness.Result result = cli.run("approvals", "approve", ID, "--officer-id", "alice",
                "--officer-key", alice.key().toString(), "--expect-digest", "ab".repeat(32));

        assertEquals(ExitCodes.REFUSED, result.exitCode(), result::toString);
        assertEquals(1, server.requests().size(), "no Vote");
        assertTrue(result.err().contains("not the " + "ab".repeat(32) + " you reviewed"), result::toString);
    }

    @Test
    void wrongPassphraseFailsBeforeConnecting() throws Exception {
        CliHarness.Result result = new CliHarness(CliHarness.mustNotConnect(), dir)
                .env("COFFRE_OFFICER_PASSPHRASE", "not the passphrase")
                .run("approvals", "approve", ID, "--officer-id", "alice", "--officer-key", alice.key().toString());

        assertEquals(ExitCodes.USAGE, result.exitCode(), result::toString);
        assertTrue(result.err().startsWith("error: --officer-key " + alice.key()
                + ": cannot decrypt the officer key: wrong passphrase, or the file is damaged\n"), result::toString);
        assertFalse(result.err().contains("not the passphrase"));
    }

    @Test
    void listShowsEachRequestInPlainWordsAndFiltersByState() {
        server.putApproval(FakeKms.approvalFor(CREATE_ORDERS));

        CliHarness.Result result = cli.run("approvals", "list", "--state", "pending,failed");

        assertEquals(ExitCodes.OK, result.exitCode(), result::toString);
        assertEquals(List.of(ApprovalState.PENDING, ApprovalState.FAILED),
                ((ListApprovalRequestsRequest) server.onlyRequest()).getStatesList());
        List<String> lines = result.out().lines().toList();
        assertEquals("ID                              STATE    APPROVALS  EXPIRES               REQUESTER                   OPERATION",
                lines.get(0));
        assertTrue(lines.get(1).startsWith("apr-abcdefghijklmnopqrstuvwxyz  PENDING  0/2        2025-10-10T08:53:20Z  "
                + "spiffe://coffre.test/admin  Create a key with alias 'orders'"), result::toString);
    }

    @Test
    void watchPrintsOneLinePerEventAndStopsAfterMaxEvents() {
        server.addWatchEvent(FakeKms.approvalFor(CREATE_ORDERS));
        server.addWatchEvent(FakeKms.approvalFor(CREATE_ORDERS).toBuilder().setState(ApprovalState.EXECUTED)
                .setCloseTime(FakeKms.ts(1_760_001_000L)).build());
        server.addWatchEvent(FakeKms.approvalFor(CREATE_ORDERS).toBuilder().setState(ApprovalState.EXPIRED).build());
        server.keepWatchOpen();

        CliHarness.Result result = cli.run("approvals", "watch", "--max-events", "2");

        assertEquals(ExitCodes.OK, result.exitCode(), result::toString);
        assertEquals(WatchApprovalRequestsRequest.getDefaultInstance(), server.onlyRequest());
        List<String> lines = result.out().lines().toList();
        assertEquals(2, lines.size(), result::toString);
        assertTrue(lines.get(0).startsWith("2025-10-09T08:53:20Z  " + ID + "  PENDING   0/2  Create a key with alias 'orders'"),
                result::toString);
        assertTrue(lines.get(1).startsWith("2025-10-09T09:10:00Z  " + ID + "  EXECUTED  0/2  Create a key"), result::toString);
    }

    @Test
    void watchAsJsonPrintsOneObjectPerLineUntilTheServerEndsIt() throws Exception {
        server.addWatchEvent(FakeKms.approvalFor(CREATE_ORDERS));

        CliHarness.Result result = cli.run("approvals", "watch", "--state", "pending", "-o", "json");

        assertEquals(ExitCodes.OK, result.exitCode(), result::toString);
        assertEquals(List.of(ApprovalState.PENDING), ((WatchApprovalRequestsRequest) server.onlyRequest()).getStatesList());
        List<String> lines = result.out().lines().toList();
        assertEquals(1, lines.size(), result::toString);
        assertEquals(ID, new ObjectMapper().readTree(lines.get(0)).get("id").asText());
        assertEquals("The server ended the watch.\n", result.err());
    }
}
