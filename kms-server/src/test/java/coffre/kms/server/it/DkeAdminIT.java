package coffre.kms.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.testing.Errors;
import coffre.kms.server.testing.Operations;
import coffre.kms.server.testing.TestServer;
import coffre.kms.v1.ApprovalRequest;
import coffre.kms.v1.ApprovalState;
import coffre.kms.v1.AuditEvent;
import coffre.kms.v1.CreateKeyRequest;
import coffre.kms.v1.DkeAdminServiceGrpc.DkeAdminServiceBlockingStub;
import coffre.kms.v1.DkeKeyMapping;
import coffre.kms.v1.DkeKeyMappingOperation;
import coffre.kms.v1.Key;
import coffre.kms.v1.ListDkeKeyMappingsRequest;
import coffre.kms.v1.ListDkeKeyMappingsResponse;
import coffre.kms.v1.MapDkeKeyRequest;
import coffre.kms.v1.Operation;
import coffre.kms.v1.QueryAuditEventsRequest;
import coffre.kms.v1.UnmapDkeKeyRequest;
import io.grpc.Status;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The administration of DKE key names against a real node on SoftHSM, through the gRPC API and
 * the quorum: a name maps to a key only once two officers approved it (the alias resolved when
 * asked), is unmapped at once on one officer's signature, and every bad input is refused with its
 * reason and changes nothing; names are listed in pages, in order.
 */
class DkeAdminIT {
    @TempDir
    static Path dir;
    static TestServer node;
    static DkeAdminServiceBlockingStub dke;

    @BeforeAll
    static void start() {
        node = TestServer.start(dir);
        dke = node.adminDke();
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    private static List<String> names() {
        return dke.listKeyMappings(ListDkeKeyMappingsRequest.getDefaultInstance()).getMappingsList().stream()
                .map(DkeKeyMapping::getKeyName).toList();
    }

    /** An RSA decryption key, approved (DKE names map only those). */
    private static Key rsaKey(String alias) {
        CreateKeyRequest.Builder request = CreateKeyRequest.newBuilder().setKeySpec(coffre.kms.v1.KeySpec.RSA_2048)
                .setKeyUsage(coffre.kms.v1.KeyUsage.ENCRYPT_DECRYPT)
                .setAccessPolicy(coffre.kms.v1.AccessPolicy.newBuilder().addRules(coffre.kms.v1.AccessRule.newBuilder()
                        .addPrincipals("dke:*").addOperations(coffre.kms.v1.DataOperation.GET_PUBLIC_KEY)
                        .addOperations(coffre.kms.v1.DataOperation.DECRYPT)));
        if (alias != null) {
            request.setAlias(alias);
        }
        return node.createKey(request.build());
    }

    private static coffre.kms.v1.OfficerSignature alice(Operation operation) {
        return node.officers().get("alice").actNow(operation, node.now());
    }

    @Test
    void aNameIsMappedThroughTheQuorumAndUnmappedAtOnce() {
        Key key = rsaKey("dke-finance");
        ApprovalRequest map = dke.mapKey(MapDkeKeyRequest.newBuilder().setKeyName("finance")
                .setKeyId("alias/dke-finance").build()).getApprovalRequest();
        assertEquals(Operation.newBuilder().setMapDkeKey(DkeKeyMappingOperation.newBuilder().setKeyName("finance")
                .setKeyId(key.getId())).build(), Operations.of(map), "the alias resolved when asked");
        assertTrue(map.getSummary().contains("finance"), map.getSummary());
        assertTrue(!names().contains("finance"), "nothing mapped before the approval");
        ApprovalRequest done = node.approve(map);
        assertEquals(ApprovalState.EXECUTED, done.getState(), done.getFailureReason() + " " + done.getFailureMessage());
        ListDkeKeyMappingsResponse listed = dke.listKeyMappings(ListDkeKeyMappingsRequest.getDefaultInstance());
        DkeKeyMapping mapping = listed.getMappingsList().stream().filter(m -> m.getKeyName().equals("finance"))
                .findFirst().orElseThrow();
        assertEquals(key.getId(), mapping.getKeyId());
        assertTrue(mapping.hasCreateTime());

        Key other = rsaKey(null);
        Errors.expect(Status.Code.ALREADY_EXISTS, "DKE_KEY_MAPPING_ALREADY_EXISTS", () -> dke.mapKey(MapDkeKeyRequest
                .newBuilder().setKeyName("finance").setKeyId(other.getId()).build()));

        Operation unmap = Operation.newBuilder().setUnmapDkeKey(DkeKeyMappingOperation.newBuilder().setKeyName("finance"))
                .build();
        Errors.expect(Status.Code.PERMISSION_DENIED, "INVALID_SIGNATURE", () -> dke.unmapKey(UnmapDkeKeyRequest
                .newBuilder().setKeyName("finance").setSignature(alice(Operation.newBuilder().setUnmapDkeKey(
                        DkeKeyMappingOperation.newBuilder().setKeyName("other")).build())).build()));
        assertTrue(names().contains("finance"), "a signature over another name changed nothing");
        assertEquals(key.getId(), dke.unmapKey(UnmapDkeKeyRequest.newBuilder().setKeyName("finance")
                .setSignature(alice(unmap)).build()).getMapping().getKeyId());
        assertTrue(!names().contains("finance"));
        Errors.expect(Status.Code.NOT_FOUND, "DKE_KEY_MAPPING_NOT_FOUND", () -> dke.unmapKey(UnmapDkeKeyRequest
                .newBuilder().setKeyName("finance").setSignature(alice(unmap)).build()));

        List<AuditEvent> events = node.adminAudit().queryEvents(QueryAuditEventsRequest.newBuilder()
                .setType("UNMAP_DKE_KEY").build()).getEventsList();
        assertTrue(events.stream().anyMatch(e -> e.getDecision().equals("ALLOWED")), events.toString());
    }

    @Test
    void badRequestsAreRefusedAndChangeNothing() {
        Key key = rsaKey(null);
        Key aes = node.createKey();
        Errors.expect(Status.Code.FAILED_PRECONDITION, "INVALID_KEY_USAGE", () -> dke.mapKey(MapDkeKeyRequest
                .newBuilder().setKeyName("aes").setKeyId(aes.getId()).build()));
        Errors.expect(Status.Code.INVALID_ARGUMENT, "INVALID_DKE_KEY_NAME", () -> dke.mapKey(MapDkeKeyRequest
                .newBuilder().setKeyName("a/b").setKeyId(key.getId()).build()));
        Errors.expect(Status.Code.INVALID_ARGUMENT, "MISSING_FIELD", () -> dke.mapKey(MapDkeKeyRequest
                .newBuilder().setKeyId(key.getId()).build()));
        Errors.expect(Status.Code.NOT_FOUND, "KEY_NOT_FOUND", () -> dke.mapKey(MapDkeKeyRequest.newBuilder()
                .setKeyName("x").setKeyId("alias/nowhere").build()));
        Errors.expect(Status.Code.INVALID_ARGUMENT, "INVALID_KEY_ID", () -> dke.mapKey(MapDkeKeyRequest.newBuilder()
                .setKeyName("x").setKeyId("not-a-key").build()));
        Errors.expect(Status.Code.INVALID_ARGUMENT, "INVALID_DKE_KEY_NAME", () -> dke.unmapKey(UnmapDkeKeyRequest
                .newBuilder().setKeyName("..").build()));
        // Checked in full before the (missing) signature is looked at.
        Errors.expect(Status.Code.NOT_FOUND, "DKE_KEY_MAPPING_NOT_FOUND", () -> dke.unmapKey(UnmapDkeKeyRequest
                .newBuilder().setKeyName("nothing").build()));
        Errors.expect(Status.Code.INVALID_ARGUMENT, "INVALID_PAGINATION", () -> dke.listKeyMappings(
                ListDkeKeyMappingsRequest.newBuilder().setPageToken("forged").build()));
        assertTrue(!names().contains("x"));
    }

    @Test
    void aNamesPagesAreWalkedInOrder() {
        Key key = rsaKey(null);
        for (String name : List.of("page-c", "page-a", "page-b")) {
            assertEquals(ApprovalState.EXECUTED, node.approve(dke.mapKey(MapDkeKeyRequest.newBuilder().setKeyName(name)
                    .setKeyId(key.getId()).build()).getApprovalRequest()).getState());
        }
        ListDkeKeyMappingsResponse first = dke.listKeyMappings(ListDkeKeyMappingsRequest.newBuilder().setPageSize(1).build());
        String token = first.getNextPageToken();
        assertTrue(!token.isEmpty());
        List<String> pages = new java.util.ArrayList<>(first.getMappingsList().stream().map(DkeKeyMapping::getKeyName)
                .toList());
        while (!token.isEmpty()) {
            ListDkeKeyMappingsResponse page = dke.listKeyMappings(ListDkeKeyMappingsRequest.newBuilder().setPageSize(1)
                    .setPageToken(token).build());
            page.getMappingsList().forEach(m -> pages.add(m.getKeyName()));
            token = page.getNextPageToken();
        }
        assertEquals(pages.stream().sorted().toList(), pages);
        assertTrue(pages.containsAll(List.of("page-a", "page-b", "page-c")));
    }
}
