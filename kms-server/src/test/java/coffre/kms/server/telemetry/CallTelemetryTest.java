package coffre.kms.server.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The call meters: one count per call by outcome and one latency sample, whatever the number of ends. */
class CallTelemetryTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final CallTelemetry calls = new CallTelemetry(registry, null,
            io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator.getInstance(), 0);

    @Test
    void countsEachCallOnceByOutcomeAndTimesIt() {
        MethodTelemetry wrap = calls.method(Protocol.GRPC, "CryptoService/Wrap");
        assertSame(wrap, calls.method(Protocol.GRPC, "CryptoService/Wrap"), "a method's meters are made once");
        ObservedCall ok = wrap.start(System.nanoTime(), Map.<String, String>of()::get);
        ok.end(ObservedCall.OK, 0);
        ok.end("INTERNAL_ERROR", 13);
        wrap.start(System.nanoTime(), name -> null).end("KEY_NOT_FOUND", 5);

        assertEquals(1.0, registry.get("coffre.calls").tags("protocol", "grpc", "method", "CryptoService/Wrap",
                "outcome", "OK").counter().count());
        assertEquals(1.0, registry.get("coffre.calls").tags("outcome", "KEY_NOT_FOUND").counter().count());
        assertNull(registry.find("coffre.calls").tags("outcome", "INTERNAL_ERROR").counter(),
                "a call ends once: a second end records nothing");
        Timer latency = registry.get("coffre.call.duration").tags("protocol", "grpc", "method", "CryptoService/Wrap")
                .timer();
        assertEquals(2, latency.count());
    }

    @Test
    void protocolsKeepTheirOwnSeries() {
        calls.method(Protocol.XKS, "Encrypt").start(System.nanoTime(), name -> null).end("VALIDATION", 400);
        calls.method(Protocol.DKE, "Decrypt").start(System.nanoTime(), name -> null).end(ObservedCall.OK, 200);
        assertNotNull(registry.get("coffre.calls").tags("protocol", "xks", "method", "Encrypt", "outcome", "VALIDATION")
                .counter());
        assertEquals(1, registry.get("coffre.call.duration").tags("protocol", "dke").timer().count());
    }

    @Test
    void withoutTracingACallHasNoSpanAndItsStagesDoNothing() {
        ObservedCall call = calls.method(Protocol.GRPC, "KeyService/GetKey").start(System.nanoTime(), name -> null);
        try (var scope = call.enter()) {
            assertEquals(false, io.opentelemetry.api.trace.Span.current().getSpanContext().isValid());
        }
        call.stage("audit.wait").end();
        call.end(ObservedCall.OK, 0);
    }
}
