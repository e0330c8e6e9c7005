package coffre.kms.server.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.testing.OtlpReceiver;
import coffre.kms.server.testing.OtlpReceiver.ReceivedSpan;
import coffre.kms.server.testing.TestServer;
import coffre.kms.v1.AccessPolicy;
import coffre.kms.v1.AccessRule;
import coffre.kms.v1.CreateKeyRequest;
import coffre.kms.v1.CryptoServiceGrpc;
import coffre.kms.v1.DataOperation;
import coffre.kms.v1.GetKeyRequest;
import coffre.kms.v1.Key;
import coffre.kms.v1.KeyServiceGrpc;
import coffre.kms.v1.UnwrapRequest;
import coffre.kms.v1.WrapRequest;
import coffre.kms.v1.WrapResponse;
import com.google.protobuf.ByteString;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 23's traces from a real node (SoftHSM, embedded store) to an in-process OTLP/HTTP
 * receiver: a gRPC call's span tree under its caller's W3C context (server span, {@code policy}
 * for the operation and for the key, {@code hsm encrypt}, {@code audit.wait}, nested in time),
 * roots sampled by ratio and callers' decisions honoured, failures marked, and no plaintext,
 * key id or principal in anything exported.
 */
class TracingIT {
    static final Metadata.Key<String> TRACEPARENT = Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER);
    static final Metadata.Key<String> REQUEST_ID = Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER);

    @TempDir
    static Path dir;
    static TestServer node;
    static OtlpReceiver receiver;
    static double ratio = -1;
    private final SecureRandom random = new SecureRandom();

    @BeforeAll
    static void start() {
        receiver = OtlpReceiver.start();
        node = TestServer.start(dir);
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
        if (receiver != null) {
            receiver.close();
        }
    }

    /** The node traced with roots sampled at {@code wanted} (restarted only when it changes). */
    private static void tracedAt(double wanted) {
        if (ratio != wanted) {
            node.restartTraced(receiver.settings(wanted));
            ratio = wanted;
        }
    }

    private static String hex(int bytes) {
        byte[] id = new byte[bytes];
        new SecureRandom().nextBytes(id);
        return HexFormat.of().formatHex(id);
    }

    /** The service's crypto stub sending {@code traceparent} (unless null) and the request id {@code requestId}. */
    private static CryptoServiceGrpc.CryptoServiceBlockingStub crypto(String traceparent, String requestId) {
        Metadata headers = new Metadata();
        if (traceparent != null) {
            headers.put(TRACEPARENT, traceparent);
        }
        headers.put(REQUEST_ID, requestId);
        return node.serviceCrypto().withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    /** The spans the node has ended so far, exported now. */
    private static void flush() {
        node.server().telemetry().flushTraces();
    }

    private static ReceivedSpan serverSpan(String requestId) {
        List<ReceivedSpan> found = receiver.spans(span -> requestId.equals(span.attribute("coffre.request_id")));
        assertEquals(1, found.size(), () -> requestId + " in " + receiver.spans());
        return found.get(0);
    }

    private static List<ReceivedSpan> children(ReceivedSpan parent) {
        return receiver.spans(span -> span.traceId().equals(parent.traceId())
                && span.parentSpanId().equals(parent.spanId()));
    }

    private static ReceivedSpan only(List<ReceivedSpan> spans, String name, String scope) {
        List<ReceivedSpan> named = spans.stream().filter(span -> span.name().equals(name)
                && (scope == null || scope.equals(span.attribute("coffre.policy.scope")))).toList();
        assertEquals(1, named.size(), () -> name + " " + scope + " in " + spans);
        return named.get(0);
    }

    private static void assertWithin(ReceivedSpan parent, ReceivedSpan child) {
        assertTrue(parent.startNanos() <= child.startNanos() && child.endNanos() <= parent.endNanos(),
                () -> child.name() + " ends within " + parent.name());
    }

    private static void assertBefore(ReceivedSpan first, ReceivedSpan then) {
        assertTrue(first.endNanos() <= then.startNanos(), () -> first.name() + " ends before " + then.name() + " starts");
    }

    @Test
    void aWrapUnderTheCallersTraceHasTheWholeTree() {
        tracedAt(1.0);
        Key key = node.createKey();
        String traceId = hex(16);
        String parentId = hex(8);
        String requestId = "trace-" + UUID.randomUUID();
        byte[] plaintext = new byte[32];
        random.nextBytes(plaintext);
        crypto("00-" + traceId + "-" + parentId + "-01", requestId).wrap(WrapRequest.newBuilder()
                .setKeyId(key.getId()).setPlaintext(ByteString.copyFrom(plaintext)).build());
        flush();

        ReceivedSpan server = serverSpan(requestId);
        assertEquals("CryptoService/Wrap", server.name());
        assertEquals(io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_SERVER, server.kind());
        assertEquals(traceId, server.traceId(), "the caller's trace");
        assertEquals(parentId, server.parentSpanId(), "under the caller's span");
        assertEquals("grpc", server.attribute("rpc.system"));
        assertEquals("coffre.kms.v1.CryptoService", server.attribute("rpc.service"));
        assertEquals("Wrap", server.attribute("rpc.method"));
        assertEquals("0", server.attribute("rpc.grpc.status_code"));
        assertEquals("OK", server.attribute("coffre.outcome"));
        assertEquals("STATUS_CODE_UNSET", server.status());
        assertEquals("coffre-test", server.resource().get("service.name"));
        assertEquals("test-1", server.resource().get("service.instance.id"));

        List<ReceivedSpan> children = children(server);
        ReceivedSpan gate = only(children, "policy", "operation");
        ReceivedSpan keyPolicy = only(children, "policy", "key");
        ReceivedSpan encrypt = only(children, "hsm encrypt", null);
        ReceivedSpan auditWait = only(children, "audit.wait", null);
        for (ReceivedSpan child : List.of(gate, keyPolicy, encrypt, auditWait)) {
            assertWithin(server, child);
            assertFalse(child.isError(), child::toString);
            assertEquals(io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_INTERNAL, child.kind());
        }
        assertBefore(gate, keyPolicy);
        assertBefore(keyPolicy, encrypt);
        assertBefore(encrypt, auditWait);
        assertEquals(receiver.trace(traceId).size(), children.size() + 1,
                () -> "every span of the trace is the server span or its child: " + receiver.trace(traceId));
        assertNothingSecret(plaintext, key.getId());
        assertEquals(List.of(), receiver.refused());
    }

    @Test
    void rootsAreSampledByRatioAndCallersDecisionsAreHonoured() {
        tracedAt(1.0);
        Key key = node.createKey();
        String root = "root-" + UUID.randomUUID();
        crypto(null, root).wrap(wrap(key));
        String unsampledTrace = hex(16);
        String unsampled = "unsampled-" + UUID.randomUUID();
        crypto("00-" + unsampledTrace + "-" + hex(8) + "-00", unsampled).wrap(wrap(key));
        flush();
        ReceivedSpan rootSpan = serverSpan(root);
        assertEquals("", rootSpan.parentSpanId(), "no caller context: a root span");
        assertEquals(5, receiver.trace(rootSpan.traceId()).size(), () -> receiver.trace(rootSpan.traceId()).toString());
        assertEquals(List.of(), receiver.trace(unsampledTrace), "a caller that did not sample is not traced");

        tracedAt(0.0);
        Key other = node.createKey();
        String dropped = "dropped-" + UUID.randomUUID();
        crypto(null, dropped).wrap(wrap(other));
        String sampledTrace = hex(16);
        String sampled = "sampled-" + UUID.randomUUID();
        crypto("00-" + sampledTrace + "-" + hex(8) + "-01", sampled).wrap(wrap(other));
        flush();
        assertEquals(List.of(), receiver.spans(span -> dropped.equals(span.attribute("coffre.request_id"))),
                "ratio 0: no root span");
        assertEquals(sampledTrace, serverSpan(sampled).traceId(), "ratio 0 still follows a caller that sampled");
        assertEquals(5, receiver.trace(sampledTrace).size(), () -> receiver.trace(sampledTrace).toString());
    }

    @Test
    void refusedCallsAreErrorsWithTheirReason() {
        tracedAt(1.0);
        // An unknown key: refused like a forbidden one, before any policy of a key.
        String unknown = "unknown-" + UUID.randomUUID();
        assertCode(Status.Code.PERMISSION_DENIED, () -> crypto(null, unknown).wrap(WrapRequest.newBuilder()
                .setKeyId("key-" + "a".repeat(26)).setPlaintext(ByteString.copyFromUtf8("x")).build()));
        // A key whose policy admits someone else: the key's policy span refuses.
        Key foreign = node.createKey(CreateKeyRequest.newBuilder().setAccessPolicy(AccessPolicy.newBuilder()
                .addRules(AccessRule.newBuilder().addPrincipals("spiffe://coffre.test/service/other")
                        .addOperations(DataOperation.WRAP))).build());
        String forbidden = "forbidden-" + UUID.randomUUID();
        assertCode(Status.Code.PERMISSION_DENIED, () -> crypto(null, forbidden).wrap(wrap(foreign)));
        // A client calling an administrator's method: the operation's policy span refuses.
        String admin = "admin-" + UUID.randomUUID();
        Metadata headers = new Metadata();
        headers.put(REQUEST_ID, admin);
        assertCode(Status.Code.PERMISSION_DENIED, () -> KeyServiceGrpc.newBlockingStub(node.serviceChannel())
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                .getKey(GetKeyRequest.newBuilder().setKeyId(foreign.getId()).build()));
        // A ciphertext that does not authenticate: the HSM refuses.
        Key key = node.createKey();
        WrapResponse wrapped = node.serviceCrypto().wrap(wrap(key));
        byte[] tampered = wrapped.getEnvelope().toByteArray();
        tampered[tampered.length - 1] ^= 1;
        String forged = "forged-" + UUID.randomUUID();
        StatusRuntimeException badTag = assertThrows(StatusRuntimeException.class, () -> crypto(null, forged)
                .unwrap(UnwrapRequest.newBuilder().setEnvelope(ByteString.copyFrom(tampered)).build()));
        flush();

        for (String requestId : List.of(unknown, forbidden, admin)) {
            ReceivedSpan server = serverSpan(requestId);
            assertTrue(server.isError(), server::toString);
            assertEquals("PERMISSION_DENIED", server.attribute("coffre.outcome"));
            assertEquals("PERMISSION_DENIED", server.statusMessage());
            assertEquals("PERMISSION_DENIED", server.attribute("error.type"));
            assertEquals(Integer.toString(Status.Code.PERMISSION_DENIED.value()), server.attribute("rpc.grpc.status_code"));
            only(children(server), "audit.wait", null);
            assertTrue(children(server).stream().noneMatch(span -> span.name().startsWith("hsm ")),
                    "a refused call reaches no HSM operation");
        }
        assertTrue(children(serverSpan(unknown)).stream().noneMatch(span -> "key".equals(span.attribute("coffre.policy.scope"))));
        ReceivedSpan keyPolicy = only(children(serverSpan(forbidden)), "policy", "key");
        assertTrue(keyPolicy.isError());
        assertEquals("PERMISSION_DENIED", keyPolicy.attribute("coffre.outcome"));
        ReceivedSpan gate = only(children(serverSpan(admin)), "policy", "operation");
        assertTrue(gate.isError());
        assertEquals("PERMISSION_DENIED", gate.attribute("coffre.outcome"));
        assertEquals("KeyService/GetKey", serverSpan(admin).name());

        ReceivedSpan unwrap = serverSpan(forged);
        assertTrue(unwrap.isError());
        assertEquals(Integer.toString(badTag.getStatus().getCode().value()), unwrap.attribute("rpc.grpc.status_code"));
        assertFalse(unwrap.attribute("coffre.outcome").equals("OK"));
        assertTrue(only(children(unwrap), "hsm decrypt", null).isError(), "the HSM span says it failed");
        assertNothingSecret(new byte[0], foreign.getId());
    }

    private WrapRequest wrap(Key key) {
        byte[] plaintext = new byte[32];
        random.nextBytes(plaintext);
        return WrapRequest.newBuilder().setKeyId(key.getId()).setPlaintext(ByteString.copyFrom(plaintext)).build();
    }

    private static void assertCode(Status.Code code, org.junit.jupiter.api.function.Executable call) {
        assertEquals(code, assertThrows(StatusRuntimeException.class, call).getStatus().getCode());
    }

    /**
     * No exported text (span names, attribute values, status messages, events, resource) holds
     * {@code plaintext} in any usual encoding, the key id, or a principal.
     */
    static void assertNothingSecret(byte[] plaintext, String keyId) {
        List<String> forbidden = new java.util.ArrayList<>(List.of(keyId, "spiffe://"));
        if (plaintext.length > 0) {
            forbidden.addAll(List.of(Base64.getEncoder().encodeToString(plaintext),
                    Base64.getUrlEncoder().withoutPadding().encodeToString(plaintext), HexFormat.of().formatHex(plaintext),
                    new String(plaintext, StandardCharsets.ISO_8859_1)));
        }
        assertNotEquals(0, receiver.spans().size());
        for (ReceivedSpan span : receiver.spans()) {
            List<String> texts = new java.util.ArrayList<>(span.texts());
            texts.addAll(span.resource().values());
            for (String text : texts) {
                for (String secret : forbidden) {
                    assertFalse(text.contains(secret), () -> span.name() + " exports a secret, key id or principal");
                }
            }
        }
    }
}
