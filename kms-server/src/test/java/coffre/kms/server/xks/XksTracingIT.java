package coffre.kms.server.xks;

import static coffre.kms.server.xks.XksFixture.API;
import static coffre.kms.server.xks.XksFixture.encryptBody;
import static coffre.kms.server.xks.XksFixture.healthBody;
import static coffre.kms.server.xks.XksFixture.path;
import static coffre.kms.server.xks.XksFixture.requestId;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.testing.OtlpReceiver;
import coffre.kms.server.testing.OtlpReceiver.ReceivedSpan;
import coffre.kms.v1.DataOperation;
import coffre.kms.v1.Key;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * XKS calls traced by a real node (SoftHSM, embedded store) to an in-process OTLP receiver: an
 * Encrypt's span tree ({@code authenticate} for SigV4, {@code policy} for the key, {@code hsm
 * encrypt}, {@code audit.wait}, in that order inside the server span), the HTTP attributes with the
 * route as a template, refusals marked where they happen, and no plaintext, key id, external key
 * id, key store prefix, credential or AWS principal in anything exported.
 */
class XksTracingIT {
    @TempDir
    static Path dir;
    static XksFixture xks;
    static OtlpReceiver receiver;
    static Key key;
    private final SecureRandom random = new SecureRandom();

    @BeforeAll
    static void start() {
        receiver = OtlpReceiver.start();
        xks = XksFixture.start(dir, Duration.ofSeconds(1), 256);
        xks.node.restartTraced(receiver.settings(1.0));
        key = xks.mappedKey("traced-key");
    }

    @AfterAll
    static void stop() {
        if (xks != null) {
            xks.close();
        }
        if (receiver != null) {
            receiver.close();
        }
    }

    private XksTestClient.Response post(String path, String body) {
        return xks.client(HttpClient.Version.HTTP_2).post(path, xks.signer(), body);
    }

    private static void flush() {
        xks.node.server().telemetry().flushTraces();
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
        assertEquals(parent.traceId(), child.traceId());
        assertTrue(parent.startNanos() <= child.startNanos() && child.endNanos() <= parent.endNanos(),
                () -> name + " within " + parent.name());
        return child;
    }

    private static void assertBefore(ReceivedSpan first, ReceivedSpan then) {
        assertTrue(first.endNanos() <= then.startNanos(), () -> first.name() + " before " + then.name());
    }

    @Test
    void anEncryptHasItsTreeAndItsHttpAttributes() {
        byte[] plaintext = new byte[32];
        random.nextBytes(plaintext);
        String requestId = requestId();
        XksTestClient.Response encrypted = post(path("traced-key", "encrypt"), encryptBody(requestId, plaintext, null,
                false));
        assertEquals(200, encrypted.status(), encrypted.body());
        flush();

        List<ReceivedSpan> found = receiver.spans(span -> requestId.equals(span.attribute("coffre.request_id")));
        assertEquals(1, found.size(), () -> "AWS's kmsRequestId ties the span to CloudTrail: " + receiver.spans());
        ReceivedSpan server = found.get(0);
        assertEquals("Encrypt", server.name());
        assertEquals("", server.parentSpanId(), "no caller context: a root");
        assertEquals(io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_SERVER, server.kind());
        assertEquals("xks", server.attribute("rpc.system"));
        assertEquals("Encrypt", server.attribute("rpc.method"));
        assertEquals("POST", server.attribute("http.request.method"));
        assertEquals("{uriPathPrefix}/kms/xks/v1/keys/{externalKeyId}/encrypt", server.attribute("http.route"));
        assertEquals("200", server.attribute("http.response.status_code"));
        assertEquals("OK", server.attribute("coffre.outcome"));
        assertFalse(server.isError());

        ReceivedSpan authenticate = child(server, "authenticate");
        ReceivedSpan policy = child(server, "policy");
        assertEquals("key", policy.attribute("coffre.policy.scope"));
        ReceivedSpan hsm = child(server, "hsm encrypt");
        ReceivedSpan auditWait = child(server, "audit.wait");
        assertBefore(authenticate, policy);
        assertBefore(policy, hsm);
        assertBefore(hsm, auditWait);
        assertEquals(5, receiver.trace(server.traceId()).size(), () -> receiver.trace(server.traceId()).toString());
        assertNothingSecret(plaintext);
    }

    @Test
    void refusalsAreMarkedWhereTheyHappen() {
        XksTestClient.Response unsigned = xks.client(HttpClient.Version.HTTP_2).unsigned("POST", API + "/health",
                healthBody());
        assertEquals(401, unsigned.status());
        xks.mappedKey("decrypt-only", XksFixture.rule(DataOperation.UNWRAP));
        XksTestClient.Response refused = post(path("decrypt-only", "encrypt"), encryptBody(requestId(), new byte[32],
                null, false));
        assertEquals(400, refused.status(), refused.body());
        XksTestClient.Response unknown = post(API + "/nothing", healthBody());
        assertEquals(404, unknown.status());
        flush();

        ReceivedSpan health = server("GetHealthStatus", "AUTHENTICATION_FAILED");
        assertTrue(health.isError());
        assertEquals("401", health.attribute("http.response.status_code"));
        assertEquals("AUTHENTICATION_FAILED", health.attribute("error.type"));
        assertTrue(child(health, "authenticate").isError());
        child(health, "audit.wait");
        assertEquals(3, receiver.trace(health.traceId()).size(), "nothing after a failed authentication");

        ReceivedSpan encrypt = server("Encrypt", "INVALID_KEY_USAGE");
        assertEquals("400", encrypt.attribute("http.response.status_code"));
        assertFalse(child(encrypt, "authenticate").isError());
        ReceivedSpan policy = child(encrypt, "policy");
        assertTrue(policy.isError());
        assertEquals("NOT_PERMITTED", policy.attribute("coffre.outcome"), "the refusal's kind, never its message");
        assertTrue(receiver.trace(encrypt.traceId()).stream().noneMatch(span -> span.name().startsWith("hsm ")));

        ReceivedSpan unrouted = server("unrouted", "INVALID_URI_PATH");
        assertEquals("404", unrouted.attribute("http.response.status_code"));
        assertEquals(null, unrouted.attribute("http.route"), "no route: no template, and never the path as sent");
        assertNothingSecret(new byte[0]);
    }

    /** Nothing exported holds the plaintext, a key id, an external key id, the prefix, the credential or the caller. */
    private static void assertNothingSecret(byte[] plaintext) {
        List<String> forbidden = new java.util.ArrayList<>(List.of(key.getId(), "traced-key", "decrypt-only",
                XksFixture.PREFIX, XksFixture.STORE_ID, XksFixture.STORE_NAME, AwsSdkSigner.ACCESS_KEY_ID,
                AwsSdkSigner.SECRET, XksFixture.ALICE, XksFixture.KMS_KEY_ARN, "/nothing"));
        if (plaintext.length > 0) {
            forbidden.addAll(List.of(Base64.getEncoder().encodeToString(plaintext), HexFormat.of().formatHex(plaintext),
                    new String(plaintext, StandardCharsets.ISO_8859_1)));
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
