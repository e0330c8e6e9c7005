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

    private Tracing(SdkTracerProvider provider, long timeoutMillis) {
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
                .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(settings.samplingRatio())))
                .addSpanProcessor(BatchSpanProcessor.builder(exporter.build()).build())
                .build();
        return new Tracing(provider, settings.timeout().toMillis());
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
