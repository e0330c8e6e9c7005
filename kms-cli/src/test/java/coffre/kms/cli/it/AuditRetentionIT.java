package coffre.kms.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.cli.CoffreCli;
import coffre.kms.client.TlsChannelFactory;
import coffre.kms.server.testing.Errors;
import coffre.kms.server.testing.TestPki;
import coffre.kms.server.testing.TestServer;
import coffre.kms.v1.ApprovalRequest;
import coffre.kms.v1.ApprovalState;
import coffre.kms.v1.AuditEvent;
import coffre.kms.v1.ChainVerification;
import coffre.kms.v1.GetApprovalRequestRequest;
import coffre.kms.v1.ListApprovalRequestsRequest;
import coffre.kms.v1.ListKeysRequest;
import coffre.kms.v1.PruneAuditChainRequest;
import coffre.kms.v1.QueryAuditEventsRequest;
import coffre.kms.v1.QueryAuditEventsResponse;
import coffre.kms.v1.ReadAuditChainRequest;
import coffre.kms.v1.VerifyAuditChainRequest;
import com.google.protobuf.ByteString;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Audit retention end to end on a real node (real SoftHSM, mTLS, embedded store with its journal):
 * events are written and checkpointed, archived with {@code coffre audit export --through},
 * verified offline, pruned through the officers' quorum, and then the chain verifies from its
 * anchor, queries no longer find the pruned events, the archive still verifies, and a second prune
 * continues from the anchor. Bad requests get their reason and create no approval request.
 */
class AuditRetentionIT {
    private static final Pattern PRUNED = Pattern.compile("pruned (\\S+) through (\\d+)");
    private static final Pattern REQUEST_ID = Pattern.compile("apr-[a-z2-7]{26}");

    @TempDir
    static Path dir;
    static TestServer node;
    static Map<String, String> admin;

    @BeforeAll
    static void start() {
        node = TestServer.start(dir);
        admin = env(node.pki().clientWithUri("cli-admin", TestServer.ADMIN));
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    private static Map<String, String> env(TestPki.Issued identity) {
        Map<String, String> env = new HashMap<>();
        env.put("COFFRE_ENDPOINT", "127.0.0.1:" + node.server().port());
        env.put("COFFRE_CA_CERT", node.pki().caFile().toString());
        env.put("COFFRE_CERT", identity.certificate().toString());
        env.put("COFFRE_KEY", identity.privateKey().toString());
        env.put("HOME", dir.toString());
        return env;
    }

    record Run(int exit, String out, String err) {
    }

    private static Run coffre(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = CoffreCli.newCommandLine(new TlsChannelFactory(), admin, new ByteArrayInputStream(new byte[0]),
                new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    private static Run ok(String... args) {
        Run run = coffre(args);
        assertEquals(0, run.exit(), String.join(" ", args) + " -> " + run);
        return run;
    }

    /** Audited calls, made durable and indexed as a row of their own, then optionally sealed. */
    private static void events(int calls, boolean seal) throws InterruptedException {
        for (int i = 0; i < calls; i++) {
            node.adminKeys().listKeys(ListKeysRequest.getDefaultInstance());
        }
        node.server().checkpointAuditNow();
        if (!seal) {
            return;
        }
        // The embedded store's indexer writes what is pending every 100 ms: wait so that later
        // events go to rows of their own (a prune never splits a row).
        Thread.sleep(300);
    }

    private static ChainVerification chain() {
        List<ChainVerification> chains = node.adminAudit().verifyChain(VerifyAuditChainRequest.getDefaultInstance())
                .getChainsList();
        assertEquals(1, chains.size(), chains.toString());
        return chains.get(0);
    }

    private static List<AuditEvent> query(QueryAuditEventsRequest.Builder request) {
        List<AuditEvent> all = new ArrayList<>();
        String token = "";
        do {
            QueryAuditEventsResponse page = node.adminAudit().queryEvents(request.setPageSize(1000).setPageToken(token).build());
            all.addAll(page.getEventsList());
            token = page.getNextPageToken();
        } while (!token.isEmpty());
        return all;
    }

    private static String sha256(Path file) throws Exception {
        return java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    private static int pendingRequests() {
        return node.adminApprovals().listApprovalRequests(ListApprovalRequestsRequest.getDefaultInstance())
                .getRequestsCount();
    }

    /** Archives through {@code through}, asks for the prune with the CLI, has it approved; returns the actual point. */
    private static long archiveAndPrune(String name, long through, Path archive) throws Exception {
        Run exported = ok("audit", "export", "--node", name, "--through", Long.toString(through), "--out", archive.toString());
        assertTrue(exported.err().contains("archive SHA-256: " + sha256(archive)), exported.err());
        Run offline = ok("audit", "verify-export", archive.toString());
        assertTrue(offline.out().contains("valid") && offline.out().contains(sha256(archive)), offline.out());

        Run asked = ok("audit", "prune", "--node", name, "--through", Long.toString(through), "--archive",
                archive.toString());
        Matcher requestId = REQUEST_ID.matcher(asked.out());
        assertTrue(requestId.find(), asked.out());
        String id = requestId.group();
        Run show = ok("approvals", "show", id);
        assertTrue(show.out().contains("Prune the audit log of node") && show.out().contains(sha256(archive)), show.out());
        assertEquals(ApprovalState.PENDING, node.adminApprovals().getApprovalRequest(GetApprovalRequestRequest
                .newBuilder().setRequestId(id).build()).getRequest().getState(), "nothing runs before the quorum");

        ApprovalRequest request = node.adminApprovals().getApprovalRequest(GetApprovalRequestRequest.newBuilder()
                .setRequestId(id).build()).getRequest();
        ApprovalRequest done = node.approve(request);
        assertEquals(ApprovalState.EXECUTED, done.getState(), done.toString());
        Matcher m = PRUNED.matcher(done.getResult());
        assertTrue(m.find(), done.getResult());
        long point = Long.parseLong(m.group(2));
        assertTrue(point >= 1 && point <= through, done.getResult());
        return point;
    }

    @Test
    void aSealedSegmentIsArchivedPrunedThroughTheQuorumAndTheChainStillVerifies() throws Exception {
        events(20, true);
        events(20, true);
        ChainVerification before = chain();
        assertTrue(before.getValid(), before.toString());
        String name = before.getNode();
        long sealed = before.getAnchoredThrough();
        events(5, false);

        // Bad requests: each its reason and code, and no approval request.
        int pending = pendingRequests();
        byte[] digest = new byte[32];
        Errors.expect(Status.Code.FAILED_PRECONDITION, "AUDIT_NOT_SEALED", () -> node.adminAudit().pruneChain(
                PruneAuditChainRequest.newBuilder().setNode(name).setThroughSequence(sealed + 1_000_000_000L)
                        .setArchiveSha256(ByteString.copyFrom(digest)).build()));
        Errors.expect(Status.Code.NOT_FOUND, "AUDIT_CHAIN_NOT_FOUND", () -> node.adminAudit().pruneChain(
                PruneAuditChainRequest.newBuilder().setNode("no-such-node").setThroughSequence(1)
                        .setArchiveSha256(ByteString.copyFrom(digest)).build()));
        Errors.expect(Status.Code.INVALID_ARGUMENT, "INVALID_AUDIT_PRUNE", () -> node.adminAudit().pruneChain(
                PruneAuditChainRequest.newBuilder().setNode(name).setThroughSequence(sealed)
                        .setArchiveSha256(ByteString.copyFrom(new byte[5])).build()));
        Errors.expect(Status.Code.INVALID_ARGUMENT, "INVALID_AUDIT_PRUNE", () -> node.adminAudit().pruneChain(
                PruneAuditChainRequest.newBuilder().setNode(name).setThroughSequence(0)
                        .setArchiveSha256(ByteString.copyFrom(digest)).build()));
        Errors.expect(Status.Code.PERMISSION_DENIED, "PERMISSION_DENIED", () -> coffre.kms.v1.AuditServiceGrpc
                .newBlockingStub(node.serviceChannel()).pruneChain(PruneAuditChainRequest.newBuilder().setNode(name)
                        .setThroughSequence(sealed).setArchiveSha256(ByteString.copyFrom(digest)).build()));
        assertEquals(pending, pendingRequests(), "a refused request creates nothing");
        // Unsealed events cannot be archived either, and the CLI makes no file.
        Path unsealed = dir.resolve("unsealed.jsonl");
        Run notYet = coffre("audit", "export", "--node", name, "--through", Long.toString(sealed + 1_000_000_000L), "--out",
                unsealed.toString());
        assertEquals(68, notYet.exit(), notYet.toString());
        assertFalse(Files.exists(unsealed));

        Path archive = dir.resolve("archive-1.jsonl");
        long point = archiveAndPrune(name, sealed, archive);

        ChainVerification after = chain();
        assertTrue(after.getValid(), after.toString());
        assertEquals(point, after.getStart().getSequence());
        assertEquals(sha256(archive), after.getStart().getArchiveSha256());
        Run verified = ok("audit", "verify");
        assertTrue(verified.out().contains("starts after a prune through"), verified.out());

        List<AuditEvent> left = query(QueryAuditEventsRequest.newBuilder().setNode(name));
        assertFalse(left.isEmpty());
        assertTrue(left.stream().allMatch(e -> e.getSequence() > point), "queries no longer find pruned events");
        assertEquals(point + 1, node.adminAudit().readChain(ReadAuditChainRequest.newBuilder().setNode(name).build())
                .getEvents(0).getSequence());
        List<AuditEvent> prunedEvents = query(QueryAuditEventsRequest.newBuilder().setType("AUDIT_PRUNED"));
        assertEquals(1, prunedEvents.size());
        assertTrue(prunedEvents.get(0).getDetail().contains("through=" + point), prunedEvents.get(0).getDetail());
        // The archive still proves the pruned events offline.
        ok("audit", "verify-export", archive.toString());

        // Already pruned: refused.
        Errors.expect(Status.Code.FAILED_PRECONDITION, "AUDIT_NOT_SEALED", () -> node.adminAudit().pruneChain(
                PruneAuditChainRequest.newBuilder().setNode(name).setThroughSequence(point)
                        .setArchiveSha256(ByteString.copyFrom(digest)).build()));

        // A second prune continues from the anchor: its archive starts there.
        events(20, true);
        events(20, true);
        long sealed2 = chain().getAnchoredThrough();
        events(5, false);
        Path archive2 = dir.resolve("archive-2.jsonl");
        long point2 = archiveAndPrune(name, sealed2, archive2);
        assertTrue(point2 > point, point2 + " after " + point);
        Run second = ok("audit", "verify-export", archive2.toString());
        assertTrue(second.out().contains("after anchor " + point), second.out());
        ChainVerification last = chain();
        assertTrue(last.getValid(), last.toString());
        assertEquals(point2, last.getStart().getSequence());
        assertTrue(query(QueryAuditEventsRequest.newBuilder().setNode(name)).stream()
                .allMatch(e -> e.getSequence() > point2));

        // A restart finds the chain's tail (never pruned) and its journal replays nothing pruned.
        long head = node.adminAudit().readChain(ReadAuditChainRequest.newBuilder().setNode(name)
                .setAfterSequence(point2).build()).getEventsList().stream().mapToLong(AuditEvent::getSequence).max()
                .orElseThrow();
        node.restart();
        events(3, true);
        ChainVerification restarted = chain();
        assertTrue(restarted.getValid(), restarted.toString());
        assertEquals(point2, restarted.getStart().getSequence());
        assertTrue(restarted.getEventsChecked() > head - point2, restarted.toString());
    }
}
