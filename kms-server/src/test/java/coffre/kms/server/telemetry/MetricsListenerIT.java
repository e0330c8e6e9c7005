package coffre.kms.server.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.testing.TestServer;
import coffre.kms.v1.Key;
import coffre.kms.v1.WrapRequest;
import com.google.protobuf.ByteString;
import io.grpc.StatusRuntimeException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The metrics listener of a real node (SoftHSM, embedded store): what it serves, and that the call
 * and HSM meters move with real calls. (The exposition is checked by Prometheus' own parser in MetricsIT.)
 */
class MetricsListenerIT {
    @TempDir
    static Path dir;
    static TestServer node;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        node = TestServer.start(dir);
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    private static HttpResponse<String> get(String path, String accept) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.metricsPort() + path));
        if (accept != null) {
            request.header("accept", accept);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static double sample(String exposition, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(exposition);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    @Test
    void callsAndHsmOperationsMoveTheirMeters() throws Exception {
        Key key = node.createKey();
        String before = get("/metrics", null).body();
        String ok = "coffre_calls_total{method=\"CryptoService/Wrap\",outcome=\"OK\",protocol=\"grpc\"}";
        // An unknown key is refused like a forbidden one (no existence oracle).
        String missing = "coffre_calls_total{method=\"CryptoService/Wrap\",outcome=\"PERMISSION_DENIED\",protocol=\"grpc\"}";
        String latency = "coffre_call_duration_seconds_count{method=\"CryptoService/Wrap\",protocol=\"grpc\"}";
        String hsmEncrypt = "coffre_hsm_operation_duration_seconds_count{hsm=\"" + "%s" + "\",operation=\"encrypt\"}";

        for (int i = 0; i < 3; i++) {
            node.serviceCrypto().wrap(WrapRequest.newBuilder().setKeyId(key.getId())
                    .setPlaintext(ByteString.copyFromUtf8("data key " + i)).build());
        }
        assertThrows(StatusRuntimeException.class, () -> node.serviceCrypto().wrap(WrapRequest.newBuilder()
                .setKeyId("key-" + "a".repeat(26)).setPlaintext(ByteString.copyFromUtf8("x")).build()));

        HttpResponse<String> after = get("/metrics", null);
        assertEquals(200, after.statusCode());
        assertTrue(after.headers().firstValue("content-type").orElse("").startsWith("text/plain; version=0.0.4"));
        String body = after.body();
        assertEquals(3, sample(body, ok) - sample(before, ok));
        assertEquals(1, sample(body, missing) - sample(before, missing), () -> body.lines()
                .filter(line -> line.startsWith("coffre_calls_total")).toList().toString());
        assertEquals(4, sample(body, latency) - sample(before, latency));
        Matcher hsm = Pattern.compile("coffre_hsm_operation_duration_seconds_count\\{hsm=\"([^\"]+)\",operation=\"encrypt\"}")
                .matcher(body);
        assertTrue(hsm.find(), "the HSM's encryptions are timed");
        String series = hsmEncrypt.formatted(hsm.group(1));
        assertTrue(sample(body, series) - sample(before, series) >= 3, "three wraps, three HSM encryptions at least");
        assertTrue(body.contains("coffre_call_duration_seconds_bucket{method=\"CryptoService/Wrap\",protocol=\"grpc\",le=\"0.001\"}"),
                "the latency is a histogram with fixed buckets");
    }

    @Test
    void servesOpenMetricsWhenAskedAndNothingElse() throws Exception {
        HttpResponse<String> open = get("/metrics", "application/openmetrics-text; version=1.0.0");
        assertTrue(open.headers().firstValue("content-type").orElse("").startsWith("application/openmetrics-text"));
        assertTrue(open.body().endsWith("# EOF\n"));
        assertEquals(404, get("/other", null).statusCode());
        HttpResponse<String> post = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.metricsPort()
                + "/metrics")).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, post.statusCode());
    }
}
