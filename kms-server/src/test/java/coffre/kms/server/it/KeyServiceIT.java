package coffre.kms.server.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.hsm.testing.SoftHsmTestToken;
import coffre.kms.server.testing.Errors;
import coffre.kms.server.testing.TestServer;
import coffre.kms.v1.CancelKeyDeletionRequest;
import coffre.kms.v1.CreateKeyRequest;
import coffre.kms.v1.CryptoServiceGrpc.CryptoServiceBlockingStub;
import coffre.kms.v1.EnableKeyRequest;
import coffre.kms.v1.GetKeyRequest;
import coffre.kms.v1.Key;
import coffre.kms.v1.KeyServiceGrpc;
import coffre.kms.v1.KeyServiceGrpc.KeyServiceBlockingStub;
import coffre.kms.v1.KeyState;
import coffre.kms.v1.KeyVersionState;
import coffre.kms.v1.ListKeysRequest;
import coffre.kms.v1.ListKeysResponse;
import coffre.kms.v1.ScheduleKeyDeletionRequest;
import coffre.kms.v1.UnwrapRequest;
import coffre.kms.v1.WrapRequest;
import com.google.protobuf.ByteString;
import io.grpc.Status;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The key lifecycle against a real node, checked in the HSM with an independent tool. */
class KeyServiceIT {
    @TempDir
    static Path dir;
    static TestServer node;
    static KeyServiceBlockingStub keys;
    static CryptoServiceBlockingStub crypto;

    @BeforeAll
    static void start() {
        node = TestServer.start(dir);
        keys = node.adminKeys();
        crypto = node.serviceCrypto();
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    private static String label(Key key, int version) {
        return "coffre:" + key.getId() + ":v" + version;
    }

    private static ByteString wrap(Key key) {
        return crypto.wrap(WrapRequest.newBuilder().setKeyId(key.getId()).setPlaintext(ByteString.copyFrom(new byte[] {9}))
                .build()).getEnvelope();
    }

    private static byte[] unwrap(ByteString envelope) {
        return crypto.unwrap(UnwrapRequest.newBuilder().setEnvelope(envelope).build()).getPlaintext().toByteArray();
    }

    @Test
    void createdKeysLiveInTheHsmAsSensitiveNeverExtractableLocalObjects() {
        Key key = node.createKey(CreateKeyRequest.newBuilder().setDescription("orders")
                .putLabels("team", "billing").build());
        assertTrue(key.getId().matches("key-[a-z2-7]{26}"));
        assertEquals(KeyState.ENABLED, key.getState());
        assertEquals("orders", key.getDescription());
        assertEquals(Map.of("team", "billing"), key.getLabelsMap());
        SoftHsmTestToken.ToolObject object = SoftHsmTestToken.get().pkcs11ToolObjects().get(label(key, 1));
        assertTrue(object != null, "pkcs11-tool does not list " + label(key, 1));
        assertTrue(object.sensitive(), object.toString());
        assertTrue(object.neverExtractable(), object.toString());
        assertTrue(object.local(), object.toString());
        assertFalse(object.extractable(), object.toString());
        assertEquals(key, keys.getKey(GetKeyRequest.newBuilder().setKeyId(key.getId()).build()).getKey());
    }

    @Test
    void aliasesAreUnique() {
        String alias = "unique-" + System.nanoTime();
        Key key = node.createKey(CreateKeyRequest.newBuilder().setAlias(alias).build());
        assertEquals(key, keys.getKey(GetKeyRequest.newBuilder().setKeyId("alias/" + alias).build()).getKey());
        Errors.expect(Status.Code.ALREADY_EXISTS, "ALIAS_ALREADY_EXISTS",
                () -> keys.createKey(CreateKeyRequest.newBuilder().setAlias(alias).build()));
    }

    @Test
    void creationInputsAreValidated() {
        Errors.expect(Status.Code.INVALID_ARGUMENT, "INVALID_ALIAS",
                () -> keys.createKey(CreateKeyRequest.newBuilder().setAlias("x".repeat(65)).build()));
        Errors.expect(Status.Code.INVALID_ARGUMENT, "INVALID_DESCRIPTION",
                () -> keys.createKey(CreateKeyRequest.newBuilder().setDescription("d".repeat(1025)).build()));
        Errors.expect(Status.Code.INVALID_ARGUMENT, "INVALID_LABELS",
                () -> keys.createKey(CreateKeyRequest.newBuilder().putLabels("Bad Key", "v").build()));
        Errors.expect(Status.Code.NOT_FOUND, "KEY_NOT_FOUND",
                () -> keys.getKey(GetKeyRequest.newBuilder().setKeyId("key-aaaaaaaaaaaaaaaaaaaaaaaaaa").build()));
    }

    @Test
    void listingPagesThroughEveryKeyOnce() {
        for (int i = 0; i < 7; i++) {
            node.createKey();
        }
        List<String> ids = new ArrayList<>();
        String token = "";
        int pages = 0;
        do {
            ListKeysResponse page = keys.listKeys(ListKeysRequest.newBuilder().setPageSize(3).setPageToken(token).build());
            assertTrue(page.getKeysCount() <= 3);
            page.getKeysList().forEach(k -> ids.add(k.getId()));
            token = page.getNextPageToken();
            pages++;
        } while (!token.isEmpty());
        Set<String> unique = new HashSet<>(ids);
        assertEquals(ids.size(), unique.size());
        assertEquals(ids.stream().sorted().toList(), ids);
        assertEquals(keys.listKeys(ListKeysRequest.newBuilder().setPageSize(1000).build()).getKeysCount(), ids.size());
        assertTrue(pages >= 3);
        Errors.expect(Status.Code.INVALID_ARGUMENT, "INVALID_PAGINATION",
                () -> keys.listKeys(ListKeysRequest.newBuilder().setPageSize(1001).build()));
        Errors.expect(Status.Code.INVALID_ARGUMENT, "INVALID_PAGINATION",
                () -> keys.listKeys(ListKeysRequest.newBuilder().setPageToken("forged").build()));
    }

    @Test
    void scheduledDeletionRefusesUseCancelRestoresAndDestructionRemovesTheHsmObjects() {
        Key key = node.createKey();
        ByteString envelope = wrap(key);
        node.approved(keys.rotateKey(coffre.kms.v1.RotateKeyRequest.newBuilder().setKeyId(key.getId()).build())
                .getApprovalRequest());

        Errors.expect(Status.Code.INVALID_ARGUMENT, "INVALID_PENDING_WINDOW", () -> keys.scheduleKeyDeletion(
                ScheduleKeyDeletionRequest.newBuilder().setKeyId(key.getId()).setPendingWindowDays(6).build()));
        Errors.expect(Status.Code.INVALID_ARGUMENT, "INVALID_PENDING_WINDOW", () -> keys.scheduleKeyDeletion(
                ScheduleKeyDeletionRequest.newBuilder().setKeyId(key.getId()).setPendingWindowDays(31).build()));

        Key pending = node.approved(keys.scheduleKeyDeletion(ScheduleKeyDeletionRequest.newBuilder()
                .setKeyId(key.getId()).build()).getApprovalRequest());
        assertEquals(KeyState.PENDING_DELETION, pending.getState());
        assertEquals(Duration.ofDays(30).toSeconds(),
                pending.getDeletionTime().getSeconds() - pending.getUpdateTime().getSeconds());
        Errors.expect(Status.Code.FAILED_PRECONDITION, "KEY_PENDING_DELETION", () -> unwrap(envelope));
        Errors.expect(Status.Code.FAILED_PRECONDITION, "KEY_PENDING_DELETION", () -> wrap(key));
        Errors.expect(Status.Code.FAILED_PRECONDITION, "KEY_PENDING_DELETION",
                () -> keys.enableKey(EnableKeyRequest.newBuilder().setKeyId(key.getId()).build()));

        Key cancelled = node.approved(keys.cancelKeyDeletion(CancelKeyDeletionRequest.newBuilder()
                .setKeyId(key.getId()).build()).getApprovalRequest());
        assertEquals(KeyState.DISABLED, cancelled.getState());
        node.approved(keys.enableKey(EnableKeyRequest.newBuilder().setKeyId(key.getId()).build()).getApprovalRequest());
        assertArrayEquals(new byte[] {9}, unwrap(envelope));

        node.approved(keys.scheduleKeyDeletion(ScheduleKeyDeletionRequest.newBuilder().setKeyId(key.getId())
                .setPendingWindowDays(7).build()).getApprovalRequest());
        node.clock().advance(Duration.ofDays(6));
        node.server().runDeletionJobNow();
        assertTrue(SoftHsmTestToken.get().pkcs11ToolObjects().keySet().contains(label(key, 1)));
        node.clock().advance(Duration.ofDays(1).plusSeconds(1));
        assertTrue(node.server().runDeletionJobNow() >= 1);

        Set<String> labels = SoftHsmTestToken.get().pkcs11ToolObjects().keySet();
        assertFalse(labels.contains(label(key, 1)), "version 1 must be gone from the HSM");
        assertFalse(labels.contains(label(key, 2)), "version 2 must be gone from the HSM");
        Key destroyed = keys.getKey(GetKeyRequest.newBuilder().setKeyId(key.getId()).build()).getKey();
        assertEquals(KeyState.DESTROYED, destroyed.getState());
        assertTrue(destroyed.hasDestroyTime());
        destroyed.getVersionsList().forEach(v -> assertEquals(KeyVersionState.KEY_VERSION_DESTROYED, v.getState()));
        Errors.Seen seen = Errors.expect(Status.Code.FAILED_PRECONDITION, "KEY_DESTROYED", () -> unwrap(envelope));
        assertTrue(seen.message().contains("destroyed"));
        Errors.expect(Status.Code.FAILED_PRECONDITION, "KEY_DESTROYED",
                () -> keys.cancelKeyDeletion(CancelKeyDeletionRequest.newBuilder().setKeyId(key.getId()).build()));
    }

    @Test
    void cancellingAKeyThatIsNotPendingIsRefused() {
        Key key = node.createKey();
        Errors.expect(Status.Code.FAILED_PRECONDITION, "KEY_NOT_PENDING_DELETION",
                () -> keys.cancelKeyDeletion(CancelKeyDeletionRequest.newBuilder().setKeyId(key.getId()).build()));
    }

    @Test
    void dataPlaneClientsCannotManageKeysNorAdministratorsUseThem() {
        KeyServiceBlockingStub asService = KeyServiceGrpc.newBlockingStub(
                node.channelFor(node.pki().clientWithUri("svc-as-admin", TestServer.SERVICE)));
        Errors.expect(Status.Code.PERMISSION_DENIED, "PERMISSION_DENIED",
                () -> asService.createKey(CreateKeyRequest.getDefaultInstance()));
        Key key = node.createKey();
        Errors.expect(Status.Code.PERMISSION_DENIED, "PERMISSION_DENIED", () -> coffre.kms.v1.CryptoServiceGrpc
                .newBlockingStub(node.channelFor(node.pki().clientWithUri("admin-as-svc", TestServer.ADMIN)))
                .wrap(WrapRequest.newBuilder().setKeyId(key.getId()).setPlaintext(ByteString.copyFromUtf8("x")).build()));
    }
}
