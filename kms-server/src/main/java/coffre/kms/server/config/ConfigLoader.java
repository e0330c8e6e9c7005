package coffre.kms.server.config;

import coffre.kms.server.audit.AuditLog;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

/**
 * Reads the YAML configuration file, applies environment overrides and validates everything
 * into a {@link ServerConfig}, or fails with a {@link ConfigException} naming the setting.
 *
 * <p>Every setting {@code a.bC} may be overridden by the environment variable
 * {@code COFFRE_A_B_C} (lists: comma-separated). Relative paths resolve against the directory
 * of the configuration file. Unknown settings are errors, so a typo never silently falls back
 * to a default.
 */
public final class ConfigLoader {
    private final Map<String, String> env;

    public ConfigLoader(Map<String, String> env) {
        this.env = Map.copyOf(env);
    }

    public ServerConfig load(Path file) {
        Map<String, Object> tree;
        try (InputStream in = Files.newInputStream(file)) {
            Object root = new Load(LoadSettings.builder().setLabel(file.toString()).build()).loadFromInputStream(in);
            tree = root == null ? new LinkedHashMap<>() : asMap(root, "(root)");
        } catch (IOException e) {
            throw new ConfigException("cannot read configuration file " + file + ": " + e.getMessage(), e);
        } catch (YamlEngineException e) {
            throw new ConfigException("configuration file " + file + " is not valid YAML: " + e.getMessage(), e);
        }
        Path base = file.toAbsolutePath().getParent();
        return parse(tree, base);
    }

    ServerConfig parse(Map<String, Object> tree, Path base) {
        SettingsReader r = new SettingsReader(tree, env, base);
        ServerConfig config = new ServerConfig(
                new NodeSettings(r.string("node.id", "coffre-1")),
                server(r),
                new TlsSettings(r.readableFile("tls.certificate"), r.readableFile("tls.privateKey"),
                        r.readableFile("tls.clientCa")),
                hsm(r),
                store(r),
                new AuthorizationSettings(r.list("authorization.administrators"), r.list("authorization.officers"),
                        r.list("authorization.clients")),
                new KeysSettings(r.duration("keys.deletionCheckInterval", Duration.ofMinutes(1))),
                new ApprovalSettings(r.duration("approvals.requestTtl", Duration.ofHours(24)),
                        r.duration("approvals.breakGlassWindow", Duration.ofMinutes(15))),
                audit(r),
                xks(r),
                DkeSettingsReader.read(r),
                TelemetrySettingsReader.read(r),
                LoggingSettings.read(r));
        r.rejectUnknown();
        if (config.xks() != null && config.xks().port() != 0 && (config.xks().port() == config.server().port()
                || Integer.valueOf(config.xks().port()).equals(config.server().healthPort()))) {
            throw new ConfigException("xks.port: " + config.xks().port() + " is already server.port or "
                    + "server.healthPort; the XKS listener needs a port of its own");
        }
        if (config.dke() != null && config.dke().port() != 0 && (config.dke().port() == config.server().port()
                || Integer.valueOf(config.dke().port()).equals(config.server().healthPort())
                || (config.xks() != null && config.dke().port() == config.xks().port()))) {
            throw new ConfigException("dke.port: " + config.dke().port() + " is already server.port, "
                    + "server.healthPort or xks.port; the DKE listener needs a port of its own");
        }
        Integer metricsPort = config.telemetry().metrics().port();
        if (metricsPort != null && metricsPort != 0 && (metricsPort == config.server().port()
                || metricsPort.equals(config.server().healthPort())
                || (config.xks() != null && metricsPort == config.xks().port())
                || (config.dke() != null && metricsPort == config.dke().port()))) {
            throw new ConfigException("telemetry.metrics.port: " + metricsPort + " is already server.port, "
                    + "server.healthPort, xks.port or dke.port; the metrics listener needs a port of its own");
        }
        if (config.hsm().operationTimeout().compareTo(config.server().dataPlaneTimeout()) >= 0) {
            throw new ConfigException("hsm.operationTimeout (" + config.hsm().operationTimeout()
                    + ") must be shorter than server.dataPlaneTimeout (" + config.server().dataPlaneTimeout()
                    + "): a call waiting for the HSM must fail with HSM_UNAVAILABLE before its deadline");
        }
        return config;
    }

    private static ServerSettings server(SettingsReader r) {
        int port = r.integer("server.port", 8443, 0, 65535);
        Integer healthPort = r.optionalInteger("server.healthPort");
        String healthHost = r.optionalString("server.healthHost");
        if (healthPort != null && healthPort > 65535) {
            throw new ConfigException("server.healthPort: " + healthPort + " is out of range; allowed 0 to 65535");
        }
        if (healthHost != null && healthPort == null) {
            throw new ConfigException("server.healthHost: set only with server.healthPort (there is no health "
                    + "port without it)");
        }
        String host = r.string("server.host", "127.0.0.1");
        if (healthPort != null && healthPort != 0 && healthPort == port) {
            throw new ConfigException("server.healthPort: " + healthPort + " is server.port; the plaintext health "
                    + "port needs a port of its own");
        }
        return new ServerSettings(host, port,
                r.integer("server.maxMessageBytes", 65536, 16384, 4 * 1024 * 1024),
                r.integer("server.maxConcurrentStreams", 1024, 1, 65536),
                r.integer("server.requestsPerSecondPerPrincipal", 0, 0, 10_000_000),
                r.integer("server.burstPerPrincipal", 0, 0, 10_000_000),
                r.duration("server.dataPlaneTimeout", ServerSettings.DEFAULT_DATA_PLANE_TIMEOUT),
                Boolean.TRUE.equals(r.optionalBoolean("server.reflection")),
                healthHost == null ? ServerSettings.DEFAULT_HEALTH_HOST : healthHost, healthPort);
    }

    private static HsmSettings hsm(SettingsReader r) {
        String tokenLabel = r.optionalString("hsm.tokenLabel");
        Long slotId = r.optionalLong("hsm.slotId");
        Integer slotIndex = r.optionalInteger("hsm.slotIndex");
        long selectors = java.util.stream.Stream.of(tokenLabel, slotId, slotIndex).filter(java.util.Objects::nonNull).count();
        if (selectors != 1) {
            throw new ConfigException("hsm: set exactly one of hsm.tokenLabel, hsm.slotId, hsm.slotIndex (found "
                    + selectors + ")");
        }
        String pinEnv = r.optionalString("hsm.pinEnv");
        Path pinFile = r.optionalPath("hsm.pinFile");
        if ((pinEnv == null) == (pinFile == null)) {
            throw new ConfigException("hsm: set exactly one of hsm.pinEnv (an environment variable name) "
                    + "or hsm.pinFile (a file holding the PIN); a PIN is never written in the configuration");
        }
        if (pinFile != null && !Files.isReadable(pinFile)) {
            throw new ConfigException("hsm.pinFile: cannot read " + pinFile);
        }
        if (pinEnv != null && r.envValue(pinEnv) == null) {
            throw new ConfigException("hsm.pinEnv: environment variable " + pinEnv + " is not set");
        }
        return new HsmSettings(r.string("hsm.profile", "softhsm2"), r.optionalPath("hsm.library"), tokenLabel,
                slotId, slotIndex, pinEnv, pinFile, r.integer("hsm.sessions", 4, 1, 256),
                r.optionalBoolean("hsm.sessionKeyCopies"), r.duration("hsm.operationTimeout", null),
                r.duration("hsm.probeInterval", null), r.duration("hsm.reinitInterval", null));
    }

    /** The XKS listener, or null when {@code xks.port} is not set (every other xks setting then refused). */
    private static XksSettings xks(SettingsReader r) {
        Integer port = r.optionalInteger("xks.port");
        if (port == null) {
            for (String setting : List.of("xks.host", "xks.tls.certificate", "xks.tls.privateKey", "xks.tls.clientCa",
                    "xks.vendor", "xks.model", "xks.ekmVendor", "xks.requestTimeout", "xks.maxInFlight")) {
                if (r.optionalString(setting) != null) {
                    throw new ConfigException(setting + ": set only with xks.port (the XKS listener is off without it)");
                }
            }
            if (!r.list("xks.tls.allowedSubjects", ";").isEmpty()) {
                throw new ConfigException("xks.tls.allowedSubjects: set only with xks.port (the XKS listener is off "
                        + "without it)");
            }
            return null;
        }
        Path clientCa = r.optionalPath("xks.tls.clientCa");
        if (clientCa != null && (!Files.isRegularFile(clientCa) || !Files.isReadable(clientCa))) {
            throw new ConfigException("xks.tls.clientCa: cannot read file " + clientCa);
        }
        List<String> subjects = r.list("xks.tls.allowedSubjects", ";");
        List<javax.security.auth.x500.X500Principal> allowed = new java.util.ArrayList<>();
        for (int i = 0; i < subjects.size(); i++) {
            try {
                allowed.add(new javax.security.auth.x500.X500Principal(subjects.get(i)));
            } catch (IllegalArgumentException e) {
                throw new ConfigException("xks.tls.allowedSubjects[" + i + "]: \"" + subjects.get(i)
                        + "\" is not a distinguished name such as CN=cks.kms.eu-west-1.amazonaws.com");
            }
        }
        return new XksSettings(r.string("xks.host", XksSettings.DEFAULT_HOST), port,
                r.readableFile("xks.tls.certificate"), r.readableFile("xks.tls.privateKey"), clientCa, allowed,
                r.string("xks.vendor", XksSettings.DEFAULT_VENDOR), r.optionalString("xks.model"),
                r.optionalString("xks.ekmVendor"),
                r.duration("xks.requestTimeout", XksSettings.DEFAULT_REQUEST_TIMEOUT),
                r.integer("xks.maxInFlight", XksSettings.DEFAULT_MAX_IN_FLIGHT, 1, 100_000));
    }

    private static AuditSettings audit(SettingsReader r) {
        String mode = r.string("audit.onFailure", "closed");
        AuditLog.FailureMode onFailure = switch (mode.toLowerCase(Locale.ROOT)) {
            case "closed" -> AuditLog.FailureMode.CLOSED;
            case "open" -> AuditLog.FailureMode.OPEN;
            default -> throw new ConfigException("audit.onFailure: \"" + mode + "\" is not allowed; allowed: closed, open");
        };
        return new AuditSettings(onFailure, r.duration("audit.checkpointInterval", Duration.ofSeconds(10)),
                r.integer("audit.maxBatch", 1000, 1, 100_000),
                r.integer("audit.maxBacklog", 100_000, 1, 10_000_000));
    }

    /** A PostgreSQL identifier Coffre accepts for {@code store.schema}: no quoting ever needed. */
    private static final java.util.regex.Pattern SCHEMA = java.util.regex.Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    private static StoreSettings store(SettingsReader r) {
        String type = r.string("store.type", "h2");
        return switch (type) {
            case "h2" -> {
                for (String clusterOnly : List.of("store.url", "store.user", "store.passwordFile", "store.passwordEnv",
                        "store.schema", "store.poolSize", "store.connectionTimeout", "store.refreshInterval")) {
                    if (r.optionalString(clusterOnly) != null) {
                        throw new ConfigException(clusterOnly + ": applies to store.type postgres only");
                    }
                }
                yield new StoreSettings(StoreSettings.Type.H2, r.path("store.path"));
            }
            case "postgres" -> {
                if (r.optionalString("store.path") != null) {
                    throw new ConfigException("store.path: applies to store.type h2 only; postgres uses store.url");
                }
                String url = r.string("store.url", null);
                if (!url.startsWith("jdbc:postgresql://")) {
                    throw new ConfigException("store.url: expected a jdbc:postgresql://HOST:PORT/DATABASE URL");
                }
                if (url.toLowerCase(Locale.ROOT).contains("password=")) {
                    throw new ConfigException("store.url: must not hold a password; use store.passwordFile or "
                            + "store.passwordEnv");
                }
                String passwordEnv = r.optionalString("store.passwordEnv");
                Path passwordFile = r.optionalPath("store.passwordFile");
                if ((passwordEnv == null) == (passwordFile == null)) {
                    throw new ConfigException("store: set exactly one of store.passwordFile (a file holding the "
                            + "database password) or store.passwordEnv (an environment variable name); a password is "
                            + "never written in the configuration");
                }
                if (passwordFile != null && !Files.isReadable(passwordFile)) {
                    throw new ConfigException("store.passwordFile: cannot read " + passwordFile);
                }
                if (passwordEnv != null && r.envValue(passwordEnv) == null) {
                    throw new ConfigException("store.passwordEnv: environment variable " + passwordEnv + " is not set");
                }
                String schema = r.optionalString("store.schema");
                if (schema != null && !SCHEMA.matcher(schema).matches()) {
                    throw new ConfigException("store.schema: \"" + schema + "\" is not allowed; use 1-63 characters "
                            + "of [a-z0-9_], not starting with a digit");
                }
                yield StoreSettings.postgres(new StoreSettings.Postgres(url, r.string("store.user", null),
                                passwordFile, passwordEnv, schema, r.integer("store.poolSize", 8, 1, 256),
                                r.duration("store.connectionTimeout", StoreSettings.DEFAULT_CONNECTION_TIMEOUT)),
                        r.duration("store.refreshInterval", StoreSettings.DEFAULT_REFRESH_INTERVAL));
            }
            default -> throw new ConfigException("store.type: \"" + type + "\" is not supported; allowed: h2, postgres");
        };
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(Object node, String where) {
        if (!(node instanceof Map<?, ?> map)) {
            throw new ConfigException(where + ": expected a mapping");
        }
        return (Map<String, Object>) map;
    }
}
