package coffre.kms.server.config;

import coffre.kms.server.audit.AuditLog;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
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
    private static final String ENV_PREFIX = "COFFRE_";

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
        Reader r = new Reader(tree, env, base);
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
                audit(r));
        r.rejectUnknown();
        if (config.hsm().operationTimeout().compareTo(config.server().dataPlaneTimeout()) >= 0) {
            throw new ConfigException("hsm.operationTimeout (" + config.hsm().operationTimeout()
                    + ") must be shorter than server.dataPlaneTimeout (" + config.server().dataPlaneTimeout()
                    + "): a call waiting for the HSM must fail with HSM_UNAVAILABLE before its deadline");
        }
        return config;
    }

    private static ServerSettings server(Reader r) {
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

    private static HsmSettings hsm(Reader r) {
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

    private static AuditSettings audit(Reader r) {
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

    private static StoreSettings store(Reader r) {
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

    /** Typed access by dotted path, remembering what was read to detect unknown settings. */
    private static final class Reader {
        private final Map<String, Object> tree;
        private final Map<String, String> env;
        private final Path base;
        private final Set<String> known = new TreeSet<>();

        Reader(Map<String, Object> tree, Map<String, String> env, Path base) {
            this.tree = tree;
            this.env = env;
            this.base = base;
        }

        String envValue(String name) {
            return env.get(name);
        }

        private Object raw(String path) {
            known.add(path);
            String override = env.get(envName(path));
            if (override != null) {
                return override;
            }
            Object node = tree;
            for (String part : path.split("\\.")) {
                if (!(node instanceof Map<?, ?> map)) {
                    return null;
                }
                node = map.get(part);
            }
            return node;
        }

        static String envName(String path) {
            return ENV_PREFIX + path.replace(".", "_").replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT);
        }

        String optionalString(String path) {
            Object v = raw(path);
            if (v == null) {
                return null;
            }
            if (v instanceof Map || v instanceof List) {
                throw new ConfigException(path + ": expected a single value");
            }
            String s = v.toString().trim();
            return s.isEmpty() ? null : s;
        }

        String string(String path, String defaultValue) {
            String s = optionalString(path);
            if (s != null) {
                return s;
            }
            if (defaultValue == null) {
                throw new ConfigException(path + ": required (or set " + envName(path) + ")");
            }
            return defaultValue;
        }

        Integer optionalInteger(String path) {
            Long v = optionalLong(path);
            if (v == null) {
                return null;
            }
            if (v < 0 || v > Integer.MAX_VALUE) {
                throw new ConfigException(path + ": must be a non-negative integer");
            }
            return v.intValue();
        }

        Long optionalLong(String path) {
            String s = optionalString(path);
            if (s == null) {
                return null;
            }
            try {
                return Long.parseLong(s);
            } catch (NumberFormatException e) {
                throw new ConfigException(path + ": \"" + s + "\" is not an integer");
            }
        }

        int integer(String path, int defaultValue, int min, int max) {
            Long v = optionalLong(path);
            long value = v == null ? defaultValue : v;
            if (value < min || value > max) {
                throw new ConfigException(path + ": " + value + " is out of range; allowed " + min + " to " + max);
            }
            return (int) value;
        }

        Boolean optionalBoolean(String path) {
            String s = optionalString(path);
            if (s == null) {
                return null;
            }
            return switch (s.toLowerCase(Locale.ROOT)) {
                case "true" -> Boolean.TRUE;
                case "false" -> Boolean.FALSE;
                default -> throw new ConfigException(path + ": \"" + s + "\" is not true or false");
            };
        }

        Duration duration(String path, Duration defaultValue) {
            String s = optionalString(path);
            if (s == null) {
                return defaultValue;
            }
            try {
                Duration d = Duration.parse(s);
                if (d.isNegative() || d.isZero()) {
                    throw new ConfigException(path + ": must be positive");
                }
                return d;
            } catch (DateTimeParseException e) {
                throw new ConfigException(path + ": \"" + s + "\" is not an ISO-8601 duration such as PT1M");
            }
        }

        Path optionalPath(String path) {
            String s = optionalString(path);
            return s == null ? null : base.resolve(s).normalize();
        }

        Path path(String path) {
            Path p = optionalPath(path);
            if (p == null) {
                throw new ConfigException(path + ": required (or set " + envName(path) + ")");
            }
            return p;
        }

        Path readableFile(String path) {
            Path p = path(path);
            if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
                throw new ConfigException(path + ": cannot read file " + p);
            }
            return p;
        }

        List<String> list(String path) {
            Object v = raw(path);
            if (v == null) {
                return List.of();
            }
            List<String> out = new ArrayList<>();
            if (v instanceof List<?> items) {
                for (Object item : items) {
                    if (item == null || item instanceof Map || item instanceof List || item.toString().isBlank()) {
                        throw new ConfigException(path + ": every entry must be a non-empty string");
                    }
                    out.add(item.toString().trim());
                }
            } else if (v instanceof String s) {
                Arrays.stream(s.split(",")).map(String::trim).filter(x -> !x.isEmpty()).forEach(out::add);
            } else {
                throw new ConfigException(path + ": expected a list of strings");
            }
            return out;
        }

        /** Fails on any leaf in the file that no setting read. */
        void rejectUnknown() {
            List<String> unknown = new ArrayList<>();
            collectLeaves(tree, "", unknown);
            unknown.removeIf(known::contains);
            if (!unknown.isEmpty()) {
                throw new ConfigException("unknown setting(s): " + String.join(", ", unknown)
                        + "; known settings: " + String.join(", ", known));
            }
        }

        private static void collectLeaves(Map<?, ?> map, String prefix, List<String> out) {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                String path = prefix + e.getKey();
                if (e.getValue() instanceof Map<?, ?> child) {
                    collectLeaves(child, path + ".", out);
                } else {
                    out.add(path);
                }
            }
        }
    }
}
