package coffre.kms.server.telemetry;

import coffre.hsm.Hsm;
import coffre.kms.server.access.DecisionObserver;
import coffre.kms.server.config.TelemetrySettings;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import java.util.Optional;

/**
 * A node's metrics registry and tracer, made from {@link TelemetrySettings}: the one object the
 * server hands its edges, its HSM wrapper and its meter binders. With metrics disabled the
 * registry is an empty composite (every meter a no-op); with tracing off there is no tracer and
 * no call makes a span.
 */
public final class Telemetry implements AutoCloseable {
    private static final java.util.Set<String> LINT_REFUSED = java.util.Set.of("jvm.compilation.time",
            "process.cpu.time", "system.cpu.count");

    private final MeterRegistry registry;
    private final PrometheusMeterRegistry prometheus;
    private final Tracing tracing;
    private final CallTelemetry calls;
    private final DecisionObserver decisions;

    private Telemetry(MeterRegistry registry, PrometheusMeterRegistry prometheus, Tracing tracing) {
        this.registry = registry;
        this.prometheus = prometheus;
        this.tracing = tracing;
        this.calls = new CallTelemetry(registry, tracing == null ? null : tracing.tracer(),
                W3CTraceContextPropagator.getInstance(), tracing == null ? 0 : tracing.samplingRatio());
        this.decisions = tracing == null ? DecisionObserver.NONE : new TracedDecisions(tracing.tracer());
    }

    /** The telemetry {@code settings} ask for; {@code nodeId} names the node in its traces. */
    public static Telemetry open(TelemetrySettings settings, String nodeId) {
        PrometheusMeterRegistry prometheus = settings.metrics().enabled()
                ? new PrometheusMeterRegistry(PrometheusConfig.DEFAULT) : null;
        if (prometheus != null) {
            // Three of Micrometer's JVM meters have names Prometheus' own lint refuses (a unit
            // abbreviated in the name, a gauge ending in _count); what they say is elsewhere
            // (process_cpu_usage, jvm_threads_*), so they are not served.
            prometheus.config().meterFilter(MeterFilter.deny(id -> LINT_REFUSED.contains(id.getName())))
                    .meterFilter(ONE_TIME_WINDOW);
        }
        MeterRegistry registry = prometheus != null ? prometheus : noMeters();
        return new Telemetry(registry, prometheus,
                settings.tracing() == null ? null : Tracing.open(settings.tracing(), nodeId));
    }

    /** Records nothing: for components started without a node's telemetry (tests of one part). */
    public static Telemetry none() {
        return new Telemetry(noMeters(), null, null);
    }

    /**
     * A registry whose every meter is Micrometer's no-op: metrics off cost the calls nothing (an
     * empty composite registry still walks its empty list of children on every record).
     */
    private static MeterRegistry noMeters() {
        CompositeMeterRegistry none = new CompositeMeterRegistry();
        none.config().meterFilter(MeterFilter.deny());
        return none;
    }

    /**
     * Timers and distribution summaries keep one time window instead of Micrometer's default
     * three. Prometheus reads the cumulative histogram (unchanged); the windows only feed each
     * meter's {@code _max} (now the largest value since its window last reset, at most
     * {@code PrometheusConfig.step()}, a minute, ago) and a windowed histogram this registry never
     * serves. Each record of a histogram then makes two bucket searches and increments (the
     * window's and Prometheus'), not four, and updates one maximum, not three (measured: docs/performance.md, "Telemetry cost").
     */
    static final MeterFilter ONE_TIME_WINDOW = new MeterFilter() {
        @Override
        public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
            return DistributionStatisticConfig.builder().bufferLength(1).build().merge(config);
        }
    };

    /** Where every meter of the node is registered. */
    public MeterRegistry registry() {
        return registry;
    }

    /** The registry the metrics listener serves; empty when metrics are disabled. */
    public Optional<PrometheusMeterRegistry> prometheus() {
        return Optional.ofNullable(prometheus);
    }

    /** The tracer, when tracing is on. */
    public Optional<Tracer> tracer() {
        return tracing == null ? Optional.empty() : Optional.of(tracing.tracer());
    }

    /** The calls' meters and spans. */
    public CallTelemetry calls() {
        return calls;
    }

    /** What the key-level access decisions tell: their {@code policy} spans in traced calls. */
    public DecisionObserver decisions() {
        return decisions;
    }

    /**
     * Sends the spans ended so far now, waiting at most the export timeout: for tests, which
     * would otherwise wait for the next scheduled batch. Does nothing when tracing is off.
     */
    public void flushTraces() {
        if (tracing != null) {
            tracing.flush();
        }
    }

    /** {@code hsm} observed: its operations timed, failures counted and traced under the label {@code name}. */
    public Hsm observe(Hsm hsm, String name) {
        return new ObservedHsm(hsm, name, registry, tracing == null ? null : tracing.tracer());
    }

    /** Sends the spans still buffered (for at most the export timeout) and stops. */
    @Override
    public void close() {
        if (tracing != null) {
            tracing.close();
        }
        registry.close();
    }
}
