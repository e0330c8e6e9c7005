package coffre.kms.server.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads the {@code telemetry.*} settings into {@link TelemetrySettings}: metrics on by default and
 * served when {@code telemetry.metrics.port} is set; traces on when
 * {@code telemetry.tracing.endpoint} is set, every other tracing setting refused without it.
 */
final class TelemetrySettingsReader {
    private static final List<String> TRACING = List.of("telemetry.tracing.samplingRatio",
            "telemetry.tracing.serviceName", "telemetry.tracing.timeout");
    private static final List<String> METRICS_TLS = List.of("telemetry.metrics.tls.certificate",
            "telemetry.metrics.tls.privateKey", "telemetry.metrics.tls.clientCa");

    private TelemetrySettingsReader() {
    }

    static TelemetrySettings read(SettingsReader r) {
        return new TelemetrySettings(metrics(r), tracing(r));
    }

    private static TelemetrySettings.Metrics metrics(SettingsReader r) {
        Boolean enabled = r.optionalBoolean("telemetry.metrics.enabled");
        Integer port = r.optionalInteger("telemetry.metrics.port");
        if (port != null && port > 65535) {
            throw new ConfigException("telemetry.metrics.port: " + port + " is out of range; allowed 0 to 65535");
        }
        boolean on = enabled == null || enabled;
        if (!on && port != null) {
            throw new ConfigException("telemetry.metrics.port: set only with metrics enabled "
                    + "(telemetry.metrics.enabled is false)");
        }
        String host = r.optionalString("telemetry.metrics.host");
        boolean tlsSet = METRICS_TLS.stream().anyMatch(setting -> r.optionalString(setting) != null);
        if (port == null && (host != null || tlsSet)) {
            throw new ConfigException((host != null ? "telemetry.metrics.host" : "telemetry.metrics.tls")
                    + ": set only with telemetry.metrics.port (there is no metrics listener without it)");
        }
        TlsSettings tls = !tlsSet ? null : new TlsSettings(r.readableFile("telemetry.metrics.tls.certificate"),
                r.readableFile("telemetry.metrics.tls.privateKey"), r.readableFile("telemetry.metrics.tls.clientCa"));
        return new TelemetrySettings.Metrics(on, host == null ? TelemetrySettings.Metrics.DEFAULT_HOST : host, port,
                tls);
    }

    private static TelemetrySettings.Tracing tracing(SettingsReader r) {
        String endpoint = r.optionalString("telemetry.tracing.endpoint");
        List<String> headers = r.list("telemetry.tracing.headers");
        if (endpoint == null) {
            for (String setting : TRACING) {
                if (r.optionalString(setting) != null) {
                    throw new ConfigException(setting + ": set only with telemetry.tracing.endpoint (tracing is off "
                            + "without it)");
                }
            }
            if (!headers.isEmpty()) {
                throw new ConfigException("telemetry.tracing.headers: set only with telemetry.tracing.endpoint "
                        + "(tracing is off without it)");
            }
            return null;
        }
        return new TelemetrySettings.Tracing(endpoint(endpoint), ratio(r), r.string("telemetry.tracing.serviceName",
                TelemetrySettings.Tracing.DEFAULT_SERVICE_NAME), headers(headers),
                r.duration("telemetry.tracing.timeout", TelemetrySettings.Tracing.DEFAULT_TIMEOUT));
    }

    private static URI endpoint(String text) {
        try {
            URI uri = new URI(text);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
                throw new ConfigException("telemetry.tracing.endpoint: \"" + text + "\" is not an http(s) URL such "
                        + "as http://127.0.0.1:4318/v1/traces");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new ConfigException("telemetry.tracing.endpoint: \"" + text + "\" is not a URL");
        }
    }

    private static double ratio(SettingsReader r) {
        String text = r.optionalString("telemetry.tracing.samplingRatio");
        if (text == null) {
            return TelemetrySettings.Tracing.DEFAULT_SAMPLING_RATIO;
        }
        try {
            double ratio = Double.parseDouble(text);
            if (!(ratio >= 0 && ratio <= 1)) {
                throw new NumberFormatException();
            }
            return ratio;
        } catch (NumberFormatException e) {
            throw new ConfigException("telemetry.tracing.samplingRatio: \"" + text + "\" is not a number from 0 to 1");
        }
    }

    /** {@code name=value} items; the values are never shown in an error (they may be credentials). */
    private static Map<String, String> headers(List<String> items) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (String item : items) {
            int eq = item.indexOf('=');
            if (eq <= 0) {
                throw new ConfigException("telemetry.tracing.headers: each item is name=value (an item has no name "
                        + "or no '=')");
            }
            headers.put(item.substring(0, eq).trim(), item.substring(eq + 1).trim());
        }
        return headers;
    }
}
