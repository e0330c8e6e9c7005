package coffre.kms.server.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The test receiver itself: what the SDK's OTLP/HTTP exporter (the server's own) sends arrives
 * decoded (ids, parent, kind, attributes, status), with the OTLP classes loaded on the project's
 * protobuf runtime; other requests are refused and recorded.
 */
class OtlpReceiverTest {
    @Test
    void decodesWhatTheOtlpExporterSends() {
        try (OtlpReceiver receiver = OtlpReceiver.start();
             SdkTracerProvider provider = SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(
                     OtlpHttpSpanExporter.builder().setEndpoint(receiver.endpoint().toString()).build())).build()) {
            Tracer tracer = provider.get("test");
            Span parent = tracer.spanBuilder("parent").setSpanKind(SpanKind.SERVER).setAttribute("n", 7L).startSpan();
            Span child = tracer.spanBuilder("child").setParent(io.opentelemetry.context.Context.root().with(parent))
                    .setAttribute("text", "value").startSpan();
            child.setStatus(StatusCode.ERROR, "REASON");
            child.end();
            parent.end();
            provider.forceFlush().join(10, TimeUnit.SECONDS);

            // Each span is its own export, and the two may arrive in either order.
            List<OtlpReceiver.ReceivedSpan> spans = receiver.spans().stream()
                    .sorted(java.util.Comparator.comparing(OtlpReceiver.ReceivedSpan::name)).toList();
            assertEquals(List.of(), receiver.refused());
            assertEquals(List.of("child", "parent"), spans.stream().map(OtlpReceiver.ReceivedSpan::name).toList());
            OtlpReceiver.ReceivedSpan received = spans.get(1);
            assertEquals(parent.getSpanContext().getTraceId(), received.traceId());
            assertEquals(parent.getSpanContext().getSpanId(), received.spanId());
            assertEquals("", received.parentSpanId());
            assertEquals("7", received.attribute("n"));
            assertEquals(io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_SERVER, received.kind());
            assertTrue(received.startNanos() <= received.endNanos());
            assertEquals(parent.getSpanContext().getSpanId(), spans.get(0).parentSpanId());
            assertEquals("value", spans.get(0).attribute("text"));
            assertTrue(spans.get(0).isError());
            assertEquals("REASON", spans.get(0).statusMessage());
        }
    }

    @Test
    void refusesWhatIsNotAnOtlpProtobufExport() throws Exception {
        try (OtlpReceiver receiver = OtlpReceiver.start()) {
            HttpClient http = HttpClient.newHttpClient();
            URI endpoint = receiver.endpoint();
            assertEquals(415, http.send(HttpRequest.newBuilder(endpoint).header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.discarding())
                    .statusCode());
            assertEquals(405, http.send(HttpRequest.newBuilder(endpoint).GET().build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode());
            assertEquals(404, http.send(HttpRequest.newBuilder(endpoint.resolve("/v1/metrics"))
                    .header("content-type", "application/x-protobuf").POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode());
            assertEquals(400, http.send(HttpRequest.newBuilder(endpoint).header("content-type", "application/x-protobuf")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[] {(byte) 0xff, 1})).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode());
            assertEquals(4, receiver.refused().size(), receiver.refused()::toString);
            assertEquals(List.of(), receiver.spans());
        }
    }
}
