package coffre.kms.server.telemetry;

import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The calls' metrics and spans, per protocol and method. The meters of a method are made once and
 * kept, so a call pays for no meter lookup by name.
 */
public final class CallTelemetry {
    private final MeterRegistry registry;
    /** Null when tracing is off: calls then make no span at all. */
    private final Tracer tracer;
    private final TextMapPropagator propagator;
    private final Map<String, MethodTelemetry> methods = new ConcurrentHashMap<>();

    CallTelemetry(MeterRegistry registry, Tracer tracer, TextMapPropagator propagator) {
        this.registry = registry;
        this.tracer = tracer;
        this.propagator = propagator;
    }

    /**
     * The telemetry of {@code method} on {@code protocol}. {@code method} must come from a bounded
     * set (an RPC or operation name, never anything a caller chose).
     */
    public MethodTelemetry method(Protocol protocol, String method) {
        return methods.computeIfAbsent(protocol.label() + ' ' + method,
                ignored -> new MethodTelemetry(registry, tracer, propagator, protocol, method));
    }
}
