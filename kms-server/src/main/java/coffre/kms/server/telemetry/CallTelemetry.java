package coffre.kms.server.telemetry;

import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The calls' metrics and spans, per protocol and method. The meters of a method are made once and
 * kept, so a call pays for no meter lookup by name.
 */
public final class CallTelemetry {
    private final MeterRegistry registry;
    /** Null when tracing is off: calls then make no span at all. */
    private final Tracer tracer;
    private final TextMapPropagator propagator;
    /** The share of calls traced when the caller sent no sampling decision. */
    private final double samplingRatio;
    private final Map<String, MethodTelemetry> methods = new ConcurrentHashMap<>();

    CallTelemetry(MeterRegistry registry, Tracer tracer, TextMapPropagator propagator, double samplingRatio) {
        this.samplingRatio = samplingRatio;
        this.registry = registry;
        this.tracer = tracer;
        this.propagator = propagator;
    }

    /**
     * The telemetry of {@code method} on {@code protocol}, for a request the edge could not route
     * (its spans say only the protocol). {@code method} must come from a bounded set (an operation
     * name, never anything a caller chose).
     */
    public MethodTelemetry method(Protocol protocol, String method) {
        return method(protocol, method, () -> Attributes.of(SpanAttributes.RPC_SYSTEM, protocol.label()));
    }

    /**
     * The telemetry of a gRPC method, labelled {@code Service/Method} (the service without its
     * package, e.g. {@code CryptoService/Wrap}).
     *
     * @param service the full service name, e.g. {@code coffre.kms.v1.CryptoService}
     */
    public MethodTelemetry grpc(String service, String method) {
        return method(Protocol.GRPC, service.substring(service.lastIndexOf('.') + 1) + "/" + method,
                () -> Attributes.of(SpanAttributes.RPC_SYSTEM, Protocol.GRPC.label(), SpanAttributes.RPC_SERVICE,
                        service, SpanAttributes.RPC_METHOD, method));
    }

    /**
     * The telemetry of an operation of an HTTP protocol (XKS, DKE).
     *
     * @param httpMethod the HTTP method the operation is routed by
     * @param route      its path template, e.g. {@code /{keyName}/{version}/decrypt}: never a path as sent
     */
    public MethodTelemetry http(Protocol protocol, String method, String httpMethod, String route) {
        return method(protocol, method, () -> Attributes.of(SpanAttributes.RPC_SYSTEM, protocol.label(),
                SpanAttributes.RPC_METHOD, method, SpanAttributes.HTTP_REQUEST_METHOD, httpMethod,
                SpanAttributes.HTTP_ROUTE, route));
    }

    private MethodTelemetry method(Protocol protocol, String method, Supplier<Attributes> spanAttributes) {
        return methods.computeIfAbsent(protocol.label() + ' ' + method,
                ignored -> new MethodTelemetry(registry, tracer, propagator, samplingRatio, protocol, method,
                        spanAttributes.get()));
    }
}
