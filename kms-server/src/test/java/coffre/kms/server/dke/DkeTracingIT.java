package coffre.kms.server.dke;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.config.DkeSettings;
import coffre.kms.server.testing.OtlpReceiver;
import coffre.kms.server.testing.OtlpReceiver.ReceivedSpan;
import coffre.kms.server.testing.TestPki;
import coffre.kms.server.testing.TestServer;
import coffre.kms.v1.AccessPolicy;
import coffre.kms.v1.AccessRule;
import coffre.kms.v1.ApprovalRequest;
import coffre.kms.v1.ApprovalState;
import coffre.kms.v1.CreateKeyRequest;
import coffre.kms.v1.DataOperation;
import coffre.kms.v1.KeySpec;
import coffre.kms.v1.KeyUsage;
import coffre.kms.v1.MapDkeKeyRequest;
import coffre.kms.v1.RequestCondition;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DKE calls traced by a real node (SoftHSM, embedded store) to an in-process OTLP receiver: the
 * public key under the caller's W3C context, a decryption's tree ({@code authenticate} for the
 * bearer token, {@code policy} for the key, {@code hsm rsa_oaep_decrypt}, {@code audit.wait}),
 * refusals marked where they happen, and no document key, key id, key name, user or tenant in
 * anything exported.
 */
class DkeTracingIT {
    static final String SERVICE = "https://dke.example.eu";

    @TempDir
    static Path dir;
    static TestServer node;
    static TestIssuer issuer;
    static JwksServer jwks;
    static OtlpReceiver receiver;
    static String keyId;

    @BeforeAll
    static void start() throws Exception {
        receiver = OtlpReceiver.start();
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
        node.restartTraced(receiver.settings(1.0));
        CreateKeyRequest request = CreateKeyRequest.newBuilder().setKeySpec(KeySpec.RSA_3072)
                .setKeyUsage(KeyUsage.ENCRYPT_DECRYPT)
                .setAccessPolicy(AccessPolicy.newBuilder().addRules(AccessRule.newBuilder()
                        .addPrincipals("dke:*@example.eu")
                        .addOperations(DataOperation.GET_PUBLIC_KEY).addOperations(DataOperation.DECRYPT)
                        .addConditions(RequestCondition.newBuilder().setAttribute("groups").addValues("g-finance"))))
                .build();
        keyId = executed(node.adminKeys().createKey(request).getApprovalRequest()).getResult();
        executed(node.adminDke().mapKey(MapDkeKeyRequest.newBuilder().setKeyName("finance").setKeyId(keyId).build())
                .getApprovalRequest());
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
        if (jwks != null) {
            jwks.close();
        }
        if (receiver != null) {
            receiver.close();
        }
    }

    private static ApprovalRequest executed(ApprovalRequest request) {
        ApprovalRequest done = node.approve(request);
        assertEquals(ApprovalState.EXECUTED, done.getState(), done.getFailureReason() + " " + done.getFailureMessage());
        return done;
    }

    private static String member(String upn) {
        return issuer.sign(issuer.claims(upn).claim("groups", List.of("g-finance")).build());
    }

    private static DkeTestClient client() {
        return new DkeTestClient(node.dkePort(), node.pki().caFile(), HttpClient.Version.HTTP_2);
    }

    private static ReceivedSpan server(String name, String outcome) {
        List<ReceivedSpan> found = receiver.spans(span -> span.name().equals(name)
                && outcome.equals(span.attribute("coffre.outcome")));
        assertEquals(1, found.size(), () -> name + " " + outcome + " in " + receiver.spans());
        return found.get(0);
    }

    private static ReceivedSpan child(ReceivedSpan parent, String name) {
        List<ReceivedSpan> found = receiver.spans(span -> span.parentSpanId().equals(parent.spanId())
                && span.name().equals(name));
        assertEquals(1, found.size(), () -> name + " under " + parent + " in " + receiver.trace(parent.traceId()));
        ReceivedSpan child = found.get(0);
        assertTrue(parent.startNanos() <= child.startNanos() && child.endNanos() <= parent.endNanos(),
                () -> name + " within " + parent.name());
        return child;
    }

    private static void assertBefore(ReceivedSpan first, ReceivedSpan then) {
        assertTrue(first.endNanos() <= then.startNanos(), () -> first.name() + " before " + then.name());
    }

    @Test
    void thePublicKeyUnderTheCallersTraceAndADecryptionHaveTheirTrees() {
        DkeTestClient dke = client();
        String token = member("bob@example.eu");
        byte[] traceBytes = new byte[16];
        new SecureRandom().nextBytes(traceBytes);
        String traceId = HexFormat.of().formatHex(traceBytes);
        String parentId = "00f067aa0ba902b7";
        DkeTestClient.Response fetched = dke.get("/finance?protocol-version=1.0", token,
                "00-" + traceId + "-" + parentId + "-01");
        assertEquals(200, fetched.status(), fetched.body());
        DkeTestClient.PublicKey key = dke.publicKey("finance", token);
        byte[] documentKey = new byte[32];
        new SecureRandom().nextBytes(documentKey);
        DkeTestClient.Response opened = dke.decrypt(key.kid(), token, DkeTestClient.encrypt(key.key(), documentKey));
        assertEquals(200, opened.status(), opened.body());
        assertArrayEquals(documentKey, Base64.getDecoder().decode(opened.json().getString("value")));
        node.server().telemetry().flushTraces();

        List<ReceivedSpan> traced = receiver.trace(traceId);
        ReceivedSpan publicKey = traced.stream().filter(span -> span.name().equals("GetPublicKey")).findFirst()
                .orElseThrow(() -> new AssertionError("no GetPublicKey in " + traced));
        assertEquals(parentId, publicKey.parentSpanId(), "under the caller's span");
        assertEquals("dke", publicKey.attribute("rpc.system"));
        assertEquals("GET", publicKey.attribute("http.request.method"));
        assertEquals("/{keyName}", publicKey.attribute("http.route"));
        assertEquals("200", publicKey.attribute("http.response.status_code"));
        assertBefore(child(publicKey, "authenticate"), child(publicKey, "policy"));
        assertBefore(child(publicKey, "policy"), child(publicKey, "audit.wait"));

        ReceivedSpan decrypt = server("Decrypt", "OK");
        assertEquals("", decrypt.parentSpanId(), "no caller context: a root");
        assertEquals("POST", decrypt.attribute("http.request.method"));
        assertEquals("/{keyName}/{version}/decrypt", decrypt.attribute("http.route"));
        assertEquals("200", decrypt.attribute("http.response.status_code"));
        ReceivedSpan authenticate = child(decrypt, "authenticate");
        ReceivedSpan policy = child(decrypt, "policy");
        assertEquals("key", policy.attribute("coffre.policy.scope"));
        ReceivedSpan hsm = child(decrypt, "hsm rsa_oaep_decrypt");
        ReceivedSpan auditWait = child(decrypt, "audit.wait");
        assertBefore(authenticate, policy);
        assertBefore(policy, hsm);
        assertBefore(hsm, auditWait);
        assertNothingSecret(documentKey);
    }

    @Test
    void refusalsAreMarkedWhereTheyHappen() {
        DkeTestClient dke = client();
        assertEquals(401, dke.get("/finance", issuer.unsigned("carol@example.eu")).status());
        assertEquals(403, dke.get("/finance", issuer.token("eve@example.eu")).status());
        node.server().telemetry().flushTraces();

        ReceivedSpan unauthorized = server("GetPublicKey", "UNAUTHORIZED");
        assertTrue(unauthorized.isError());
        assertEquals("401", unauthorized.attribute("http.response.status_code"));
        assertTrue(child(unauthorized, "authenticate").isError());
        assertTrue(receiver.trace(unauthorized.traceId()).stream().noneMatch(span -> span.name().equals("policy")));

        ReceivedSpan forbidden = server("GetPublicKey", "FORBIDDEN");
        assertEquals("403", forbidden.attribute("http.response.status_code"));
        assertFalse(child(forbidden, "authenticate").isError());
        ReceivedSpan policy = child(forbidden, "policy");
        assertTrue(policy.isError());
        assertEquals("CONDITIONS_UNMET", policy.attribute("coffre.outcome"));
        assertNothingSecret(new byte[0]);
    }

    /** Nothing exported holds the document key, the key id, the key name, a user or the tenant. */
    private static void assertNothingSecret(byte[] documentKey) {
        List<String> forbidden = new java.util.ArrayList<>(List.of(keyId, "finance", "example.eu", TestIssuer.TENANT));
        if (documentKey.length > 0) {
            forbidden.addAll(List.of(Base64.getEncoder().encodeToString(documentKey),
                    HexFormat.of().formatHex(documentKey), new String(documentKey, StandardCharsets.ISO_8859_1)));
        }
        for (ReceivedSpan span : receiver.spans()) {
            List<String> texts = new java.util.ArrayList<>(span.texts());
            texts.addAll(span.resource().values());
            for (String text : texts) {
                for (String secret : forbidden) {
                    assertFalse(text.contains(secret),
                            () -> span.name() + " exports a secret or an identifier: " + text);
                }
            }
        }
    }
}
