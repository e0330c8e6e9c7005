package coffre.kms.server.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.hsm.Hsm;
import coffre.kms.server.access.DecisionObserver;
import coffre.kms.server.testing.SoftwareHsm;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A call's span and its stages, made with the SDK and collected in memory: the tree (server span,
 * {@code authenticate}, both {@code policy} spans, {@code hsm <operation>}, {@code audit.wait}),
 * its attributes and statuses, the caller's W3C context and sampling decision honoured, and no
 * span at all when tracing is off or the call is not sampled.
 */
class TracedCallTest {
    static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    static final String PARENT_ID = "00f067aa0ba902b7";

    private final List<SpanData> exported = new CopyOnWriteArrayList<>();
    private final SdkTracerProvider provider = SdkTracerProvider.builder()
            .setSampler(Sampler.parentBased(Sampler.alwaysOff()))
            .addSpanProcessor(SimpleSpanProcessor.create(new SpanExporter() {
                @Override
                public CompletableResultCode export(Collection<SpanData> spans) {
                    exported.addAll(spans);
                    return CompletableResultCode.ofSuccess();
                }

                @Override
                public CompletableResultCode flush() {
                    return CompletableResultCode.ofSuccess();
                }

                @Override
                public CompletableResultCode shutdown() {
                    return CompletableResultCode.ofSuccess();
                }
            }))
            .build();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final CallTelemetry calls = new CallTelemetry(registry, provider.get("test"),
            W3CTraceContextPropagator.getInstance(), 0);
    private final DecisionObserver decisions = new TracedDecisions(provider.get("test"));
    private final Hsm hsm = new ObservedHsm(new SoftwareHsm(), "soft", registry, provider.get("test"));

    @AfterEach
    void close() {
        provider.close();
    }

    private static Function<String, String> traceparent(String flags) {
        return Map.of("traceparent", "00-" + TRACE_ID + "-" + PARENT_ID + "-" + flags, "tracestate", "vendor=x")::get;
    }

    private SpanData named(String name) {
        List<SpanData> found = exported.stream().filter(span -> span.getName().equals(name)).toList();
        assertEquals(1, found.size(), () -> name + " in " + exported);
        return found.get(0);
    }

    @Test
    void aSampledCallersCallMakesTheWholeTreeUnderItsParent() {
        ObservedCall call = calls.grpc("coffre.kms.v1.CryptoService", "Wrap").start(System.nanoTime(),
                traceparent("01"));
        call.requestId("req-1");
        try (Scope ignored = call.enter()) {
            ObservedCall.Stage gate = call.policy();
            gate.end();
            try (DecisionObserver.Decision decision = decisions.begin()) {
                assertTrue(Span.current().isRecording());
            }
            hsm.randomBytes(16);
        }
        assertFalse(Span.current().getSpanContext().isValid(), "the scope is closed: nothing current");
        ObservedCall.Stage auditWait = call.stage("audit.wait");
        auditWait.end();
        call.end(ObservedCall.OK, 0);

        SpanData server = named("CryptoService/Wrap");
        assertEquals(SpanKind.SERVER, server.getKind());
        assertEquals(TRACE_ID, server.getTraceId());
        assertEquals(PARENT_ID, server.getParentSpanId());
        assertTrue(server.getParentSpanContext().isRemote());
        assertEquals("x", server.getSpanContext().getTraceState().get("vendor"), "the caller's tracestate is kept");
        assertEquals("grpc", server.getAttributes().get(AttributeKey.stringKey("rpc.system")));
        assertEquals("coffre.kms.v1.CryptoService", server.getAttributes().get(AttributeKey.stringKey("rpc.service")));
        assertEquals("Wrap", server.getAttributes().get(AttributeKey.stringKey("rpc.method")));
        assertEquals(0L, server.getAttributes().get(AttributeKey.longKey("rpc.grpc.status_code")));
        assertEquals("OK", server.getAttributes().get(AttributeKey.stringKey("coffre.outcome")));
        assertEquals("req-1", server.getAttributes().get(AttributeKey.stringKey("coffre.request_id")));
        assertEquals(StatusCode.UNSET, server.getStatus().getStatusCode());

        List<SpanData> policies = exported.stream().filter(span -> span.getName().equals("policy")).toList();
        assertEquals(List.of("operation", "key"), policies.stream()
                .map(span -> span.getAttributes().get(AttributeKey.stringKey("coffre.policy.scope"))).toList());
        SpanData random = named("hsm random");
        assertEquals("soft", random.getAttributes().get(AttributeKey.stringKey("coffre.hsm")));
        for (SpanData child : List.of(policies.get(0), policies.get(1), random, named("audit.wait"))) {
            assertEquals(TRACE_ID, child.getTraceId());
            assertEquals(server.getSpanId(), child.getParentSpanId(), child.getName());
            assertEquals(SpanKind.INTERNAL, child.getKind());
        }
        assertEquals(5, exported.size(), exported::toString);
    }

    @Test
    void failuresMarkTheirSpansWithTheReasonAndStatus() {
        ObservedCall call = calls.http(Protocol.XKS, "Encrypt", "POST",
                        "{uriPathPrefix}/kms/xks/v1/keys/{externalKeyId}/encrypt")
                .start(System.nanoTime(), traceparent("01"));
        try (Scope ignored = call.enter()) {
            assertThrows(IllegalStateException.class, () -> call.authenticate(() -> {
                throw new IllegalStateException("bad signature");
            }));
            assertEquals("signer", call.authenticate(() -> "signer"));
            try (DecisionObserver.Decision decision = decisions.begin()) {
                decision.refused("NOT_PERMITTED");
            }
        }
        ObservedCall.Stage gate = call.policy();
        gate.refused("PERMISSION_DENIED");
        gate.end();
        call.end("ACCESS_DENIED", 403);

        SpanData server = named("Encrypt");
        assertEquals(StatusCode.ERROR, server.getStatus().getStatusCode());
        assertEquals("ACCESS_DENIED", server.getStatus().getDescription());
        assertEquals("ACCESS_DENIED", server.getAttributes().get(AttributeKey.stringKey("coffre.outcome")));
        assertEquals("ACCESS_DENIED", server.getAttributes().get(AttributeKey.stringKey("error.type")));
        assertEquals(403L, server.getAttributes().get(AttributeKey.longKey("http.response.status_code")));
        assertEquals("POST", server.getAttributes().get(AttributeKey.stringKey("http.request.method")));
        assertEquals("{uriPathPrefix}/kms/xks/v1/keys/{externalKeyId}/encrypt",
                server.getAttributes().get(AttributeKey.stringKey("http.route")));
        assertNull(server.getAttributes().get(AttributeKey.longKey("rpc.grpc.status_code")));
        List<SpanData> authentications = exported.stream().filter(span -> span.getName().equals("authenticate"))
                .toList();
        assertEquals(List.of(StatusCode.ERROR, StatusCode.UNSET), authentications.stream()
                .map(span -> span.getStatus().getStatusCode()).toList());
        assertEquals(StatusCode.ERROR, authentications.get(0).getStatus().getStatusCode());
        assertEquals("", authentications.get(0).getStatus().getDescription(), "no exception message in a span");
        for (SpanData policy : exported.stream().filter(span -> span.getName().equals("policy")).toList()) {
            assertEquals(StatusCode.ERROR, policy.getStatus().getStatusCode());
            assertTrue(List.of("NOT_PERMITTED", "PERMISSION_DENIED")
                    .contains(policy.getAttributes().get(AttributeKey.stringKey("coffre.outcome"))));
        }
    }

    @Test
    void aCallEndsOnceAndOnlyARequestIdThatIsAShortTokenIsKept() {
        ObservedCall call = calls.grpc("coffre.kms.v1.KeyService", "GetKey").start(System.nanoTime(),
                traceparent("01"));
        call.requestId("has spaces and \"quotes\"");
        call.requestId("x".repeat(65));
        call.end(ObservedCall.OK, 0);
        call.end("INTERNAL_ERROR", 13);
        SpanData server = named("KeyService/GetKey");
        assertNull(server.getAttributes().get(AttributeKey.stringKey("coffre.request_id")));
        assertEquals("OK", server.getAttributes().get(AttributeKey.stringKey("coffre.outcome")));
    }

    @Test
    void aCallerThatDidNotSampleGetsNoSpanAndNeitherDoesAnUnsampledRoot() {
        // The sampler here never samples a root: only a caller's sampled flag makes spans.
        for (Function<String, String> headers : List.<Function<String, String>>of(traceparent("00"), name -> null)) {
            ObservedCall call = calls.method(Protocol.DKE, "Decrypt").start(System.nanoTime(), headers);
            try (Scope ignored = call.enter()) {
                assertFalse(Span.current().isRecording());
                assertSame(DecisionObserver.Decision.NONE, decisions.begin());
                hsm.randomBytes(8);
            }
            assertSame(ObservedCall.Stage.NONE, call.stage("audit.wait"));
            assertSame(ObservedCall.Stage.NONE, call.policy());
            call.end(ObservedCall.OK, 200);
        }
        assertEquals(List.of(), exported);
        assertEquals(2, registry.get("coffre.calls").tags("protocol", "dke").counter().count(), "still counted");
    }

    @Test
    void withTracingOffNothingMakesASpan() {
        Telemetry none = Telemetry.none();
        assertSame(DecisionObserver.NONE, none.decisions());
        ObservedCall call = none.calls().grpc("coffre.kms.v1.CryptoService", "Wrap").start(System.nanoTime(),
                traceparent("01"));
        try (Scope scope = call.enter()) {
            assertSame(Scope.noop(), scope);
            assertFalse(Span.current().getSpanContext().isValid());
        }
        assertSame(ObservedCall.Stage.NONE, call.stage("audit.wait"));
        assertSame(ObservedCall.Stage.NONE, call.policy());
        assertEquals("done", call.authenticate(() -> "done"));
        call.end(ObservedCall.OK, 0);
        none.flushTraces();
        none.close();
    }
}
