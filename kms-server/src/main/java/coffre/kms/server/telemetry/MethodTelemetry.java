package coffre.kms.server.telemetry;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;

/** One method's meters (count by outcome, latency histogram) and the factory of its calls' spans. */
public final class MethodTelemetry {
    /**
     * The latency histogram's buckets: from a fast wrap (under a millisecond) to a call that waited
     * out its deadline. A fixed, short list keeps each method's series few.
     */
    static final Duration[] BUCKETS = {Duration.ofNanos(250_000), Duration.ofNanos(500_000), Duration.ofMillis(1),
            Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
            Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
            Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10)};

    private static final TextMapGetter<Function<String, String>> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Function<String, String> carrier) {
            return List.of("traceparent", "tracestate");
        }

        @Override
        public String get(Function<String, String> carrier, String key) {
            return carrier == null ? null : carrier.apply(key);
        }
    };

    private final MeterRegistry registry;
    private final Tracer tracer;
    private final TextMapPropagator propagator;
    private final double samplingRatio;
    private final Protocol protocol;
    private final String method;
    /** What every span of this method says from its start (see {@link SpanAttributes}). */
    private final Attributes spanAttributes;
    private final Timer duration;
    /** The count of the calls answered OK: made with the method, so its series starts at zero. */
    private final Counter ok;
    private final Map<String, Counter> outcomes = new ConcurrentHashMap<>();

    MethodTelemetry(MeterRegistry registry, Tracer tracer, TextMapPropagator propagator, double samplingRatio,
                    Protocol protocol, String method, Attributes spanAttributes) {
        this.samplingRatio = samplingRatio;
        this.registry = registry;
        this.tracer = tracer;
        this.propagator = propagator;
        this.protocol = protocol;
        this.method = method;
        this.spanAttributes = spanAttributes;
        this.duration = Timer.builder("coffre.call.duration")
                .description("Calls from their arrival to their answer, audit wait included")
                .tags("protocol", protocol.label(), "method", method)
                .serviceLevelObjectives(BUCKETS)
                .register(registry);
        this.ok = counter(ObservedCall.OK);
    }

    /**
     * A call that arrived at {@code startNanos} ({@link System#nanoTime()}), its caller's trace
     * context (W3C {@code traceparent}/{@code tracestate}) read through {@code headers}.
     */
    public ObservedCall start(long startNanos, Function<String, String> headers) {
        if (tracer == null) {
            return new ObservedCall(this, null, Span.getInvalid(), startNanos);
        }
        Context parent = propagator.extract(Context.root(), headers, HEADERS);
        SpanContext caller = Span.fromContext(parent).getSpanContext();
        // Decided before any span is built, so that the calls not traced (99 % of them at the default
        // ratio) cost no span, attributes or context: the caller's sampled flag when it sent a
        // traceparent (parent-based, as W3C asks), else a draw at the configured ratio.
        boolean traced = caller.isValid() ? caller.isSampled()
                : samplingRatio > 0 && ThreadLocalRandom.current().nextDouble() < samplingRatio;
        if (!traced) {
            return new ObservedCall(this, null, Span.getInvalid(), startNanos);
        }
        Span span = tracer.spanBuilder(method)
                .setParent(parent)
                .setSpanKind(SpanKind.SERVER)
                .setAllAttributes(spanAttributes)
                .startSpan();
        return new ObservedCall(this, tracer, span, startNanos);
    }

    /** Where a span of this method says the protocol's answer: the gRPC status code, or the HTTP status. */
    AttributeKey<Long> statusAttribute() {
        return protocol == Protocol.GRPC ? SpanAttributes.RPC_GRPC_STATUS_CODE
                : SpanAttributes.HTTP_RESPONSE_STATUS_CODE;
    }

    void record(long nanos, String outcome) {
        duration.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
        Counter counter = ObservedCall.OK.equals(outcome) ? ok : outcomes.get(outcome);
        if (counter == null) {
            counter = outcomes.computeIfAbsent(outcome, this::counter);
        }
        counter.increment();
    }

    private Counter counter(String outcome) {
        return Counter.builder("coffre.calls")
                .description("Calls answered, by outcome: OK or the reason the protocol answered")
                .tags("protocol", protocol.label(), "method", method, "outcome", outcome)
                .register(registry);
    }
}
