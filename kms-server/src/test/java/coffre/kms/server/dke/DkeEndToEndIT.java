package coffre.kms.server.dke;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.hsm.testing.SecretLedger;
import coffre.kms.server.audit.XksCallRecord;
import coffre.kms.server.config.DkeSettings;
import coffre.kms.server.testing.TestPki;
import coffre.kms.server.testing.TestServer;
import coffre.kms.v1.AccessPolicy;
import coffre.kms.v1.AccessRule;
import coffre.kms.v1.ApprovalPolicy;
import coffre.kms.v1.ApprovalRequest;
import coffre.kms.v1.ApprovalState;
import coffre.kms.v1.AuditEvent;
import coffre.kms.v1.CreateKeyRequest;
import coffre.kms.v1.DataOperation;
import coffre.kms.v1.DisableKeyRequest;
import coffre.kms.v1.GetApprovalRequestRequest;
import coffre.kms.v1.KeyOperation;
import coffre.kms.v1.KeySpec;
import coffre.kms.v1.KeyUsage;
import coffre.kms.v1.MapDkeKeyRequest;
import coffre.kms.v1.Operation;
import coffre.kms.v1.QueryAuditEventsRequest;
import coffre.kms.v1.RequestCondition;
import coffre.kms.v1.RotateKeyRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 21's DKE end to end on a real node (SoftHSM, embedded store, quorum): RSA keys made in the
 * HSM and mapped to DKE key names through the officers; an Office-like client fetches the public
 * key, encrypts a document key with the JDK's RSA-OAEP-256 and decrypts it through the service —
 * before and after a rotation (the version in the URL), for a user the key's policy admits by
 * group, never for one it does not; every kind of bad token refused 401; an unknown name 404; a
 * break-glass key 403 with the approval request id, then one decryption once two officers
 * approved it; a disabled key refusing both routes at once. The tenant's JWK set is served over
 * HTTPS on 127.0.0.1.
 */
class DkeEndToEndIT {
    static final String SERVICE = "https://dke.example.eu";

    @TempDir
    static Path dir;
    static TestServer node;
    static TestIssuer issuer;
    static JwksServer jwks;
    private final SecureRandom random = new SecureRandom();

    @BeforeAll
    static void start() throws Exception {
        issuer = new TestIssuer(SERVICE);
        TestPki jwksPki = TestPki.create(dir.resolve("tenant"), "tenant");
        jwks = JwksServer.https(DkeEdgeIT.serverTls(jwksPki.server("jwks")), issuer::jwks);
        node = TestServer.startWithDke(dir.resolve("node"), pki -> {
            TestPki.Issued tls = pki.server("dke-server");
            return new DkeSettings("127.0.0.1", 0, tls.certificate(), tls.privateKey(), URI.create(SERVICE),
                    List.of(TestIssuer.ISSUER), null, jwks.url(), jwksPki.caFile(), Set.of("RS256"),
                    Duration.ofSeconds(30), Duration.ofHours(1), Duration.ofSeconds(1),
                    DkeSettings.DEFAULT_AUTHORIZATION_URL, Duration.ofMinutes(10), false, Duration.ofSeconds(10), 64);
        });
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
        if (jwks != null) {
            jwks.close();
        }
    }

    private static DkeTestClient client(HttpClient.Version version) {
        return new DkeTestClient(node.dkePort(), node.pki().caFile(), version);
    }

    /** An RSA-3072 decryption key for members of g-finance, mapped to {@code name}; returns its id. */
    private static String mappedKey(String name, boolean breakGlass) {
        CreateKeyRequest request = CreateKeyRequest.newBuilder().setKeySpec(KeySpec.RSA_3072)
                .setKeyUsage(KeyUsage.ENCRYPT_DECRYPT)
                .setApprovalPolicy(ApprovalPolicy.newBuilder().setRequireUnwrapApproval(breakGlass))
                .setAccessPolicy(AccessPolicy.newBuilder().addRules(AccessRule.newBuilder().addPrincipals("dke:*@example.eu")
                        .addOperations(DataOperation.GET_PUBLIC_KEY).addOperations(DataOperation.DECRYPT)
                        .addConditions(RequestCondition.newBuilder().setAttribute("tid").addValues(TestIssuer.TENANT))
                        .addConditions(RequestCondition.newBuilder().setAttribute("groups").addValues("g-finance"))))
                .build();
        String keyId = executed(node.adminKeys().createKey(request).getApprovalRequest()).getResult();
        executed(node.adminDke().mapKey(MapDkeKeyRequest.newBuilder().setKeyName(name).setKeyId(keyId).build())
                .getApprovalRequest());
        return keyId;
    }

    private static ApprovalRequest executed(ApprovalRequest request) {
        ApprovalRequest done = node.approve(request);
        assertEquals(ApprovalState.EXECUTED, done.getState(), done.getFailureReason() + " " + done.getFailureMessage());
        return done;
    }

    private static String financeUser(String upn) {
        return issuer.sign(issuer.claims(upn).claim("groups", List.of("g-readers", "g-finance")).build());
    }

    private byte[] documentKey() {
        byte[] key = new byte[32];
        random.nextBytes(key);
        SecretLedger.record(key);
        return key;
    }

    private static void assertError(DkeTestClient.Response response, int status, String code) {
        assertEquals(status, response.status(), response.body());
        assertEquals(code, response.json().getString("error"), response.body());
    }

    @Test
    void anOfficeClientProtectsAndOpensDocumentsBeforeAndAfterARotation() {
        String keyId = mappedKey("finance", false);
        String bob = financeUser("bob@example.eu");
        for (HttpClient.Version version : HttpClient.Version.values()) {
            DkeTestClient dke = client(version);
            DkeTestClient.PublicKey key = dke.publicKey("finance", bob);
            assertEquals(3072, key.key().getModulus().bitLength());
            assertEquals(SERVICE + "/finance/1", key.kid());
            byte[] documentKey = documentKey();
            DkeTestClient.Response opened = dke.decrypt(key.kid(), bob, DkeTestClient.encrypt(key.key(), documentKey));
            assertEquals(200, opened.status(), opened.body());
            assertArrayEquals(documentKey, Base64.getDecoder().decode(opened.json().getString("value")));
        }
        DkeTestClient dke = client(HttpClient.Version.HTTP_2);
        DkeTestClient.PublicKey before = dke.publicKey("finance", bob);
        byte[] oldKey = documentKey();
        byte[] oldDocument = DkeTestClient.encrypt(before.key(), oldKey);
        executed(node.adminKeys().rotateKey(RotateKeyRequest.newBuilder().setKeyId(keyId).build()).getApprovalRequest());
        DkeTestClient.PublicKey after = dke.publicKey("finance", bob);
        assertEquals(SERVICE + "/finance/2", after.kid());
        assertNotEquals(before.key().getModulus(), after.key().getModulus(), "a new key pair per version");
        DkeTestClient.Response old = dke.decrypt(before.kid(), bob, oldDocument);
        assertEquals(200, old.status(), "the version in the URL decrypts: " + old.body());
        assertArrayEquals(oldKey, Base64.getDecoder().decode(old.json().getString("value")));
        byte[] newKey = documentKey();
        DkeTestClient.Response fresh = dke.decrypt(after.kid(), bob, DkeTestClient.encrypt(after.key(), newKey));
        assertArrayEquals(newKey, Base64.getDecoder().decode(fresh.json().getString("value")));
        assertError(dke.decrypt(after.kid(), bob, oldDocument), 400, "decryption_failed");

        List<AuditEvent> events = node.adminAudit().queryEvents(QueryAuditEventsRequest.newBuilder()
                .setType("DKE_DECRYPT").setPrincipal("dke:bob@example.eu").build()).getEventsList();
        assertTrue(events.stream().anyMatch(e -> e.getKeyId().equals(keyId) && e.getKeyVersion() == 1
                && e.getDecision().equals("ALLOWED") && TestIssuer.TENANT.equals(XksCallRecord.parse(e.getDetail())
                .get("tenant"))), events.toString());
    }

    @Test
    void thePolicyOnTheTokensClaimsAndEveryBadTokenAreEnforced() {
        mappedKey("legal", false);
        DkeTestClient dke = client(HttpClient.Version.HTTP_2);
        String member = financeUser("carol@example.eu");
        DkeTestClient.PublicKey key = dke.publicKey("legal", member);
        byte[] ciphertext = DkeTestClient.encrypt(key.key(), documentKey());
        assertError(dke.decrypt(key.kid(), issuer.token("eve@example.eu"), ciphertext), 403, "access_denied");
        assertError(dke.get("/legal", issuer.token("eve@example.eu")), 403, "access_denied");
        assertError(dke.decrypt(key.kid(), financeUser("mallory@partner.eu"), ciphertext), 403, "access_denied");
        assertError(dke.get("/nosuchname", member), 404, "not_found");
        Map<String, String> bad = Map.of(
                "expired", issuer.sign(issuer.claims("carol@example.eu").claim("groups", List.of("g-finance"))
                        .expirationTime(Date.from(node.now().minusSeconds(3600))).build()),
                "not yet valid", issuer.sign(issuer.claims("carol@example.eu").claim("groups", List.of("g-finance"))
                        .notBeforeTime(Date.from(node.now().plusSeconds(3600))).build()),
                "wrong audience", issuer.sign(issuer.claims("carol@example.eu").audience("https://other.example.eu").build()),
                "wrong issuer", issuer.sign(issuer.claims("carol@example.eu").issuer("https://sts.windows.net/x/").build()),
                "unknown key", TestIssuer.sign(issuer.claims("carol@example.eu").build(), TestIssuer.newKey()),
                "alg none", issuer.unsigned("carol@example.eu"),
                "hmac with the public key", issuer.hmacWithPublicKey("carol@example.eu"),
                "tampered", issuer.tampered("eve@example.eu", "carol@example.eu"));
        for (Map.Entry<String, String> token : bad.entrySet()) {
            DkeTestClient.Response refused = dke.decrypt(key.kid(), token.getValue(), ciphertext);
            assertError(refused, 401, "invalid_token");
            assertTrue(refused.challenge().startsWith("Bearer resource=\"" + SERVICE + "\""), token.getKey());
        }
        assertError(dke.decrypt(key.kid(), null, ciphertext), 401, "invalid_token");
        assertEquals(200, dke.decrypt(key.kid(), member, ciphertext).status());
    }

    @Test
    void aBreakGlassKeyDecryptsOnceTheOfficersApprovedThatDecryption() {
        mappedKey("board", true);
        DkeTestClient dke = client(HttpClient.Version.HTTP_2);
        String dave = financeUser("dave@example.eu");
        DkeTestClient.PublicKey key = dke.publicKey("board", dave);
        byte[] documentKey = documentKey();
        byte[] ciphertext = DkeTestClient.encrypt(key.key(), documentKey);
        DkeTestClient.Response waiting = dke.decrypt(key.kid(), dave, ciphertext);
        assertError(waiting, 403, "approval_required");
        String requestId = waiting.json().getString("approvalRequestId");
        assertTrue(requestId.startsWith("apr-"), requestId);
        assertEquals(requestId, dke.decrypt(key.kid(), dave, ciphertext).json().getString("approvalRequestId"),
                "asking again names the same request");
        ApprovalRequest request = node.adminApprovals().getApprovalRequest(GetApprovalRequestRequest.newBuilder()
                .setRequestId(requestId).build()).getRequest();
        executed(request);
        DkeTestClient.Response opened = dke.decrypt(key.kid(), dave, ciphertext);
        assertEquals(200, opened.status(), opened.body());
        assertArrayEquals(documentKey, Base64.getDecoder().decode(opened.json().getString("value")));
        assertError(dke.decrypt(key.kid(), dave, ciphertext), 403, "approval_required");
    }

    @Test
    void aDisabledKeyStopsServingAtOnce() {
        String keyId = mappedKey("hr", false);
        DkeTestClient dke = client(HttpClient.Version.HTTP_2);
        String erin = financeUser("erin@example.eu");
        DkeTestClient.PublicKey key = dke.publicKey("hr", erin);
        byte[] ciphertext = DkeTestClient.encrypt(key.key(), documentKey());
        Operation op = Operation.newBuilder().setDisableKey(KeyOperation.newBuilder().setKeyId(keyId)).build();
        node.adminKeys().disableKey(DisableKeyRequest.newBuilder().setKeyId(keyId)
                .setSignature(node.officers().get("alice").actNow(op, node.now())).build());
        assertError(dke.get("/hr", erin), 403, "access_denied");
        assertError(dke.decrypt(key.kid(), erin, ciphertext), 403, "access_denied");
    }
}
