package coffre.kms.server.xks;

import static coffre.kms.server.xks.XksFixture.decryptBody;
import static coffre.kms.server.xks.XksFixture.encryptBody;
import static coffre.kms.server.xks.XksFixture.healthBody;
import static coffre.kms.server.xks.XksFixture.metadataBody;
import static coffre.kms.server.xks.XksFixture.requestId;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.hsm.pkcs11.Pkcs11Hsm;
import coffre.hsm.testing.SecretLedger;
import coffre.hsm.testing.SoftHsmTestToken;
import coffre.kms.server.config.XksSettings;
import coffre.kms.server.testing.PostgresTestDatabase;
import coffre.kms.server.testing.TestCluster;
import coffre.kms.server.testing.TestPki;
import coffre.kms.server.testing.TestServer;
import coffre.kms.v1.AccessPolicy;
import coffre.kms.v1.AccessRule;
import coffre.kms.v1.ApprovalRequest;
import coffre.kms.v1.ApprovalState;
import coffre.kms.v1.CreateKeyRequest;
import coffre.kms.v1.CreateXksKeyStoreRequest;
import coffre.kms.v1.CreateXksKeyStoreResponse;
import coffre.kms.v1.DataOperation;
import coffre.kms.v1.DisableKeyRequest;
import coffre.kms.v1.DisableXksKeyStoreRequest;
import coffre.kms.v1.EnableXksKeyStoreRequest;
import coffre.kms.v1.KeyOperation;
import coffre.kms.v1.MapXksKeyRequest;
import coffre.kms.v1.Operation;
import coffre.kms.v1.RevokeXksCredentialRequest;
import coffre.kms.v1.RotateXksCredentialsRequest;
import coffre.kms.v1.RotateXksCredentialsResponse;
import coffre.kms.v1.UnmapXksKeyRequest;
import coffre.kms.v1.XksAdminServiceGrpc;
import coffre.kms.v1.XksAdminServiceGrpc.XksAdminServiceBlockingStub;
import coffre.kms.v1.XksCredentialOperation;
import coffre.kms.v1.XksKeyMappingOperation;
import coffre.kms.v1.XksKeyStoreOperation;
import coffre.kms.v1.XksSecretCredential;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two nodes on the shared test PostgreSQL (a fresh schema; the database is never stopped), each
 * with its XKS listener serving its OWN key-store registry, one PKCS#11 instance per node on one
 * SoftHSM token (a network HSM as several processes see it): a key store and its mappings made
 * through node A, approved by the officers there, are served by node B with the secret node A
 * handed out; what node A then changes (a Coffre key disabled, the key store disabled or enabled, an
 * external key unmapped, a credential revoked) is what node B's XKS API answers within a second,
 * through the cluster's change feed alone. Each delay is measured and printed.
 */
class XksClusterIT {
    private static final String REGION = "eu-west-3";
    private static final Duration WITHIN = Duration.ofSeconds(1);

    @TempDir
    static Path dir;
    private static TestCluster cluster;
    private static TestCluster.Node a;
    private static TestCluster.Node b;

    /** The access key id and secret the administrator received once. */
    private record Credential(String accessKeyId, String secret) {
        static Credential kept(XksSecretCredential credential) {
            SecretLedger.record(credential.getRawSecretAccessKey());
            return new Credential(credential.getAccessKeyId(), credential.getRawSecretAccessKey());
        }

        @Override
        public String toString() {
            return "Credential[" + accessKeyId + "]";
        }
    }

    /** A key store created through node A: its id, API path and first credential. */
    private record Store(String id, String api, Credential first) {
        String path(String externalKeyId, String operation) {
            return api + "/keys/" + externalKeyId + "/" + operation;
        }
    }

    @BeforeAll
    static void start() {
        PostgresTestDatabase db = PostgresTestDatabase.require();
        Supplier<coffre.hsm.Hsm> hsm = () -> Pkcs11Hsm.open(SoftHsmTestToken.get().config(TestCluster.SESSIONS));
        cluster = TestCluster.startWithXks(dir, db, 2, hsm, new TestServer.XksSetup(pki -> {
            TestPki.Issued cert = pki.server("xks-server");
            return new XksSettings("127.0.0.1", 0, cert.certificate(), cert.privateKey(), null, List.of(), "Coffre",
                    null, null, Duration.ofSeconds(1), 256);
        }, null));
        a = cluster.node(0);
        b = cluster.node(1);
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static XksAdminServiceBlockingStub admin(TestCluster.Node node) {
        return XksAdminServiceGrpc.newBlockingStub(node.adminChannel());
    }

    private static coffre.kms.v1.OfficerSignature alice(Operation operation) {
        return cluster.officers().get("alice").actNow(operation, Instant.now());
    }

    private static ApprovalRequest executed(ApprovalRequest request) {
        ApprovalRequest done = cluster.approve(request, a, a);
        assertEquals(ApprovalState.EXECUTED, done.getState(), done.getFailureReason() + " " + done.getFailureMessage());
        return done;
    }

    /** A key store created and approved on node A. */
    private static Store created(String name) {
        CreateXksKeyStoreResponse response = admin(a).createKeyStore(CreateXksKeyStoreRequest.newBuilder().setName(name)
                .setUriPath("/" + name + "/kms/xks/v1").setRegion(REGION).build());
        Credential first = Credential.kept(response.getCredential());
        executed(response.getApprovalRequest());
        return new Store(response.getKeyStoreId(), response.getCredential().getUriPath(), first);
    }

    /** A key for {@code xks:<name>} (WRAP, UNWRAP), made and mapped through node A; returns its id. */
    private static String mappedKey(Store store, String name, String externalKeyId) {
        CreateKeyRequest request = CreateKeyRequest.newBuilder().setAccessPolicy(AccessPolicy.newBuilder()
                .addRules(AccessRule.newBuilder().addPrincipals("xks:" + name)
                        .addAllOperations(List.of(DataOperation.WRAP, DataOperation.UNWRAP)))).build();
        String keyId = executed(a.adminKeys().createKey(request).getApprovalRequest()).getResult();
        executed(admin(a).mapKey(MapXksKeyRequest.newBuilder().setKeyStoreId(store.id())
                .setExternalKeyId(externalKeyId).setKeyId(keyId).build()).getApprovalRequest());
        return keyId;
    }

    private static XksTestClient client(TestCluster.Node node) {
        return new XksTestClient(node.xksPort(), cluster.pki().caFile(), null, HttpClient.Version.HTTP_2);
    }

    private static AwsSdkSigner signer(Credential credential) {
        return new AwsSdkSigner(credential.accessKeyId(), credential.secret(), REGION, SigV4Verifier.SERVICE,
                Instant.now());
    }

    private static Supplier<XksTestClient.Response> encrypting(TestCluster.Node node, Store store, Credential as,
                                                               String externalKeyId) {
        XksTestClient client = client(node);
        byte[] plaintext = "thirty-two bytes sealed by node B".getBytes(StandardCharsets.US_ASCII);
        return () -> client.post(store.path(externalKeyId, "encrypt"), signer(as),
                encryptBody(requestId(), plaintext, null, false));
    }

    /**
     * Calls {@code call} until {@code seen} holds of its answer or {@code limit} passes; returns the
     * time taken in milliseconds, the last answer asserted by the caller.
     */
    private static long until(Supplier<XksTestClient.Response> call, Predicate<XksTestClient.Response> seen,
                              Duration limit, XksTestClient.Response[] last) throws InterruptedException {
        long start = System.nanoTime();
        XksTestClient.Response answer = call.get();
        while (!seen.test(answer) && System.nanoTime() - start < limit.toNanos()) {
            Thread.sleep(5);
            answer = call.get();
        }
        last[0] = answer;
        return Duration.ofNanos(System.nanoTime() - start).toMillis();
    }

    /**
     * How long after {@code change} returned node B's {@code call} answers {@code status}
     * {@code errorName} (null: 200); asserted under a second and printed.
     */
    private static long propagated(String what, Supplier<XksTestClient.Response> call, int status, String errorName)
            throws InterruptedException {
        XksTestClient.Response[] last = new XksTestClient.Response[1];
        long took = until(call, r -> r.status() == status && (errorName == null || r.isError(errorName)),
                Duration.ofSeconds(5), last);
        assertEquals(status, last[0].status(), what + ": " + last[0]);
        assertTrue(errorName == null || last[0].isError(errorName), what + ": " + last[0]);
        System.out.println("XksClusterIT: " + what + ": node B answered " + status
                + (errorName == null ? "" : " " + errorName) + " after " + took + " ms");
        assertTrue(took < WITHIN.toMillis(), what + ": node B took " + took + " ms");
        return took;
    }

    /** Waits (10 s at most) until node B serves what node A made: the store, its credential, the mapping. */
    private static void servedByB(Supplier<XksTestClient.Response> call) throws InterruptedException {
        XksTestClient.Response[] last = new XksTestClient.Response[1];
        long took = until(call, r -> r.status() == 200, Duration.ofSeconds(10), last);
        assertEquals(200, last[0].status(), last[0].toString());
        System.out.println("XksClusterIT: node B served what node A set up after " + took + " ms");
    }

    @Test
    void aKeyDisabledOnOneNodeIsRefusedByTheOthersXksApiWithinASecond() throws Exception {
        Store store = created("key-off");
        String keyId = mappedKey(store, "key-off", "foo");
        Supplier<XksTestClient.Response> onB = encrypting(b, store, store.first(), "foo");
        servedByB(onB);

        Operation op = Operation.newBuilder().setDisableKey(KeyOperation.newBuilder().setKeyId(keyId)).build();
        a.adminKeys().disableKey(DisableKeyRequest.newBuilder().setKeyId(keyId).setSignature(alice(op)).build());
        propagated("a Coffre key disabled on node A", onB, 400, "InvalidStateException");
        assertEquals("DISABLED", XksTestClient.member(client(b).post(store.path("foo", "metadata"),
                signer(store.first()), metadataBody(requestId())).body(), "keyStatus"));
    }

    @Test
    void theHealthAnswerCountsTheLiveNodesOnEachNode() throws Exception {
        Store store = created("health");
        for (TestCluster.Node node : List.of(a, b)) {
            XksTestClient.Response[] last = new XksTestClient.Response[1];
            until(() -> client(node).post(store.api() + "/health", signer(store.first()), healthBody()),
                    r -> r.body().contains("\"xksProxyFleetSize\":2"), Duration.ofSeconds(15), last); // counted every 10 s
            assertTrue(last[0].body().contains("\"xksProxyFleetSize\":2"), node + ": " + last[0]);
        }
    }

    @Test
    void aKeyStoreDisabledEnabledOrUnmappedOnOneNodeIsWhatTheOthersXksApiAnswersWithinASecond() throws Exception {
        Store store = created("cluster-wide");
        mappedKey(store, "cluster-wide", "orders");
        Supplier<XksTestClient.Response> onB = encrypting(b, store, store.first(), "orders");
        servedByB(onB);
        XksTestClient.Response sealed = onB.get();
        byte[] plaintext = "thirty-two bytes sealed by node B".getBytes(StandardCharsets.US_ASCII);
        XksTestClient.Response opened = client(a).post(store.path("orders", "decrypt"), signer(store.first()),
                decryptBody(requestId(), sealed.body(), null, XksTestClient.member(sealed.body(), "ciphertextMetadata")));
        assertEquals(200, opened.status(), "node A decrypts what node B encrypted");
        assertArrayEquals(plaintext, Base64.getDecoder().decode(XksTestClient.member(opened.body(), "plaintext")));

        Operation disable = Operation.newBuilder().setDisableXksKeyStore(XksKeyStoreOperation.newBuilder()
                .setKeyStoreId(store.id())).build();
        admin(a).disableKeyStore(DisableXksKeyStoreRequest.newBuilder().setKeyStoreId(store.id())
                .setSignature(alice(disable)).build());
        propagated("the key store disabled on node A", onB, 400, "InvalidStateException");
        assertEquals("DISABLED", XksTestClient.member(client(b).post(store.path("orders", "metadata"),
                signer(store.first()), metadataBody(requestId())).body(), "keyStatus"));

        executed(admin(a).enableKeyStore(EnableXksKeyStoreRequest.newBuilder().setKeyStoreId(store.id()).build())
                .getApprovalRequest());
        propagated("the key store enabled through node A's quorum", onB, 200, null);

        Operation unmap = Operation.newBuilder().setUnmapXksKey(XksKeyMappingOperation.newBuilder()
                .setKeyStoreId(store.id()).setExternalKeyId("orders")).build();
        admin(a).unmapKey(UnmapXksKeyRequest.newBuilder().setKeyStoreId(store.id()).setExternalKeyId("orders")
                .setSignature(alice(unmap)).build());
        propagated("the external key unmapped on node A", onB, 404, "KeyNotFoundException");
    }

    @Test
    void aCredentialRevokedOnOneNodeIsRefusedByTheOthersXksApiWithinASecond() throws Exception {
        Store store = created("revoked");
        mappedKey(store, "revoked", "k1");
        RotateXksCredentialsResponse rotated = admin(a).rotateCredentials(RotateXksCredentialsRequest.newBuilder()
                .setKeyStoreId(store.id()).build());
        Credential second = Credential.kept(rotated.getCredential());
        executed(rotated.getApprovalRequest());
        Supplier<XksTestClient.Response> firstOnB = encrypting(b, store, store.first(), "k1");
        Supplier<XksTestClient.Response> secondOnB = encrypting(b, store, second, "k1");
        servedByB(firstOnB);
        servedByB(secondOnB);

        Operation revoke = Operation.newBuilder().setRevokeXksCredential(XksCredentialOperation.newBuilder()
                .setKeyStoreId(store.id()).setAccessKeyId(store.first().accessKeyId())).build();
        admin(a).revokeCredential(RevokeXksCredentialRequest.newBuilder().setKeyStoreId(store.id())
                .setAccessKeyId(store.first().accessKeyId()).setSignature(alice(revoke)).build());
        propagated("the first credential revoked on node A", firstOnB, 401, "AuthenticationFailedException");
        assertEquals(200, secondOnB.get().status(), "the second credential still works on node B");
    }
}
