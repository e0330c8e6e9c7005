package coffre.kms.server.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.hsm.testing.SecretLedger;
import coffre.hsm.testing.SoftHsmTestToken;
import coffre.kms.server.testing.Errors;
import coffre.kms.server.testing.Operations;
import coffre.kms.server.testing.TestServer;
import coffre.kms.v1.ApprovalRequest;
import coffre.kms.v1.ApprovalState;
import coffre.kms.v1.AuditEvent;
import coffre.kms.v1.CreateKeyRequest;
import coffre.kms.v1.CreateXksKeyStoreOperation;
import coffre.kms.v1.CreateXksKeyStoreRequest;
import coffre.kms.v1.CreateXksKeyStoreResponse;
import coffre.kms.v1.DisableXksKeyStoreRequest;
import coffre.kms.v1.EnableXksKeyStoreRequest;
import coffre.kms.v1.GetXksKeyStoreRequest;
import coffre.kms.v1.Key;
import coffre.kms.v1.ListXksKeyMappingsRequest;
import coffre.kms.v1.ListXksKeyStoresRequest;
import coffre.kms.v1.MapXksKeyRequest;
import coffre.kms.v1.Operation;
import coffre.kms.v1.QueryAuditEventsRequest;
import coffre.kms.v1.RevokeXksCredentialRequest;
import coffre.kms.v1.RotateXksCredentialsRequest;
import coffre.kms.v1.RotateXksCredentialsResponse;
import coffre.kms.v1.UnmapXksKeyRequest;
import coffre.kms.v1.XksAdminServiceGrpc;
import coffre.kms.v1.XksAdminServiceGrpc.XksAdminServiceBlockingStub;
import coffre.kms.v1.XksCredential;
import coffre.kms.v1.XksCredentialOperation;
import coffre.kms.v1.XksCredentialState;
import coffre.kms.v1.XksKeyMappingOperation;
import coffre.kms.v1.XksKeyStore;
import coffre.kms.v1.XksKeyStoreOperation;
import coffre.kms.v1.XksKeyStoreState;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The administration of AWS external key stores against a real node on SoftHSM, through the gRPC
 * API and the quorum: credentials made in the HSM and shown once, approved by two officers,
 * rotated, revoked; keys mapped and unmapped; stores disabled and enabled; every bad input refused
 * with its reason; the directory the XKS edge reads answering SigV4's date key from the HSM.
 */
class XksAdminIT {
    private static final DateTimeFormatter YYYYMMDD = DateTimeFormatter.ofPattern("yyyyMMdd").withZone(ZoneOffset.UTC);

    @TempDir
    static Path dir;
    static TestServer node;
    static XksAdminServiceBlockingStub xks;

    @BeforeAll
    static void start() {
        node = TestServer.start(dir);
        xks = node.adminXks();
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    private static String today() {
        return YYYYMMDD.format(node.now());
    }

    private static CreateXksKeyStoreResponse request(String name) {
        CreateXksKeyStoreResponse response = xks.createKeyStore(CreateXksKeyStoreRequest.newBuilder()
                .setName(name).setUriPath("/" + name + "/kms/xks/v1").setRegion("eu-west-3").build());
        SecretLedger.record(response.getCredential().getRawSecretAccessKey());
        return response;
    }

    /** A store asked for and approved by two officers. */
    private static CreateXksKeyStoreResponse created(String name) {
        CreateXksKeyStoreResponse response = request(name);
        executed(response.getApprovalRequest());
        return response;
    }

    private static ApprovalRequest executed(ApprovalRequest request) {
        ApprovalRequest done = node.approve(request);
        assertEquals(ApprovalState.EXECUTED, done.getState(), done.getFailureReason() + " " + done.getFailureMessage());
        return done;
    }

    private static XksKeyStore get(String id) {
        return xks.getKeyStore(GetXksKeyStoreRequest.newBuilder().setKeyStoreId(id).build()).getKeyStore();
    }

    private static byte[] jdkDateKey(String secret, String date) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(("AWS4" + secret).getBytes(StandardCharsets.US_ASCII), "HmacSHA256"));
            return mac.doFinal(date.getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }

    private static byte[] dateKey(String storeId, String accessKeyId) {
        return node.server().keyStores().dateKey(storeId, accessKeyId, today()).orElse(null);
    }

    private static coffre.kms.v1.OfficerSignature alice(Operation operation) {
        return node.officers().get("alice").actNow(operation, node.now());
    }

    private static java.util.Set<String> credentialLabels() {
        return SoftHsmTestToken.get().pkcs11ToolObjects().keySet().stream().filter(l -> l.startsWith("coffre:xks-cred:"))
                .collect(java.util.stream.Collectors.toSet());
    }

    private static Map<String, XksCredentialState> states(XksKeyStore store) {
        return store.getCredentialsList().stream().collect(java.util.stream.Collectors.toMap(
                XksCredential::getAccessKeyId, XksCredential::getState));
    }

    @Test
    void aStoreExistsOnceTwoOfficersApproveAndItsCredentialThenSignsInTheHsm() {
        CreateXksKeyStoreResponse response = request("paris");
        var secret = response.getCredential();
        assertTrue(response.getKeyStoreId().matches("xks-[a-z2-7]{26}"), response.getKeyStoreId());
        assertTrue(secret.getAccessKeyId().matches("[A-Z2-7]{24}"), secret.getAccessKeyId());
        assertTrue(secret.getRawSecretAccessKey().matches("[A-Za-z0-9+/]{43}="), "44 characters of Base64");
        assertEquals("/paris/kms/xks/v1", secret.getUriPath());
        assertEquals(ApprovalState.PENDING, response.getApprovalRequest().getState());
        assertEquals(Operation.newBuilder().setCreateXksKeyStore(CreateXksKeyStoreOperation.newBuilder()
                        .setKeyStoreId(response.getKeyStoreId()).setName("paris").setUriPath("/paris/kms/xks/v1")
                        .setRegion("eu-west-3").setAccessKeyId(secret.getAccessKeyId())).build(),
                Operations.of(response.getApprovalRequest()), "what officers sign");
        Errors.expect(Status.Code.NOT_FOUND, "XKS_KEY_STORE_NOT_FOUND", () -> get(response.getKeyStoreId()));
        assertEquals(null, dateKey(response.getKeyStoreId(), secret.getAccessKeyId()), "pending: no signature works");

        assertEquals(response.getKeyStoreId(), executed(response.getApprovalRequest()).getResult());

        XksKeyStore store = get(response.getKeyStoreId());
        assertEquals("paris", store.getName());
        assertEquals("/paris/kms/xks/v1", store.getUriPath());
        assertEquals("eu-west-3", store.getRegion());
        assertEquals(XksKeyStoreState.XKS_KEY_STORE_ENABLED, store.getState());
        assertEquals(Map.of(secret.getAccessKeyId(), XksCredentialState.XKS_CREDENTIAL_ACTIVE), states(store));
        assertEquals(store, get("name/paris"));
        assertArrayEquals(jdkDateKey(secret.getRawSecretAccessKey(), today()),
                dateKey(store.getId(), secret.getAccessKeyId()));
        assertEquals(store.getId(), node.server().keyStores().byUriPath("/paris/kms/xks/v1").orElseThrow().id());
    }

    @Test
    void theCredentialIsASensitiveNeverExtractableHsmObject() {
        CreateXksKeyStoreResponse response = request("hsm-check");
        String label = "coffre:xks-cred:" + response.getCredential().getAccessKeyId();
        SoftHsmTestToken.ToolObject object = SoftHsmTestToken.get().pkcs11ToolObjects().get(label);
        assertTrue(object != null, "pkcs11-tool does not list " + label);
        assertTrue(object.type().contains("Generic secret length 48"), object.type());
        assertTrue(object.sensitive(), object.toString());
        assertFalse(object.extractable(), object.toString());
        assertEquals(java.util.Set.of("verify"), object.usage(), "MAC only: pkcs11-tool shows sign as verify");
    }

    @Test
    void rotationGivesTwoActiveCredentialsAndRevocationLeavesOne() {
        CreateXksKeyStoreResponse first = created("lyon");
        String store = first.getKeyStoreId();
        String firstId = first.getCredential().getAccessKeyId();
        RotateXksCredentialsResponse second = xks.rotateCredentials(RotateXksCredentialsRequest.newBuilder()
                .setKeyStoreId(store).build());
        SecretLedger.record(second.getCredential().getRawSecretAccessKey());
        String secondId = second.getCredential().getAccessKeyId();
        assertEquals(Operation.newBuilder().setActivateXksCredential(XksCredentialOperation.newBuilder()
                .setKeyStoreId(store).setAccessKeyId(secondId)).build(), Operations.of(second.getApprovalRequest()));
        assertEquals(XksCredentialState.XKS_CREDENTIAL_PENDING, states(get(store)).get(secondId));
        executed(second.getApprovalRequest());
        assertEquals(Map.of(firstId, XksCredentialState.XKS_CREDENTIAL_ACTIVE, secondId,
                XksCredentialState.XKS_CREDENTIAL_ACTIVE), states(get(store)));
        assertArrayEquals(jdkDateKey(second.getCredential().getRawSecretAccessKey(), today()), dateKey(store, secondId));
        assertArrayEquals(jdkDateKey(first.getCredential().getRawSecretAccessKey(), today()), dateKey(store, firstId));

        Errors.Seen limit = Errors.expect(Status.Code.FAILED_PRECONDITION, "XKS_CREDENTIAL_LIMIT_REACHED",
                () -> xks.rotateCredentials(RotateXksCredentialsRequest.newBuilder().setKeyStoreId(store).build()));
        assertTrue(limit.message().contains("revoke one"), limit.message());

        Operation revoke = Operation.newBuilder().setRevokeXksCredential(XksCredentialOperation.newBuilder()
                .setKeyStoreId(store).setAccessKeyId(firstId)).build();
        Errors.expect(Status.Code.INVALID_ARGUMENT, "MISSING_FIELD", () -> xks.revokeCredential(
                RevokeXksCredentialRequest.newBuilder().setKeyStoreId(store).setAccessKeyId(firstId).build()));
        Operation other = Operation.newBuilder().setRevokeXksCredential(XksCredentialOperation.newBuilder()
                .setKeyStoreId(store).setAccessKeyId(secondId)).build();
        Errors.expect(Status.Code.PERMISSION_DENIED, "INVALID_SIGNATURE", () -> xks.revokeCredential(
                RevokeXksCredentialRequest.newBuilder().setKeyStoreId(store).setAccessKeyId(firstId)
                        .setSignature(alice(other)).build()));
        assertTrue(dateKey(store, firstId) != null, "a refused revocation changes nothing");

        XksKeyStore after = xks.revokeCredential(RevokeXksCredentialRequest.newBuilder().setKeyStoreId(store)
                .setAccessKeyId(firstId).setSignature(alice(revoke)).build()).getKeyStore();
        assertEquals(Map.of(firstId, XksCredentialState.XKS_CREDENTIAL_REVOKED, secondId,
                XksCredentialState.XKS_CREDENTIAL_ACTIVE), states(after));
        assertEquals(null, dateKey(store, firstId));
        assertTrue(dateKey(store, secondId) != null);
        assertFalse(SoftHsmTestToken.get().pkcs11ToolObjects().containsKey("coffre:xks-cred:" + firstId),
                "the revoked credential's HSM key is destroyed");
        RotateXksCredentialsResponse third = xks.rotateCredentials(RotateXksCredentialsRequest.newBuilder()
                .setKeyStoreId(store).build());
        SecretLedger.record(third.getCredential().getRawSecretAccessKey());
    }

    @Test
    void externalKeyIdsAreMappedThroughTheQuorumAndUnmappedAtOnce() {
        String store = created("nantes").getKeyStoreId();
        Key key = node.createKey(CreateKeyRequest.newBuilder().setAlias("xks-orders").build());
        ApprovalRequest map = xks.mapKey(MapXksKeyRequest.newBuilder().setKeyStoreId(store)
                .setExternalKeyId("orders-1").setKeyId("alias/xks-orders").build()).getApprovalRequest();
        assertEquals(Operation.newBuilder().setMapXksKey(XksKeyMappingOperation.newBuilder().setKeyStoreId(store)
                .setExternalKeyId("orders-1").setKeyId(key.getId())).build(), Operations.of(map), "the alias resolved");
        assertTrue(node.server().keyStores().mapping(store, "orders-1").isEmpty(), "not before approval");
        executed(map);
        assertEquals(key.getId(), node.server().keyStores().mapping(store, "orders-1").orElseThrow().keyId().value());
        assertEquals(List.of("orders-1"), xks.listKeyMappings(ListXksKeyMappingsRequest.newBuilder().setKeyStoreId(store)
                .build()).getMappingsList().stream().map(m -> m.getExternalKeyId()).toList());

        Key other = node.createKey();
        Errors.expect(Status.Code.ALREADY_EXISTS, "XKS_KEY_MAPPING_ALREADY_EXISTS", () -> xks.mapKey(MapXksKeyRequest
                .newBuilder().setKeyStoreId(store).setExternalKeyId("orders-1").setKeyId(other.getId()).build()));

        Operation unmap = Operation.newBuilder().setUnmapXksKey(XksKeyMappingOperation.newBuilder().setKeyStoreId(store)
                .setExternalKeyId("orders-1")).build();
        assertEquals(key.getId(), xks.unmapKey(UnmapXksKeyRequest.newBuilder().setKeyStoreId(store)
                .setExternalKeyId("orders-1").setSignature(alice(unmap)).build()).getMapping().getKeyId());
        assertTrue(node.server().keyStores().mapping(store, "orders-1").isEmpty());
        Errors.expect(Status.Code.NOT_FOUND, "XKS_KEY_MAPPING_NOT_FOUND", () -> xks.unmapKey(UnmapXksKeyRequest
                .newBuilder().setKeyStoreId(store).setExternalKeyId("orders-1").setSignature(alice(unmap)).build()));
    }

    @Test
    void disablingActsAtOnceAndEnablingNeedsTheQuorum() {
        String store = created("lille").getKeyStoreId();
        Operation disable = Operation.newBuilder().setDisableXksKeyStore(XksKeyStoreOperation.newBuilder()
                .setKeyStoreId(store)).build();
        assertEquals(XksKeyStoreState.XKS_KEY_STORE_DISABLED, xks.disableKeyStore(DisableXksKeyStoreRequest.newBuilder()
                .setKeyStoreId(store).setSignature(alice(disable)).build()).getKeyStore().getState());
        assertEquals(coffre.kms.server.keystores.ExternalKeyStore.State.DISABLED,
                node.server().keyStores().byUriPath("/lille/kms/xks/v1").orElseThrow().state());
        Errors.expect(Status.Code.PERMISSION_DENIED, "INVALID_SIGNATURE", () -> xks.disableKeyStore(
                DisableXksKeyStoreRequest.newBuilder().setKeyStoreId(store).setSignature(alice(disable)).build()));

        ApprovalRequest enable = xks.enableKeyStore(EnableXksKeyStoreRequest.newBuilder().setKeyStoreId(store).build())
                .getApprovalRequest();
        assertEquals(XksKeyStoreState.XKS_KEY_STORE_DISABLED, get(store).getState(), "not before approval");
        executed(enable);
        assertEquals(XksKeyStoreState.XKS_KEY_STORE_ENABLED, get(store).getState());
    }

    @Test
    void everyBadInputHasItsReasonAndChangesNothing() {
        String store = created("bordeaux").getKeyStoreId();
        int stores = xks.listKeyStores(ListXksKeyStoresRequest.newBuilder().setPageSize(1000).build()).getKeyStoresCount();
        java.util.Set<String> credentialsInHsm = credentialLabels();
        Map<String, String> fields = Map.of("BAD", "name", "/x/kms/xks/v2", "uri_path", "EU", "region");
        for (var bad : List.of(List.of("BAD", "/x/kms/xks/v1", "eu-west-3"), List.of("x", "/x/kms/xks/v2", "eu-west-3"),
                List.of("x", "/x/kms/xks/v1", "EU"))) {
            Errors.Seen seen = Errors.expect(Status.Code.INVALID_ARGUMENT, "INVALID_XKS_KEY_STORE", () -> xks.createKeyStore(
                    CreateXksKeyStoreRequest.newBuilder().setName(bad.get(0)).setUriPath(bad.get(1)).setRegion(bad.get(2))
                            .build()));
            String field = fields.get(bad.stream().filter(fields::containsKey).findFirst().orElseThrow());
            assertEquals(field, seen.metadata().get("field"), bad.toString());
        }
        Errors.expect(Status.Code.INVALID_ARGUMENT, "MISSING_FIELD", () -> xks.createKeyStore(
                CreateXksKeyStoreRequest.newBuilder().setUriPath("/y/kms/xks/v1").setRegion("eu-west-3").build()));
        assertEquals("name", Errors.expect(Status.Code.ALREADY_EXISTS, "XKS_KEY_STORE_ALREADY_EXISTS", () -> xks.createKeyStore(
                CreateXksKeyStoreRequest.newBuilder().setName("bordeaux").setUriPath("/y/kms/xks/v1").setRegion("eu-west-3")
                        .build())).metadata().get("field"));
        assertEquals("uri_path", Errors.expect(Status.Code.ALREADY_EXISTS, "XKS_KEY_STORE_ALREADY_EXISTS", () -> xks.createKeyStore(
                CreateXksKeyStoreRequest.newBuilder().setName("y").setUriPath("/bordeaux/kms/xks/v1").setRegion("eu-west-3")
                        .build())).metadata().get("field"));
        Errors.expect(Status.Code.NOT_FOUND, "XKS_KEY_STORE_NOT_FOUND", () -> get("xks-aaaaaaaaaaaaaaaaaaaaaaaaaa"));
        Errors.expect(Status.Code.NOT_FOUND, "XKS_KEY_STORE_NOT_FOUND", () -> get("name/nowhere"));
        Errors.expect(Status.Code.INVALID_ARGUMENT, "INVALID_XKS_KEY_STORE", () -> get("bordeaux"));
        Errors.expect(Status.Code.NOT_FOUND, "XKS_KEY_STORE_NOT_FOUND", () -> xks.rotateCredentials(
                RotateXksCredentialsRequest.newBuilder().setKeyStoreId("xks-aaaaaaaaaaaaaaaaaaaaaaaaaa").build()));
        Errors.expect(Status.Code.INVALID_ARGUMENT, "INVALID_XKS_EXTERNAL_KEY_ID", () -> xks.mapKey(MapXksKeyRequest
                .newBuilder().setKeyStoreId(store).setExternalKeyId("a/b").setKeyId("alias/none").build()));
        Errors.expect(Status.Code.NOT_FOUND, "KEY_NOT_FOUND", () -> xks.mapKey(MapXksKeyRequest.newBuilder()
                .setKeyStoreId(store).setExternalKeyId("e").setKeyId("key-aaaaaaaaaaaaaaaaaaaaaaaaaa").build()));
        Errors.expect(Status.Code.INVALID_ARGUMENT, "INVALID_KEY_ID", () -> xks.mapKey(MapXksKeyRequest.newBuilder()
                .setKeyStoreId(store).setExternalKeyId("e").setKeyId("nope").build()));
        Errors.expect(Status.Code.INVALID_ARGUMENT, "INVALID_XKS_ACCESS_KEY_ID", () -> xks.revokeCredential(
                RevokeXksCredentialRequest.newBuilder().setKeyStoreId(store).setAccessKeyId("lowercase-is-not-base32").build()));
        Errors.expect(Status.Code.NOT_FOUND, "XKS_CREDENTIAL_NOT_FOUND", () -> xks.revokeCredential(
                RevokeXksCredentialRequest.newBuilder().setKeyStoreId(store).setAccessKeyId("ABCDEFGHIJKLMNOPQRSTUVWX").build()));
        Errors.expect(Status.Code.NOT_FOUND, "XKS_KEY_MAPPING_NOT_FOUND", () -> xks.unmapKey(
                UnmapXksKeyRequest.newBuilder().setKeyStoreId(store).setExternalKeyId("never-mapped").build()));
        Errors.expect(Status.Code.INVALID_ARGUMENT, "INVALID_PAGINATION", () -> xks.listKeyStores(
                ListXksKeyStoresRequest.newBuilder().setPageSize(1001).build()));
        Errors.expect(Status.Code.INVALID_ARGUMENT, "INVALID_PAGINATION", () -> xks.listKeyMappings(
                ListXksKeyMappingsRequest.newBuilder().setKeyStoreId(store).setPageToken("forged").build()));

        assertEquals(stores, xks.listKeyStores(ListXksKeyStoresRequest.newBuilder().setPageSize(1000).build())
                .getKeyStoresCount());
        assertEquals(credentialsInHsm, credentialLabels(), "no credential made in the HSM");
        assertEquals(List.of(), xks.listKeyMappings(ListXksKeyMappingsRequest.newBuilder().setKeyStoreId(store).build())
                .getMappingsList());
    }

    @Test
    void onlyAdministratorsAskAndServicesGetNothing() {
        XksAdminServiceBlockingStub service = XksAdminServiceGrpc.newBlockingStub(node.serviceChannel());
        Errors.expect(Status.Code.PERMISSION_DENIED, "PERMISSION_DENIED",
                () -> service.listKeyStores(ListXksKeyStoresRequest.getDefaultInstance()));
        Errors.expect(Status.Code.PERMISSION_DENIED, "PERMISSION_DENIED", () -> service.createKeyStore(
                CreateXksKeyStoreRequest.newBuilder().setName("s").setUriPath("/s/kms/xks/v1").setRegion("eu-west-3").build()));
    }

    @Test
    void theAuditNamesTheCredentialButNeverItsSecret() {
        CreateXksKeyStoreResponse response = created("audited");
        String secret = response.getCredential().getRawSecretAccessKey();
        List<AuditEvent> events = node.adminAudit().queryEvents(QueryAuditEventsRequest.newBuilder()
                .setType("CREATE_XKS_KEY_STORE").setPageSize(1000).build()).getEventsList();
        AuditEvent event = events.stream().filter(e -> e.getDetail().contains(response.getKeyStoreId()))
                .findFirst().orElseThrow(() -> new AssertionError("no audit event for the store: " + events));
        assertTrue(event.getDetail().contains("access_key_id=" + response.getCredential().getAccessKeyId()), event.getDetail());
        assertTrue(event.getDetail().contains("name=audited"), event.getDetail());
        assertEquals(response.getApprovalRequest().getId(), event.getTarget());
        assertFalse(event.toString().contains(secret));
    }
}
