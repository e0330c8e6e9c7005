package coffre.kms.server.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import coffre.kms.server.testing.TestServer;
import coffre.kms.v1.Key;
import coffre.kms.v1.UnwrapRequest;
import coffre.kms.v1.WrapRequest;
import coffre.kms.v1.WrapResponse;
import com.google.protobuf.ByteString;
import io.grpc.StatusRuntimeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real node (SoftHSM, embedded store) scraped over HTTP after real gRPC calls, its exposition read
 * by Prometheus' own tools: {@code promtool check metrics} (the Go parser and linter Prometheus
 * uses) and the Prometheus Python client's parser ({@code src/test/resources/telemetry/exposition_to_json.py},
 * Debian {@code python3-prometheus-client}). Counts and histogram counts move by exactly the calls
 * made, a failing call shows its error reason, every metric of docs/metrics.md is served, and no
 * label value is a key id or a principal.
 */
class MetricsIT {
    private static final int WRAPS = 5;
    private static final Pattern KEY_ID = Pattern.compile("key-[a-z2-7]{26}");
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    /**
     * Every metric of the contract, as scraped: counters by their {@code _total} sample, histograms
     * and summaries by their {@code _count}, gauges by name.
     */
    private static final List<String> CONTRACT = List.of(
            "coffre_calls_total", "coffre_call_duration_seconds_count",
            "coffre_hsm_operation_duration_seconds_count", "coffre_hsm_operation_errors_total", "coffre_hsm_up",
            "coffre_hsm_sessions_in_use", "coffre_hsm_sessions_max", "coffre_hsm_reinitialisations_total",
            "coffre_audit_queue_depth", "coffre_audit_batch_events_count", "coffre_audit_write_duration_seconds_count",
            "coffre_audit_write_failures_total", "coffre_audit_writable", "coffre_audit_checkpoint_age_seconds",
            "hikaricp_connections_active", "hikaricp_connections_idle", "hikaricp_connections_pending",
            "hikaricp_connections_max", "hikaricp_connections_timeout_total", "hikaricp_connections_acquire_seconds_count",
            "coffre_store_errors_total", "coffre_cluster_propagation_lag_seconds_count", "coffre_cluster_members",
            "coffre_approvals_pending", "coffre_approval_votes_total", "coffre_lease_soonest_expiry_timestamp_seconds",
            "coffre_break_glass_allowances_active", "coffre_grants_active", "coffre_key_deletions_due", "coffre_keys",
            "coffre_tls_certificate_expiry_timestamp_seconds", "coffre_ready");

    @TempDir
    static Path dir;
    static TestServer node;

    @BeforeAll
    static void start() {
        node = TestServer.start(dir);
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    /** One sample as the Python parser read it. */
    private record Sample(String name, Map<String, String> labels, double value) {
    }

    private static String scrape() throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + node.metricsPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        return response.body();
    }

    @Test
    void theExpositionParsesAndMovesExactlyWithTheCallsMade() throws Exception {
        Key key = node.createKey();
        List<Sample> before = parse(scrape());
        List<ByteString> envelopes = new ArrayList<>();
        for (int i = 0; i < WRAPS; i++) {
            WrapResponse wrapped = node.serviceCrypto().wrap(WrapRequest.newBuilder().setKeyId(key.getId())
                    .setPlaintext(ByteString.copyFromUtf8("data key " + i)).putEncryptionContext("tenant", "a").build());
            envelopes.add(wrapped.getEnvelope());
        }
        node.serviceCrypto().unwrap(UnwrapRequest.newBuilder().setEnvelope(envelopes.get(0))
                .putEncryptionContext("tenant", "a").build());
        // The wrong context fails the HSM's tag check: DECRYPTION_FAILED, and an HSM error.
        assertThrows(StatusRuntimeException.class, () -> node.serviceCrypto().unwrap(UnwrapRequest.newBuilder()
                .setEnvelope(envelopes.get(1)).putEncryptionContext("tenant", "b").build()));
        String exposition = scrape();
        promtoolCheck(exposition);
        List<Sample> after = parse(exposition);

        Map<String, String> wrapOk = Map.of("protocol", "grpc", "method", "CryptoService/Wrap", "outcome", "OK");
        Map<String, String> unwrapOk = Map.of("protocol", "grpc", "method", "CryptoService/Unwrap", "outcome", "OK");
        Map<String, String> unwrapFailed = Map.of("protocol", "grpc", "method", "CryptoService/Unwrap",
                "outcome", "DECRYPTION_FAILED");
        assertEquals(WRAPS, delta(before, after, "coffre_calls_total", wrapOk));
        assertEquals(1, delta(before, after, "coffre_calls_total", unwrapOk));
        assertEquals(1, delta(before, after, "coffre_calls_total", unwrapFailed), "the error reason is a label value");
        assertEquals(WRAPS, delta(before, after, "coffre_call_duration_seconds_count",
                Map.of("protocol", "grpc", "method", "CryptoService/Wrap")));
        assertEquals(2, delta(before, after, "coffre_call_duration_seconds_count",
                Map.of("protocol", "grpc", "method", "CryptoService/Unwrap")), "failed calls are timed too");

        String hsm = only(after, "coffre_hsm_up").labels().get("hsm");
        // The deep health check (every 15 s) makes one encrypt-decrypt round trip of its own; one
        // may fall between the scrapes, so the extra encryptions must be matched by extra decryptions.
        double encrypts = delta(before, after, "coffre_hsm_operation_duration_seconds_count",
                Map.of("hsm", hsm, "operation", "encrypt"));
        double decrypts = delta(before, after, "coffre_hsm_operation_duration_seconds_count",
                Map.of("hsm", hsm, "operation", "decrypt"));
        double healthRoundTrips = encrypts - WRAPS;
        assertTrue(healthRoundTrips >= 0 && healthRoundTrips <= 2, "HSM encryptions: " + encrypts);
        assertEquals(2 + healthRoundTrips, decrypts, "HSM decryptions: the two unwraps and the health checks'");
        assertEquals(1, delta(before, after, "coffre_hsm_operation_errors_total",
                Map.of("hsm", hsm, "operation", "decrypt", "kind", "AUTHENTICATION_FAILED")));
        assertEquals(1, only(after, "coffre_hsm_up").value(), "the HSM is up");
        assertEquals(TestServer.SESSIONS, only(after, "coffre_hsm_sessions_max").value());
        assertEquals(0, only(after, "coffre_hsm_sessions_in_use").value(), "no call in the HSM now");
        assertEquals(0, only(after, "coffre_hsm_reinitialisations_total").value());

        // Each answered call waited for its audit event: at least one event per call was made durable.
        double events = delta(before, after, "coffre_audit_batch_events_sum", Map.of());
        assertTrue(events >= WRAPS + 2, "audit events written: " + events);
        assertEquals(delta(before, after, "coffre_audit_batch_events_count", Map.of()),
                delta(before, after, "coffre_audit_write_duration_seconds_count", Map.of()), "one timed write per batch");
        assertEquals(0, only(after, "coffre_audit_write_failures_total").value());
        assertEquals(1, only(after, "coffre_audit_writable").value());
        assertTrue(value(after, "coffre_keys", Map.of("state", "ENABLED")) >= 1, "the key made here at least");
        assertEquals(1, only(after, "coffre_cluster_members").value(), "a single node counts itself");
        assertEquals(1, only(after, "coffre_ready").value());
        assertTrue(value(after, "coffre_tls_certificate_expiry_timestamp_seconds", Map.of("listener", "grpc"))
                > System.currentTimeMillis() / 1000.0, "the test certificate is valid");
        assertTrue(after.stream().anyMatch(s -> s.name().startsWith("vertx_pool_")), "the worker pools are measured");
        assertTrue(after.stream().anyMatch(s -> s.name().startsWith("jvm_memory_")), "the JVM is measured");
        assertFalse(after.stream().anyMatch(s -> s.name().startsWith("vertx_http_server_")),
                "Vert.x's per-request meters are off");

        for (String name : CONTRACT) {
            assertTrue(after.stream().anyMatch(s -> s.name().equals(name)), name + " is served");
        }
        // What the alert rules and the dashboard query (deploy/monitoring/metric-names.txt) is really served.
        for (String name : java.nio.file.Files.readAllLines(Path.of("..", "deploy", "monitoring", "metric-names.txt"))) {
            if (!name.isBlank() && !name.startsWith("#")) {
                assertTrue(after.stream().anyMatch(s -> s.name().equals(name.strip())
                        || s.name().startsWith(name.strip() + "_")), name + ", queried by deploy/monitoring/, is served");
            }
        }
        for (Sample sample : after) {
            sample.labels().forEach((label, value) -> {
                assertFalse(KEY_ID.matcher(value).find(), sample + ": a key id as a label value");
                assertFalse(value.contains(key.getId()), sample + ": the key id");
                assertFalse(value.contains("spiffe://") || value.contains("CN="), sample + ": a principal");
                assertFalse(label.equals("remote") || label.equals("path") || label.equals("route"),
                        sample + ": an unbounded Vert.x label");
            });
        }
    }

    private static Sample only(List<Sample> samples, String name) {
        List<Sample> found = samples.stream().filter(s -> s.name().equals(name)).toList();
        assertEquals(1, found.size(), () -> name + ": " + found);
        return found.get(0);
    }

    /** The value of the sample named {@code name} whose labels include {@code labels}; 0 when absent. */
    private static double value(List<Sample> samples, String name, Map<String, String> labels) {
        List<Sample> found = samples.stream().filter(s -> s.name().equals(name)
                && s.labels().entrySet().containsAll(labels.entrySet())).toList();
        assertTrue(found.size() <= 1, () -> name + labels + " names one series: " + found);
        return found.isEmpty() ? 0 : found.get(0).value();
    }

    private static double delta(List<Sample> before, List<Sample> after, String name, Map<String, String> labels) {
        return value(after, name, labels) - value(before, name, labels);
    }

    // ---- Prometheus' tools ----------------------------------------------------------------------

    private record Run(int exit, String out, String err) {
    }

    private static Run run(List<String> command, String stdin) throws Exception {
        Process process = new ProcessBuilder(command).start();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(process.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
        try (var in = process.getOutputStream()) {
            in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail(command + " did not finish within 60 s");
        }
        return new Run(process.exitValue(), out.get(), err.get());
    }

    private static String read(InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code promtool check metrics}: the exposition parses and passes Prometheus' lint. */
    private static void promtoolCheck(String exposition) throws Exception {
        String promtool = executable("promtool", "Debian package prometheus (deploy/monitoring/check.sh unpacks it)");
        Run check = run(List.of(promtool, "check", "metrics"), exposition);
        assertEquals(0, check.exit(), () -> "promtool check metrics:\n" + check.out() + check.err());
    }

    /** The samples of {@code exposition}, as the Prometheus Python client's parser reads them. */
    private static List<Sample> parse(String exposition) throws Exception {
        Path script = dir.resolve("exposition_to_json.py");
        if (!Files.exists(script)) {
            try (InputStream in = MetricsIT.class.getResourceAsStream("/telemetry/exposition_to_json.py")) {
                Files.copy(in, script);
            }
        }
        String python = pythonWithPrometheusClient();
        Run parsed = run(List.of(python, script.toString()), exposition);
        assertEquals(0, parsed.exit(), () -> "the Python parser refused the exposition: " + parsed.err());
        List<Sample> samples = new ArrayList<>();
        for (Object family : new JsonArray(parsed.out())) {
            for (Object s : ((JsonObject) family).getJsonArray("samples")) {
                JsonObject sample = (JsonObject) s;
                Map<String, String> labels = new HashMap<>();
                sample.getJsonObject("labels").forEach(e -> labels.put(e.getKey(), (String) e.getValue()));
                samples.add(new Sample(sample.getString("name"), Map.copyOf(labels),
                        Double.parseDouble(sample.getString("value"))));
            }
        }
        return samples;
    }

    /** Debian's python3 first (where python3-prometheus-client installs), then the one on PATH. */
    private static String pythonWithPrometheusClient() throws Exception {
        for (String candidate : List.of("/usr/bin/python3", "python3")) {
            try {
                if (run(List.of(candidate, "-c", "import prometheus_client.parser"), "").exit() == 0) {
                    return candidate;
                }
            } catch (IOException notThere) {
                // try the next one
            }
        }
        return fail("no python3 with the Prometheus client: install the Debian package python3-prometheus-client"
                + " (deploy/dev/test.sh installs it)");
    }

    private static String executable(String name, String from) {
        // deploy/dev/test.sh names the promtool deploy/monitoring/check.sh uses (unpacked from Debian's package).
        String named = System.getenv("COFFRE_" + name.toUpperCase(java.util.Locale.ROOT));
        if (named != null && !named.isBlank() && Files.isExecutable(Path.of(named))) {
            return named;
        }
        for (String dirName : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(dirName, name);
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        Path usrBin = Path.of("/usr/bin", name);
        if (Files.isExecutable(usrBin)) {
            return usrBin.toString();
        }
        return fail(name + " not found on PATH nor in /usr/bin: install the " + from);
    }
}
