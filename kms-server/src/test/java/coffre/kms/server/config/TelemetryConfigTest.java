package coffre.kms.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The {@code telemetry.*} settings: metrics recorded by default, served and traced only when asked. */
class TelemetryConfigTest {
    @TempDir
    Path dir;

    @BeforeEach
    void files() throws IOException {
        ConfigFixture.files(dir, "pki/metrics.pem", "pki/metrics.key");
    }

    private static final String BASE = ConfigFixture.BASE;

    private ServerConfig load(String yaml, Map<String, String> env) throws IOException {
        return ConfigFixture.load(dir, yaml, env);
    }

    @Test
    void byDefaultMetricsAreRecordedButNotServedAndNothingIsTraced() throws IOException {
        TelemetrySettings telemetry = load(BASE, Map.of()).telemetry();
        assertTrue(telemetry.metrics().enabled());
        assertNull(telemetry.metrics().port());
        assertNull(telemetry.tracing());
    }

    @Test
    void readsTheMetricsListenerWithMutualTls() throws IOException {
        TelemetrySettings.Metrics metrics = load(BASE + """
                telemetry:
                  metrics:
                    host: 10.0.0.5
                    port: 9464
                    tls:
                      certificate: pki/metrics.pem
                      privateKey: pki/metrics.key
                      clientCa: pki/ca.pem
                """, Map.of()).telemetry().metrics();
        assertEquals("10.0.0.5", metrics.host());
        assertEquals(9464, metrics.port());
        assertEquals(dir.resolve("pki/metrics.pem"), metrics.tls().certificate());
    }

    @Test
    void readsTracingWithItsDefaults() throws IOException {
        TelemetrySettings.Tracing tracing = load(BASE + """
                telemetry:
                  tracing:
                    endpoint: http://127.0.0.1:4318/v1/traces
                    headers: [ "authorization=Bearer s3cr3t" ]
                """, Map.of()).telemetry().tracing();
        assertEquals(URI.create("http://127.0.0.1:4318/v1/traces"), tracing.endpoint());
        assertEquals(0.01, tracing.samplingRatio());
        assertEquals("coffre", tracing.serviceName());
        assertEquals(Duration.ofSeconds(10), tracing.timeout());
        assertEquals(Map.of("authorization", "Bearer s3cr3t"), tracing.headers());
        assertFalse(tracing.toString().contains("s3cr3t"), "a header value may be a credential");
    }

    @Test
    void theEnvironmentTurnsTracingOn() throws IOException {
        TelemetrySettings.Tracing tracing = load(BASE, Map.of("COFFRE_TELEMETRY_TRACING_ENDPOINT",
                "https://otel.example.eu/v1/traces", "COFFRE_TELEMETRY_TRACING_SAMPLING_RATIO", "1")).telemetry().tracing();
        assertEquals(1.0, tracing.samplingRatio());
    }

    @Test
    void metricsCanBeTurnedOff() throws IOException {
        assertFalse(load(BASE + "telemetry:\n  metrics:\n    enabled: false\n", Map.of()).telemetry().metrics().enabled());
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "telemetry:\n  metrics:\n    port: 70000\n",
            "telemetry:\n  metrics:\n    port: 9443\n",
            "telemetry:\n  metrics:\n    host: 0.0.0.0\n",
            "telemetry:\n  metrics:\n    enabled: false\n    port: 9464\n",
            "telemetry:\n  metrics:\n    port: 9464\n    tls:\n      certificate: pki/metrics.pem\n",
            "telemetry:\n  metrics:\n    enabled: maybe\n",
            "telemetry:\n  tracing:\n    samplingRatio: 0.5\n",
            "telemetry:\n  tracing:\n    headers: [ \"a=b\" ]\n",
            "telemetry:\n  tracing:\n    endpoint: ftp://collector/v1/traces\n",
            "telemetry:\n  tracing:\n    endpoint: not a url\n",
            "telemetry:\n  tracing:\n    endpoint: http://127.0.0.1:4318/v1/traces\n    samplingRatio: 1.5\n",
            "telemetry:\n  tracing:\n    endpoint: http://127.0.0.1:4318/v1/traces\n    samplingRatio: often\n",
            "telemetry:\n  tracing:\n    endpoint: http://127.0.0.1:4318/v1/traces\n    headers: [ \"novalue\" ]\n",
            "telemetry:\n  tracing:\n    endpoint: http://127.0.0.1:4318/v1/traces\n    timeout: PT0S\n",
            "telemetry:\n  tracing:\n    endpoint: http://127.0.0.1:4318/v1/traces\n    sampler: always\n",
    })
    void refusesBadSettingsNamingThem(String telemetry) {
        ConfigException e = assertThrows(ConfigException.class, () -> load(BASE + telemetry, Map.of()));
        assertTrue(e.getMessage().startsWith("telemetry.") || e.getMessage().startsWith("unknown setting(s): telemetry."),
                e.getMessage());
    }
}
