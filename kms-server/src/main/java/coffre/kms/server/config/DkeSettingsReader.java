package coffre.kms.server.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * Reads the {@code dke.*} settings into {@link DkeSettings} (kept apart from {@link ConfigLoader},
 * which reads every other section, so neither grows past a page): null when {@code dke.port} is
 * not set, and then every other {@code dke} setting is refused, so a half-configured listener never
 * passes silently.
 */
final class DkeSettingsReader {
    private static final List<String> SCALARS = List.of("dke.host", "dke.tls.certificate", "dke.tls.privateKey",
            "dke.serviceUrl", "dke.jwt.jwksFile", "dke.jwt.jwksUrl", "dke.jwt.jwksCa", "dke.jwt.clockSkew",
            "dke.jwt.jwksRefresh", "dke.jwt.jwksMinRefreshGap", "dke.jwt.authorizationUrl", "dke.publicKeyCacheTime",
            "dke.anonymousPublicKey", "dke.requestTimeout", "dke.maxInFlight");
    private static final List<String> LISTS = List.of("dke.jwt.issuers", "dke.jwt.algorithms");

    private DkeSettingsReader() {
    }

    static DkeSettings read(SettingsReader r) {
        Integer port = r.optionalInteger("dke.port");
        if (port == null) {
            for (String setting : SCALARS) {
                if (r.optionalString(setting) != null) {
                    throw new ConfigException(setting + ": set only with dke.port (the DKE listener is off without it)");
                }
            }
            for (String setting : LISTS) {
                if (!r.list(setting).isEmpty()) {
                    throw new ConfigException(setting + ": set only with dke.port (the DKE listener is off without it)");
                }
            }
            return null;
        }
        Path jwksCa = r.optionalPath("dke.jwt.jwksCa");
        if (jwksCa != null && (!Files.isRegularFile(jwksCa) || !Files.isReadable(jwksCa))) {
            throw new ConfigException("dke.jwt.jwksCa: cannot read file " + jwksCa);
        }
        Path jwksFile = r.optionalPath("dke.jwt.jwksFile");
        if (jwksFile != null && (!Files.isRegularFile(jwksFile) || !Files.isReadable(jwksFile))) {
            throw new ConfigException("dke.jwt.jwksFile: cannot read file " + jwksFile);
        }
        List<String> algorithms = r.list("dke.jwt.algorithms");
        Boolean anonymous = r.optionalBoolean("dke.anonymousPublicKey");
        return new DkeSettings(r.string("dke.host", DkeSettings.DEFAULT_HOST), port,
                r.readableFile("dke.tls.certificate"), r.readableFile("dke.tls.privateKey"),
                uri(r, "dke.serviceUrl", null), r.list("dke.jwt.issuers"), jwksFile, uri(r, "dke.jwt.jwksUrl", null),
                jwksCa, algorithms.isEmpty() ? DkeSettings.DEFAULT_ALGORITHMS : new LinkedHashSet<>(algorithms),
                zeroOrMore(r, "dke.jwt.clockSkew", DkeSettings.DEFAULT_CLOCK_SKEW),
                r.duration("dke.jwt.jwksRefresh", DkeSettings.DEFAULT_JWKS_REFRESH),
                r.duration("dke.jwt.jwksMinRefreshGap", DkeSettings.DEFAULT_JWKS_MIN_REFRESH_GAP),
                uri(r, "dke.jwt.authorizationUrl", DkeSettings.DEFAULT_AUTHORIZATION_URL),
                zeroOrMore(r, "dke.publicKeyCacheTime", DkeSettings.DEFAULT_PUBLIC_KEY_CACHE_TIME),
                anonymous != null && anonymous,
                r.duration("dke.requestTimeout", DkeSettings.DEFAULT_REQUEST_TIMEOUT),
                r.integer("dke.maxInFlight", DkeSettings.DEFAULT_MAX_IN_FLIGHT, 1, 100_000));
    }

    private static URI uri(SettingsReader r, String path, URI defaultValue) {
        String text = r.optionalString(path);
        if (text == null) {
            if (defaultValue == null && path.equals("dke.serviceUrl")) {
                throw new ConfigException(path + ": required with dke.port (the public URL Office clients call, "
                        + "e.g. https://dke.example.eu)");
            }
            return defaultValue;
        }
        try {
            return new URI(text);
        } catch (URISyntaxException e) {
            throw new ConfigException(path + ": \"" + text + "\" is not a URL");
        }
    }

    /** A duration that may be zero ({@code PT0S}), unlike {@link SettingsReader#duration}. */
    private static Duration zeroOrMore(SettingsReader r, String path, Duration defaultValue) {
        String text = r.optionalString(path);
        if (text == null) {
            return defaultValue;
        }
        try {
            Duration d = Duration.parse(text);
            if (d.isNegative()) {
                throw new ConfigException(path + ": must not be negative");
            }
            return d;
        } catch (DateTimeParseException e) {
            throw new ConfigException(path + ": \"" + text + "\" is not an ISO-8601 duration such as PT1H");
        }
    }
}
