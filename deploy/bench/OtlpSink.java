// A stand-in OpenTelemetry collector for deploy/bench/telemetry.sh: it takes OTLP/HTTP trace
// exports (POST /v1/traces, protobuf, gzip or not), answers each with 200 and an empty
// ExportTraceServiceResponse, as a collector that accepted every span does, and keeps nothing but
// counts: exports received, their bytes, and the spans in them by span name (so that the bench can
// show that tracing was really on, and which share of the calls was sampled). GET /stats answers
// those counts as JSON. It costs the bench machine what a collector on it would; a real one
// usually runs elsewhere.
//
// Run with the java source launcher (no class path needed):
//   java deploy/bench/OtlpSink.java PORT_FILE
// It listens on 127.0.0.1, on a free port that it writes to PORT_FILE once it listens, and stops
// when killed.

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.zip.GZIPInputStream;

public class OtlpSink {
    private long exports;
    private long bytes;
    private long malformed;
    private final Map<String, Long> spansByName = new TreeMap<>();

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: java OtlpSink.java PORT_FILE");
            System.exit(2);
        }
        OtlpSink sink = new OtlpSink();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        server.createContext("/v1/traces", sink::traces);
        server.createContext("/stats", sink::stats);
        server.setExecutor(Executors.newFixedThreadPool(2));
        server.start();
        // Written whole, then moved: the bench polls for the file and must never read half a number.
        Path portFile = Path.of(args[0]);
        Path tmp = Files.writeString(portFile.resolveSibling(portFile.getFileName() + ".tmp"),
                server.getAddress().getPort() + "\n");
        Files.move(tmp, portFile, StandardCopyOption.ATOMIC_MOVE);
    }

    private void traces(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!exchange.getRequestMethod().equals("POST")) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            byte[] body = exchange.getRequestBody().readAllBytes();
            byte[] message = body;
            if ("gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
                try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(body))) {
                    message = in.readAllBytes();
                }
            }
            Map<String, Long> names = new TreeMap<>();
            boolean parsed = countSpans(message, names);
            synchronized (this) {
                exports++;
                bytes += body.length;
                if (!parsed) {
                    malformed++;
                }
                names.forEach((name, n) -> spansByName.merge(name, n, Long::sum));
            }
            // An empty ExportTraceServiceResponse: every span accepted.
            exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, -1);
        }
    }

    private void stats(HttpExchange exchange) throws IOException {
        StringBuilder json = new StringBuilder();
        synchronized (this) {
            long spans = spansByName.values().stream().mapToLong(Long::longValue).sum();
            json.append("{\"exports\":").append(exports).append(",\"bytes\":").append(bytes)
                    .append(",\"malformed\":").append(malformed).append(",\"spans\":").append(spans)
                    .append(",\"spansByName\":{");
            String separator = "";
            for (Map.Entry<String, Long> e : spansByName.entrySet()) {
                // Span names are the server's own ("CryptoService/Wrap", "policy", "hsm encrypt"...): a quote or
                // backslash, which they never hold, is dropped rather than escaped.
                json.append(separator).append('"').append(e.getKey().replaceAll("[\"\\\\]", "")).append("\":")
                        .append(e.getValue());
                separator = ",";
            }
            json.append("}}\n");
        }
        byte[] out = json.toString().getBytes(StandardCharsets.UTF_8);
        try (exchange; OutputStream body = exchange.getResponseBody()) {
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, out.length);
            body.write(out);
        }
    }

    // ---- just enough protobuf to count spans ----------------------------------------------------------
    // ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
    // ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; ... }
    // ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; ... }
    // Span { bytes trace_id = 1; ...; string name = 5; ... }

    /** Counts the spans of an ExportTraceServiceRequest by name; false if it does not parse. */
    static boolean countSpans(byte[] request, Map<String, Long> names) {
        try {
            for (Field resourceSpans : new Reader(request, 0, request.length).fields(1)) {
                for (Field scopeSpans : resourceSpans.message().fields(2)) {
                    for (Field span : scopeSpans.message().fields(2)) {
                        String name = "(unnamed)";
                        for (Field f : span.message().fields(5)) {
                            name = new String(request, f.offset, f.length, StandardCharsets.UTF_8);
                        }
                        names.merge(name, 1L, Long::sum);
                    }
                }
            }
            return true;
        } catch (IndexOutOfBoundsException | IllegalArgumentException | ArithmeticException e) {
            return false;
        }
    }

    /** A length-delimited field's value: {@code length} bytes of {@code buffer} from {@code offset}. */
    record Field(byte[] buffer, int offset, int length) {
        Reader message() {
            return new Reader(buffer, offset, offset + length);
        }
    }

    /** Reads the fields of one message, {@code buffer[start, end)}. */
    static final class Reader {
        private final byte[] buffer;
        private int position;
        private final int end;

        Reader(byte[] buffer, int start, int end) {
            this.buffer = buffer;
            this.position = start;
            this.end = end;
        }

        /** The length-delimited fields numbered {@code number}, every other field skipped. */
        java.util.List<Field> fields(int number) {
            java.util.List<Field> found = new java.util.ArrayList<>();
            while (position < end) {
                long key = varint();
                int wireType = (int) (key & 7);
                switch (wireType) {
                    case 0 -> varint();
                    case 1 -> position += 8;
                    case 5 -> position += 4;
                    case 2 -> {
                        int length = Math.toIntExact(varint());
                        if (length < 0 || position + length > end) {
                            throw new IllegalArgumentException("length past the message's end");
                        }
                        if (key >>> 3 == number) {
                            found.add(new Field(buffer, position, length));
                        }
                        position += length;
                    }
                    default -> throw new IllegalArgumentException("wire type " + wireType);
                }
            }
            if (position != end) {
                throw new IllegalArgumentException("field past the message's end");
            }
            return found;
        }

        private long varint() {
            long value = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                byte b = buffer[position++];
                value |= (long) (b & 0x7f) << shift;
                if (b >= 0) {
                    return value;
                }
            }
            throw new IllegalArgumentException("varint too long");
        }
    }
}
