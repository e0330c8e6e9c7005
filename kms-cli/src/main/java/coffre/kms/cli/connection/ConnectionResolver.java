package coffre.kms.cli.connection;

import coffre.kms.client.ConnectionSettings;
import coffre.kms.client.Endpoints;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Turns flags, environment and the CLI config file into validated {@link ConnectionSettings}.
 *
 * <p>Precedence, per setting: command-line flag, then environment variable, then config file, then
 * the built-in default. The endpoint may list several nodes ({@code host:port,host:port}); the
 * first source that sets it gives the whole list (lists from several sources are never merged).
 * Only the endpoint ({@value #DEFAULT_ENDPOINT}) and the timeout ({@value #DEFAULT_TIMEOUT_SECONDS} s)
 * have defaults: mTLS is mandatory, so the CA, certificate and key must be set somewhere, and the
 * error for a missing one says every place it can be set.
 *
 * <p>The config file is {@code --cli-config}, else {@code $COFFRE_CLI_CONFIG}, else
 * {@code $XDG_CONFIG_HOME/coffre/cli.properties}, else {@code $HOME/.config/coffre/cli.properties}.
 * A file named explicitly must exist; the default one may be absent.
 *
 * <p>The environment is passed in rather than read from {@link System#getenv()} so that tests and
 * in-process callers control it completely. Empty environment values count as unset.
 */
public final class ConnectionResolver {

    /** Environment variable naming the config file. */
    public static final String CONFIG_ENV = "COFFRE_CLI_CONFIG";
    /** Endpoint used when no flag, env var or file sets one. */
    public static final String DEFAULT_ENDPOINT = "127.0.0.1:8443";
    /** RPC deadline used when no flag, env var or file sets one. */
    public static final int DEFAULT_TIMEOUT_SECONDS = 10;
    /** Longest accepted timeout: nothing in the API legitimately takes an hour. */
    public static final int MAX_TIMEOUT_SECONDS = 3600;

    private static final List<Setting> REQUIRED = List.of(Setting.CA_CERT, Setting.CERT, Setting.KEY);

    private final Map<String, String> env;

    /** @param env the process environment (or a stand-in); not copied, only read */
    public ConnectionResolver(Map<String, String> env) {
        this.env = Objects.requireNonNull(env, "env");
    }

    /**
     * Resolves and validates every connection setting.
     *
     * @throws ConfigurationException naming the setting, the source of its bad value, and how to fix it
     */
    public ConnectionSettings resolve(ConnectionFlags flags) throws ConfigurationException {
        Optional<Path> defaultConfig = defaultConfigPath();
        CliConfigFile file = loadConfigFile(flags, defaultConfig);

        Map<Setting, Sourced> chosen = new EnumMap<>(Setting.class);
        for (Setting setting : Setting.values()) {
            pick(setting, flags, file).ifPresent(value -> chosen.put(setting, value));
        }

        List<String> missing = new ArrayList<>();
        for (Setting setting : REQUIRED) {
            if (!chosen.containsKey(setting)) {
                missing.add(missingMessage(setting, file, defaultConfig));
            }
        }
        if (!missing.isEmpty()) {
            throw new ConfigurationException(String.join("\n", missing));
        }

        Sourced endpointValue = chosen.getOrDefault(Setting.ENDPOINT, new Sourced(DEFAULT_ENDPOINT, "the default", null));
        Endpoints endpoints;
        try {
            endpoints = Endpoints.parse(endpointValue.value());
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException("invalid endpoint from " + endpointValue.origin() + ": " + e.getMessage());
        }

        Duration timeout = chosen.containsKey(Setting.TIMEOUT)
                ? parseTimeout(chosen.get(Setting.TIMEOUT))
                : Duration.ofSeconds(DEFAULT_TIMEOUT_SECONDS);

        Optional<String> authority = Optional.ofNullable(chosen.get(Setting.AUTHORITY)).map(Sourced::value);

        return new ConnectionSettings(
                endpoints,
                readableFile(Setting.CA_CERT, chosen.get(Setting.CA_CERT)),
                readableFile(Setting.CERT, chosen.get(Setting.CERT)),
                readableFile(Setting.KEY, chosen.get(Setting.KEY)),
                timeout,
                authority);
    }

    /** The default config file location from the environment, if HOME or XDG_CONFIG_HOME is set. */
    Optional<Path> defaultConfigPath() {
        Optional<String> xdg = envValue("XDG_CONFIG_HOME");
        if (xdg.isPresent()) {
            return Optional.of(Path.of(xdg.get(), "coffre", "cli.properties"));
        }
        return envValue("HOME").map(home -> Path.of(home, ".config", "coffre", "cli.properties"));
    }

    private CliConfigFile loadConfigFile(ConnectionFlags flags, Optional<Path> defaultConfig)
            throws ConfigurationException {
        Optional<String> explicit = flags.cliConfigFlag().or(() -> envValue(CONFIG_ENV));
        if (explicit.isPresent()) {
            Path path = Path.of(explicit.get());
            String origin = flags.cliConfigFlag().isPresent() ? "--cli-config" : CONFIG_ENV;
            if (!Files.isRegularFile(path)) {
                throw new ConfigurationException("CLI config file " + path + " (from " + origin + ") does not exist");
            }
            return CliConfigFile.load(path);
        }
        if (defaultConfig.isPresent() && Files.isRegularFile(defaultConfig.get())) {
            return CliConfigFile.load(defaultConfig.get());
        }
        return CliConfigFile.none();
    }

    private Optional<Sourced> pick(Setting setting, ConnectionFlags flags, CliConfigFile file) {
        Optional<String> flag = flags.get(setting).filter(v -> !v.isBlank());
        if (flag.isPresent()) {
            return Optional.of(new Sourced(flag.get(), setting.flag(), null));
        }
        Optional<String> fromEnv = envValue(setting.envVar());
        if (fromEnv.isPresent()) {
            return Optional.of(new Sourced(fromEnv.get(), setting.envVar(), null));
        }
        return file.get(setting)
                .map(value -> new Sourced(value, file.origin(setting), file.baseDirectory().orElse(null)));
    }

    private Optional<String> envValue(String name) {
        String value = env.get(name);
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.strip());
    }

    /**
     * Names every place the setting can come from. When no config file was read, the message also
     * says how to point at one ({@code --cli-config}, {@code COFFRE_CLI_CONFIG}): a newcomer who
     * has a file but did not pass it sees the fix, rather than only a default path that does not exist.
     */
    private static String missingMessage(Setting setting, CliConfigFile file, Optional<Path> defaultConfig) {
        String where = file.path().map(Path::toString).orElseGet(() -> "a CLI config file (pass --cli-config FILE or set "
                + CONFIG_ENV + defaultConfig.map(path -> "; default " + path + ", not found").orElse("") + ")");
        return "missing connection setting '" + setting.fileKey() + "' (Coffre always uses mTLS): pass "
                + setting.flag() + " FILE, set " + setting.envVar() + ", or add '" + setting.fileKey()
                + "=FILE' to " + where;
    }

    private static Duration parseTimeout(Sourced value) throws ConfigurationException {
        int seconds;
        try {
            seconds = Integer.parseInt(value.value());
        } catch (NumberFormatException e) {
            seconds = -1;
        }
        if (seconds < 1 || seconds > MAX_TIMEOUT_SECONDS) {
            throw new ConfigurationException("invalid timeout '" + value.value() + "' from " + value.origin()
                    + ": expected whole seconds, 1-" + MAX_TIMEOUT_SECONDS);
        }
        return Duration.ofSeconds(seconds);
    }

    private static Path readableFile(Setting setting, Sourced value) throws ConfigurationException {
        Path path = value.base() == null ? Path.of(value.value()) : value.base().resolve(value.value());
        if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
            throw new ConfigurationException(setting.fileKey() + " file " + path + " (from " + value.origin()
                    + ") does not exist or is not a readable file");
        }
        return path;
    }

    /** A raw value, where it came from, and the directory its relative paths are resolved against (null: the working directory). */
    private record Sourced(String value, String origin, Path base) {
    }
}
