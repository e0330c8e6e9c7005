package coffre.kms.server.telemetry;

import coffre.kms.server.config.TelemetrySettings;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporterBuilder;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.util.concurrent.TimeUnit;

/**
 * The OpenTelemetry tracer of a node: spans batched and sent over OTLP/HTTP (protobuf) to the
 * configured collector; a call is traced when its caller's {@code traceparent} says it is sampled,
 * or, without one, in the configured ratio. No global OpenTelemetry is installed: the tracer is
 * handed to what makes spans.
 */
final class Tracing implements AutoCloseable {
    private final SdkTracerProvider provider;
    private final Tracer tracer;
    private final long timeoutMillis;

    private final double samplingRatio;

    private Tracing(SdkTracerProvider provider, long timeoutMillis, double samplingRatio) {
        this.samplingRatio = samplingRatio;
        this.provider = provider;
        this.tracer = provider.get("coffre.kms.server");
        this.timeoutMillis = timeoutMillis;
    }

    static Tracing open(TelemetrySettings.Tracing settings, String nodeId) {
        OtlpHttpSpanExporterBuilder exporter = OtlpHttpSpanExporter.builder()
                .setEndpoint(settings.endpoint().toString())
                .setTimeout(settings.timeout());
        settings.headers().forEach(exporter::addHeader);
        SdkTracerProvider provider = SdkTracerProvider.builder()
                .setResource(Resource.getDefault().merge(Resource.create(Attributes.builder()
                        .put("service.name", settings.serviceName())
                        .put("service.instance.id", nodeId)
                        .build())))
                // Whether a call is traced is decided before its span is built (MethodTelemetry.start:
                // the caller's sampled flag, else samplingRatio), so that the calls not traced cost no
                // span at all; what reaches the SDK is to be recorded.
                .setSampler(Sampler.parentBased(Sampler.alwaysOn()))
                .addSpanProcessor(BatchSpanProcessor.builder(exporter.build()).build())
                .build();
        return new Tracing(provider, settings.timeout().toMillis(), settings.samplingRatio());
    }

    /** The share of calls traced when the caller sent no sampling decision. */
    double samplingRatio() {
        return samplingRatio;
    }

    Tracer tracer() {
        return tracer;
    }

    void flush() {
        provider.forceFlush().join(timeoutMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        provider.shutdown().join(timeoutMillis, TimeUnit.MILLISECONDS);
    }
}
