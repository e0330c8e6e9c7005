package coffre.kms.server.config;

import java.net.URI;
import java.time.Duration;
import java.util.Map;

/**
 * What a node tells its operators besides its logs: metrics (Micrometer, served in the Prometheus
 * text format on a listener of their own) and traces (OpenTelemetry, sent over OTLP/HTTP).
 *
 * @param metrics the metrics: recorded unless disabled, served only when a port is set
 * @param tracing the traces, or null when off (the default)
 */
public record TelemetrySettings(Metrics metrics, Tracing tracing) {

    /** Metrics recorded but not served, no traces: the defaults, and what tests get unless they ask. */
    public static final TelemetrySettings DEFAULT = new TelemetrySettings(Metrics.DEFAULT, null);

    /**
     * @param enabled false records nothing (the meters are no-ops): for measuring what metrics cost
     * @param host    where the listener binds; 127.0.0.1 unless the scraper is elsewhere
     * @param port    the listener's port, or null for no listener (0 picks a free port)
     * @param tls     mTLS for the listener (scrapers then present a certificate from {@code clientCa}),
     *                or null for plain HTTP
     */
    public record Metrics(boolean enabled, String host, Integer port, TlsSettings tls) {
        public static final String DEFAULT_HOST = "127.0.0.1";
        public static final Metrics DEFAULT = new Metrics(true, DEFAULT_HOST, null, null);

        /** Served on {@code host:port} (plain HTTP): tests. */
        public static Metrics served(String host, int port) {
            return new Metrics(true, host, port, null);
        }
    }

    /**
     * @param endpoint      the OTLP/HTTP traces endpoint, e.g. {@code http://127.0.0.1:4318/v1/traces}
     * @param samplingRatio the share of calls traced when the caller sent no sampling decision
     *                      (a caller's W3C {@code traceparent} decides for its own calls)
     * @param serviceName   the {@code service.name} resource attribute
     * @param headers       extra HTTP headers sent to the collector (e.g. its authorization)
     * @param timeout       how long one export may take
     */
    public record Tracing(URI endpoint, double samplingRatio, String serviceName, Map<String, String> headers,
                          Duration timeout) {
        public static final double DEFAULT_SAMPLING_RATIO = 0.01;
        public static final String DEFAULT_SERVICE_NAME = "coffre";
        public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

        public Tracing {
            headers = Map.copyOf(headers);
        }

        @Override
        public String toString() {
            // Header values may be credentials: their names only.
            return "Tracing[endpoint=" + endpoint + ", samplingRatio=" + samplingRatio + ", serviceName=" + serviceName
                    + ", headers=" + headers.keySet() + ", timeout=" + timeout + "]";
        }
    }
}
