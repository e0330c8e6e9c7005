package coffre.kms.server.dke;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.audit.AuditDecision;
import coffre.kms.server.audit.AuditEvent;
import coffre.kms.server.audit.AuditEventType;
import coffre.kms.server.audit.AuditSink;
import coffre.kms.server.audit.XksCallRecord;
import coffre.kms.server.config.DkeSettings;
import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.StoreException;
import coffre.kms.server.health.StoreFailures;
import coffre.kms.server.keys.KeyId;
import coffre.kms.server.keystores.DkeKeyNames;
import coffre.kms.server.telemetry.Telemetry;
import coffre.kms.server.testing.TestPki;
import io.vertx.core.Vertx;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The DKE listener over real HTTPS (HTTP/2 and HTTP/1.1) in front of a fake of the domain port
 * ({@link FakeDkeKeys}: JDK RSA keys): the protocol as an Office client speaks it, every token
 * refusal with its challenge, every error as JSON with its status, and one audit event per
 * request. The tenant's JWK set is served over HTTPS on 127.0.0.1 for the main listener and from
 * a file for the second (which also hands out public keys without a token). The same protocol
 * against a real node on SoftHSM is {@code DkeEndToEndIT}.
 */
class DkeEdgeIT {
    static final String SERVICE = "https://dke.example.eu";

    @TempDir
    static Path dir;
    static Vertx vertx;
    static TestPki pki;
    static TestIssuer issuer;
    static JwksServer jwks;
    static DkeServer server;
    static DkeServer anonymous;
    static final FakeDkeKeys KEYS = new FakeDkeKeys();
    static final Map<String, KeyId> NAMES = new ConcurrentHashMap<>();
    static final List<AuditEvent> EVENTS = new CopyOnWriteArrayList<>();
    static final String STORE_DOWN = "store-down";
    /** The store failures the edge reported (to readiness and coffre_store_errors_total in a node). */
    static final AtomicInteger STORE_FAILURES = new AtomicInteger();
    static KeyId finance;

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        pki = TestPki.create(dir, "dke");
        TestPki.Issued tls = pki.server("dke-server");
        issuer = new TestIssuer(SERVICE);
        jwks = JwksServer.https(serverTls(tls), issuer::jwks);
        finance = KEYS.create("key-finance");
        NAMES.put("finance", finance);
        AuditSink audit = new AuditSink() {
            @Override
            public CompletionStage<Void> record(AuditEvent event) {
                EVENTS.add(event);
                return CompletableFuture.completedFuture(null);
            }

            @Override
            public void checkWritable() {
            }
        };
        // The name "store-down" stands for a directory whose store cannot answer.
        DkeKeyNames names = name -> {
            if (name.equals(STORE_DOWN)) {
                throw new StoreException("the store cannot be reached", new java.sql.SQLException("refused"));
            }
            return Optional.ofNullable(NAMES.get(name));
        };
        DkeServer.Node node = new DkeServer.Node(names, KEYS, audit, 2, Clock.systemUTC(), Telemetry.none().calls(),
                new StoreFailures(STORE_FAILURES::incrementAndGet));
        server = DkeServer.start(vertx, settings(tls, null, jwks.url(), pki.caFile(), false), freePort(), node)
                .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        Path jwksFile = dir.resolve("tenant-jwks.json");
        Files.writeString(jwksFile, issuer.jwks());
        anonymous = DkeServer.start(vertx, settings(tls, jwksFile, null, null, true), freePort(), node)
                .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    static int freePort() throws java.io.IOException {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** Port 0 in the settings ("pick one", as CoffreServer resolves it); the listener is given a free port. */
    static DkeSettings settings(TestPki.Issued tls, Path jwksFile, URI jwksUrl, Path jwksCa, boolean anonymousKey) {
        return new DkeSettings("127.0.0.1", 0, tls.certificate(), tls.privateKey(), URI.create(SERVICE),
                List.of(TestIssuer.ISSUER), jwksFile, jwksUrl, jwksCa, Set.of("RS256"), Duration.ofSeconds(30),
                Duration.ofHours(1), Duration.ofSeconds(1), DkeSettings.DEFAULT_AUTHORIZATION_URL, Duration.ofHours(1),
                anonymousKey, Duration.ofSeconds(5), 64);
    }

    @AfterAll
    static void stop() throws Exception {
        if (vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
        if (jwks != null) {
            jwks.close();
        }
    }

    @BeforeEach
    void reset() {
        KEYS.policy((caller, claims) -> true);
        KEYS.disable(finance, false);
        KEYS.breakGlass(finance, false);
    }

    private static DkeTestClient client(DkeServer target, HttpClient.Version version) {
        return new DkeTestClient(target.port(), pki.caFile(), version);
    }

    private static DkeTestClient client() {
        return client(server, HttpClient.Version.HTTP_2);
    }

    private static AuditEvent lastEvent() {
        return EVENTS.getLast();
    }

    private static void assertError(DkeTestClient.Response response, int status, String code) {
        assertEquals(status, response.status(), response.body());
        assertEquals("application/json", response.contentType());
        assertEquals(code, response.json().getString("error"), response.body());
        assertTrue(response.json().getString("message").length() > 0);
    }

    @ParameterizedTest
    @EnumSource(value = HttpClient.Version.class)
    void anOfficeClientEncryptsToThePublicKeyAndDecryptsThroughTheService(HttpClient.Version version) {
        DkeTestClient dke = client(server, version);
        String token = issuer.token("alice@example.eu");
        DkeTestClient.PublicKey key = dke.publicKey("finance", token);
        assertTrue(key.kid().startsWith(SERVICE + "/finance/"), key.kid());
        assertTrue(key.cacheExp().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d"), key.cacheExp());
        AuditEvent fetched = lastEvent();
        assertEquals(AuditEventType.DKE_PUBLIC_KEY, fetched.type());
        assertEquals("dke:alice@example.eu", fetched.principal());
        assertEquals("dke:finance", fetched.target());
        assertEquals(finance.value(), fetched.keyId());

        byte[] documentKey = "a 32-byte content key for a doc!".getBytes(StandardCharsets.US_ASCII);
        DkeTestClient.Response opened = dke.decrypt(key.kid(), token, DkeTestClient.encrypt(key.key(), documentKey));
        assertEquals(200, opened.status(), opened.body());
        assertEquals("application/json", opened.contentType());
        assertFalse(opened.body().contains("\n") || opened.body().contains(": "), "compact JSON");
        assertArrayEquals(documentKey, Base64.getDecoder().decode(opened.json().getString("value")));
        AuditEvent decrypted = lastEvent();
        assertEquals(AuditEventType.DKE_DECRYPT, decrypted.type());
        assertEquals(AuditDecision.ALLOWED, decrypted.decision());
        Map<String, String> detail = XksCallRecord.parse(decrypted.detail());
        assertEquals(TestIssuer.TENANT, detail.get("tenant"));
        assertEquals("alice@example.eu", detail.get("user"));
        assertFalse(decrypted.detail().contains(opened.json().getString("value")), "no plaintext in the audit");
    }

    @Test
    void everyCallHasARequestIdInItsAnswerAndItsAuditEvent() {
        String token = issuer.token("alice@example.eu");
        DkeTestClient.Response given = client().getWithRequestId("/finance", token, "office-req-42");
        assertEquals(200, given.status(), given.body());
        assertEquals("office-req-42", given.requestId(), "the caller's own id is kept");
        assertEquals("office-req-42", lastEvent().requestId());

        DkeTestClient.Response drawn = client().getWithRequestId("/finance", token, "not valid: spaces");
        assertEquals(200, drawn.status(), drawn.body());
        assertTrue(drawn.requestId().matches("[0-9a-f]{32}"), "an invalid id is replaced: " + drawn.requestId());
        assertEquals(drawn.requestId(), lastEvent().requestId());

        DkeTestClient.Response refused = client().get("/no-such-key", token);
        assertEquals(404, refused.status(), refused.body());
        assertTrue(refused.requestId().matches("[0-9a-f]{32}"), "a refused call has one too");
        assertEquals(refused.requestId(), lastEvent().requestId());
        assertNotEquals(drawn.requestId(), refused.requestId());
    }

    @Test
    void aStoreThatCannotAnswerIs503AndIsReported() {
        int before = STORE_FAILURES.get();
        DkeTestClient.Response response = client().get("/" + STORE_DOWN, issuer.token("alice@example.eu"));

        assertEquals(503, response.status(), response.body());
        assertEquals(before + 1, STORE_FAILURES.get());
        DkeTestClient.Response fine = client().get("/finance", issuer.token("alice@example.eu"));
        assertEquals(200, fine.status(), fine.body());
        assertEquals(before + 1, STORE_FAILURES.get(), "a call the store answered is no store failure");
    }

    @Test
    void afterARotationOldDocumentsStillOpenWithTheVersionInTheirUrl() {
        DkeTestClient dke = client();
        String token = issuer.token("alice@example.eu");
        KeyId rotating = KEYS.create("key-rotating");
        NAMES.put("rotating", rotating);
        DkeTestClient.PublicKey before = dke.publicKey("rotating", token);
        byte[] oldDocument = DkeTestClient.encrypt(before.key(), new byte[] {1, 2, 3});
        KEYS.rotate(rotating);
        DkeTestClient.PublicKey after = dke.publicKey("rotating", token);
        assertEquals(SERVICE + "/rotating/1", before.kid());
        assertEquals(SERVICE + "/rotating/2", after.kid());
        assertNotEquals(before.key().getModulus(), after.key().getModulus());
        assertEquals(200, dke.decrypt(before.kid(), token, oldDocument).status(), "the version in the URL decrypts");
        assertEquals(1, lastEvent().keyVersion());
        byte[] newDocument = DkeTestClient.encrypt(after.key(), new byte[] {4, 5, 6});
        assertEquals(200, dke.decrypt(after.kid(), token, newDocument).status());
        assertEquals(2, lastEvent().keyVersion());
        // The old document under the new version's URL does not open, with the one generic answer.
        assertError(dke.decrypt(after.kid(), token, oldDocument), 400, "decryption_failed");
        assertError(dke.decrypt(SERVICE + "/rotating/9", token, oldDocument), 400, "decryption_failed");
    }

    @Test
    void everyBadTokenIs401WithTheChallengeOfficeFollows() {
        DkeTestClient dke = client();
        byte[] ciphertext = DkeTestClient.encrypt(dke.publicKey("finance", issuer.token("alice@example.eu")).key(),
                new byte[] {9});
        String kid = SERVICE + "/finance/1";
        Map<String, String> bad = Map.of(
                "expired", issuer.sign(issuer.claims("alice@example.eu").expirationTime(
                        java.util.Date.from(java.time.Instant.now().minusSeconds(3600))).build()),
                "not yet valid", issuer.sign(issuer.claims("alice@example.eu").notBeforeTime(
                        java.util.Date.from(java.time.Instant.now().plusSeconds(3600))).build()),
                "wrong audience", issuer.sign(issuer.claims("alice@example.eu").audience("https://other.example.eu").build()),
                "wrong issuer", issuer.sign(issuer.claims("alice@example.eu").issuer("https://sts.windows.net/x/").build()),
                "unknown key", TestIssuer.sign(issuer.claims("alice@example.eu").build(), TestIssuer.newKey()),
                "alg none", issuer.unsigned("alice@example.eu"),
                "hmac with the public key", issuer.hmacWithPublicKey("alice@example.eu"),
                "tampered", issuer.tampered("mallory@example.eu", "alice@example.eu"));
        for (Map.Entry<String, String> token : bad.entrySet()) {
            for (DkeTestClient.Response response : List.of(dke.get("/finance", token.getValue()),
                    dke.decrypt(kid, token.getValue(), ciphertext))) {
                assertError(response, 401, "invalid_token");
                assertEquals("Bearer resource=\"" + SERVICE + "\", authorization=\""
                        + DkeSettings.DEFAULT_AUTHORIZATION_URL + "\", realm=\"" + SERVICE + "\"", response.challenge(),
                        token.getKey());
                AuditEvent refused = lastEvent();
                assertEquals(ErrorReason.UNAUTHENTICATED_PRINCIPAL, refused.reason(), token.getKey());
                assertEquals("", refused.principal(), "no user is named from a token that did not validate");
                assertTrue(XksCallRecord.parse(refused.detail()).get("why").contains("token"), refused.detail());
            }
        }
        DkeTestClient.Response missing = dke.decrypt(kid, null, ciphertext);
        assertError(missing, 401, "invalid_token");
        assertTrue(missing.challenge().startsWith("Bearer resource="));
    }

    @Test
    void theKeysPolicyDecidesOnTheTokensClaims() {
        DkeTestClient dke = client();
        KEYS.policy((caller, claims) -> claims.groups().contains("g-finance"));
        String reader = issuer.sign(issuer.claims("bob@example.eu").claim("groups", List.of("g-readers", "g-finance"))
                .build());
        String outsider = issuer.token("eve@example.eu");
        DkeTestClient.PublicKey key = dke.publicKey("finance", reader);
        assertError(dke.get("/finance", outsider), 403, "access_denied");
        byte[] ciphertext = DkeTestClient.encrypt(key.key(), new byte[] {1});
        assertError(dke.decrypt(key.kid(), outsider, ciphertext), 403, "access_denied");
        AuditEvent denied = lastEvent();
        assertEquals(AuditDecision.DENIED, denied.decision());
        assertEquals("dke:eve@example.eu", denied.principal());
        assertEquals(200, dke.decrypt(key.kid(), reader, ciphertext).status());
    }

    @Test
    void unknownKeysPathsAndMethodsAreJsonErrors() {
        DkeTestClient dke = client();
        String token = issuer.token("alice@example.eu");
        assertError(dke.get("/nosuchkey", token), 404, "not_found");
        assertEquals(AuditEventType.DKE_PUBLIC_KEY, lastEvent().type());
        assertEquals(ErrorReason.KEY_NOT_FOUND, lastEvent().reason());
        assertError(dke.get("/finance/1/decrypt/more", token), 404, "not_found");
        assertEquals(AuditEventType.DKE_REJECTED, lastEvent().type());
        DkeTestClient.Response post = dke.post("/finance", token, "{}");
        assertError(post, 405, "method_not_allowed");
        assertEquals("GET", post.allow());
        DkeTestClient.Response delete = dke.send("DELETE", "/finance/1/decrypt", token);
        assertError(delete, 405, "method_not_allowed");
        assertEquals("POST", delete.allow());
        assertError(dke.get("/finance?protocol-version=2.0", token), 400, "invalid_request");
        assertError(dke.post("/finance/1/decrypt", token, "{\"alg\":\"RSA1_5\",\"value\":\"AAAA\"}"), 400,
                "invalid_request");
        assertError(dke.post("/finance/1/decrypt", token, "not json"), 400, "invalid_request");
        assertError(dke.post("/finance/1/decrypt", token, "{\"value\":\"" + "A".repeat(DkeJson.MAX_BODY_BYTES) + "\"}"),
                413, "payload_too_large");
    }

    @Test
    void aBreakGlassKeyAnswers403NamingTheApprovalRequest() {
        DkeTestClient dke = client();
        String token = issuer.token("alice@example.eu");
        DkeTestClient.PublicKey key = dke.publicKey("finance", token);
        KEYS.breakGlass(finance, true);
        DkeTestClient.Response waiting = dke.decrypt(key.kid(), token, DkeTestClient.encrypt(key.key(), new byte[] {7}));
        assertError(waiting, 403, "approval_required");
        assertEquals("apr-fake", waiting.json().getString("approvalRequestId"));
        assertTrue(waiting.json().getString("message").contains("apr-fake"));
        assertEquals("apr-fake", XksCallRecord.parse(lastEvent().detail()).get("approvalRequestId"));
        assertEquals(ErrorReason.APPROVAL_REQUIRED, lastEvent().reason());
    }

    @Test
    void aDisabledKeyNeitherDecryptsNorHandsOutItsPublicKey() {
        DkeTestClient dke = client();
        String token = issuer.token("alice@example.eu");
        DkeTestClient.PublicKey key = dke.publicKey("finance", token);
        byte[] ciphertext = DkeTestClient.encrypt(key.key(), new byte[] {5});
        KEYS.disable(finance, true);
        assertError(dke.get("/finance", token), 403, "access_denied");
        assertError(dke.decrypt(key.kid(), token, ciphertext), 403, "access_denied");
        assertEquals(ErrorReason.KEY_DISABLED, lastEvent().reason());
        KEYS.disable(finance, false);
        assertEquals(200, dke.decrypt(key.kid(), token, ciphertext).status());
    }

    @Test
    void withAnonymousPublicKeysAGetNeedsNoTokenButADecryptStillDoes() {
        DkeTestClient dke = client(anonymous, HttpClient.Version.HTTP_1_1);
        KEYS.policy((caller, claims) -> false);
        DkeTestClient.PublicKey key = dke.publicKey("finance", null);
        assertEquals("", lastEvent().principal());
        assertEquals(AuditDecision.ALLOWED, lastEvent().decision());
        DkeTestClient.Response decrypt = dke.decrypt(key.kid(), null, DkeTestClient.encrypt(key.key(), new byte[] {1}));
        assertError(decrypt, 401, "invalid_token");
        // A token, when sent, is still checked (here against the JWK set file) and the policy applies.
        assertError(dke.get("/finance", issuer.token("alice@example.eu")), 403, "access_denied");
        assertError(dke.get("/finance", issuer.unsigned("alice@example.eu")), 401, "invalid_token");
        KEYS.policy((caller, claims) -> true);
        assertEquals(200, dke.decrypt(key.kid(), issuer.token("alice@example.eu"),
                DkeTestClient.encrypt(key.key(), new byte[] {1})).status());
    }

    /** A server TLS context from the test PKI's PEM files (EC key), for the JWK set server. */
    static SSLContext serverTls(TestPki.Issued identity) throws Exception {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        List<? extends Certificate> chain;
        try (InputStream in = Files.newInputStream(identity.certificate())) {
            chain = List.copyOf(CertificateFactory.getInstance("X.509").generateCertificates(in));
        }
        String pem = Files.readString(identity.privateKey());
        byte[] der = Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""));
        PrivateKey key = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(der));
        keys.setKeyEntry("server", key, new char[0], chain.toArray(Certificate[]::new));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, new char[0]);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), null, null);
        return context;
    }
}
