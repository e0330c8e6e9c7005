package coffre.kms.server.testing;

import coffre.kms.server.config.TelemetrySettings;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * An OpenTelemetry collector's OTLP/HTTP traces endpoint, in process, for tests: accepts
 * {@code POST /v1/traces} with {@code Content-Type: application/x-protobuf} on 127.0.0.1, decodes
 * each {@code ExportTraceServiceRequest} with the OTLP protobuf classes and keeps its spans in
 * memory; anything else is refused (404, 405, 415) and counted, so a test sees a bad export too.
 * A node is pointed at it with {@link #settings(double)}.
 */
public final class OtlpReceiver implements AutoCloseable {
    /** A span as received: ids in lowercase hex (an empty parent for a root), times in Unix nanoseconds. */
    public record ReceivedSpan(String traceId, String spanId, String parentSpanId, String name, Span.SpanKind kind,
                               long startNanos, long endNanos, Map<String, String> attributes, String status,
                               String statusMessage, Map<String, String> resource, List<String> eventTexts) {
        public String attribute(String key) {
            return attributes.get(key);
        }

        /** Every text of the span a backend would show: name, status message, attribute and event values. */
        public List<String> texts() {
            List<String> texts = new ArrayList<>(List.of(name, statusMessage));
            texts.addAll(attributes.values());
            texts.addAll(eventTexts);
            return texts;
        }

        public boolean isError() {
            return status.equals("STATUS_CODE_ERROR");
        }

        @Override
        public String toString() {
            return name + " " + spanId + "<-" + parentSpanId + " " + status + " " + attributes;
        }
    }

    private final HttpServer server;
    private final List<ReceivedSpan> spans = new CopyOnWriteArrayList<>();
    private final List<String> refused = new CopyOnWriteArrayList<>();

    private OtlpReceiver(HttpServer server) {
        this.server = server;
    }

    public static OtlpReceiver start() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            OtlpReceiver receiver = new OtlpReceiver(server);
            server.createContext("/", receiver::handle);
            server.start();
            return receiver;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The traces endpoint, e.g. {@code http://127.0.0.1:40123/v1/traces}. */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/v1/traces");
    }

    /** Traces sent here, roots sampled in {@code ratio}. */
    public TelemetrySettings.Tracing settings(double ratio) {
        return new TelemetrySettings.Tracing(endpoint(), ratio, "coffre-test", Map.of(),
                TelemetrySettings.Tracing.DEFAULT_TIMEOUT);
    }

    public List<ReceivedSpan> spans() {
        return List.copyOf(spans);
    }

    /** The spans of one trace, in the order received. */
    public List<ReceivedSpan> trace(String traceId) {
        return spans.stream().filter(span -> span.traceId().equals(traceId)).toList();
    }

    /** The spans that {@code filter} selects. */
    public List<ReceivedSpan> spans(Predicate<ReceivedSpan> filter) {
        return spans.stream().filter(filter).toList();
    }

    /** The requests refused (method, path, content type): none unless the exporter misbehaves. */
    public List<String> refused() {
        return List.copyOf(refused);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange; InputStream body = exchange.getRequestBody()) {
            byte[] bytes = body.readAllBytes();
            String contentType = exchange.getRequestHeaders().getFirst("content-type");
            int status;
            if (!exchange.getRequestURI().getPath().equals("/v1/traces")) {
                status = 404;
            } else if (!exchange.getRequestMethod().equals("POST")) {
                status = 405;
            } else if (contentType == null || !contentType.startsWith("application/x-protobuf")) {
                status = 415;
            } else {
                try {
                    receive(ExportTraceServiceRequest.parseFrom(bytes));
                } catch (RuntimeException | Error | IOException e) {
                    // Said to the test (refused()) rather than lost in the HTTP server's log.
                    refused.add("POST /v1/traces undecodable: " + e);
                    exchange.sendResponseHeaders(400, -1);
                    return;
                }
                byte[] answer = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
                exchange.getResponseHeaders().set("content-type", "application/x-protobuf");
                exchange.sendResponseHeaders(200, answer.length == 0 ? -1 : answer.length);
                exchange.getResponseBody().write(answer);
                return;
            }
            refused.add(exchange.getRequestMethod() + " " + exchange.getRequestURI() + " " + contentType);
            exchange.sendResponseHeaders(status, -1);
        }
    }

    private void receive(ExportTraceServiceRequest request) {
        HexFormat hex = HexFormat.of();
        for (ResourceSpans resourceSpans : request.getResourceSpansList()) {
            Map<String, String> resource = texts(resourceSpans.getResource());
            for (ScopeSpans scope : resourceSpans.getScopeSpansList()) {
                for (Span span : scope.getSpansList()) {
                    List<String> eventTexts = new ArrayList<>();
                    span.getEventsList().forEach(event -> {
                        eventTexts.add(event.getName());
                        eventTexts.addAll(texts(event.getAttributesList()).values());
                    });
                    span.getLinksList().forEach(link -> eventTexts.addAll(texts(link.getAttributesList()).values()));
                    spans.add(new ReceivedSpan(hex.formatHex(span.getTraceId().toByteArray()),
                            hex.formatHex(span.getSpanId().toByteArray()), hex.formatHex(span.getParentSpanId().toByteArray()),
                            span.getName(), span.getKind(), span.getStartTimeUnixNano(), span.getEndTimeUnixNano(),
                            texts(span.getAttributesList()), span.getStatus().getCode().name(),
                            span.getStatus().getMessage(), resource, eventTexts));
                }
            }
        }
    }

    private static Map<String, String> texts(Resource resource) {
        return texts(resource.getAttributesList());
    }

    private static Map<String, String> texts(List<KeyValue> attributes) {
        Map<String, String> texts = new LinkedHashMap<>();
        for (KeyValue attribute : attributes) {
            texts.put(attribute.getKey(), text(attribute.getValue()));
        }
        return texts;
    }

    private static String text(AnyValue value) {
        return switch (value.getValueCase()) {
            case STRING_VALUE -> value.getStringValue();
            case INT_VALUE -> Long.toString(value.getIntValue());
            case BOOL_VALUE -> Boolean.toString(value.getBoolValue());
            case DOUBLE_VALUE -> Double.toString(value.getDoubleValue());
            case BYTES_VALUE -> HexFormat.of().formatHex(value.getBytesValue().toByteArray());
            default -> value.toString();
        };
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
