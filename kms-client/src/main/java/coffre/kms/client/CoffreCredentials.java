package coffre.kms.client;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.function.UnaryOperator;

/**
 * Where a service finds Coffre and how it proves who it is: the nodes, the mutual TLS material and
 * the deadline, read from a properties file ({@link #fromFile}) or from {@code COFFRE_*}
 * environment variables ({@link #fromEnvironment}), so that a service is configured without code
 * (Tink's {@code CoffreKmsClient} reads its credentials through this class too). The names are the
 * CLI's ({@code coffre}'s config file and variables), so one file or one environment serves both.
 *
 * <table>
 *   <caption>Settings</caption>
 *   <tr><th>file key</th><th>variable</th><th>meaning</th></tr>
 *   <tr><td>{@code endpoint}</td><td>{@code COFFRE_ENDPOINT}</td><td>required: {@code host:port[,host:port...]}</td></tr>
 *   <tr><td>{@code ca-cert}</td><td>{@code COFFRE_CA_CERT}</td><td>required: PEM CA bundle of the servers</td></tr>
 *   <tr><td>{@code cert}</td><td>{@code COFFRE_CERT}</td><td>required: PEM certificate chain of this service</td></tr>
 *   <tr><td>{@code key}</td><td>{@code COFFRE_KEY}</td><td>required: its unencrypted PKCS#8 PEM private key</td></tr>
 *   <tr><td>{@code timeout}</td><td>{@code COFFRE_TIMEOUT}</td><td>deadline of each call, whole seconds 1-3600; default 10</td></tr>
 *   <tr><td>{@code authority}</td><td>{@code COFFRE_AUTHORITY}</td><td>optional TLS name of every node</td></tr>
 * </table>
 *
 * <p>Relative paths in a file are resolved against the file's directory; relative paths in
 * variables against the working directory. Holds paths, never the PEM contents.
 *
 * @param endpoints the nodes
 * @param caCert the CA bundle
 * @param cert the client certificate chain
 * @param key the client private key
 * @param timeout the deadline of each call
 * @param authority the TLS name of every node, if not each endpoint's own host
 */
public record CoffreCredentials(Endpoints endpoints, Path caCert, Path cert, Path key, Duration timeout,
                                Optional<String> authority) {

    /** The deadline when none is set, as for the CLI. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    /** The longest deadline accepted, as for the CLI. */
    public static final int MAX_TIMEOUT_SECONDS = 3600;

    public CoffreCredentials {
        Objects.requireNonNull(endpoints, "endpoints");
        Objects.requireNonNull(caCert, "caCert");
        Objects.requireNonNull(cert, "cert");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(authority, "authority");
    }

    /** The settings of one file key and its variable. */
    private enum Setting {
        ENDPOINT("endpoint", "COFFRE_ENDPOINT"),
        CA_CERT("ca-cert", "COFFRE_CA_CERT"),
        CERT("cert", "COFFRE_CERT"),
        KEY("key", "COFFRE_KEY"),
        TIMEOUT("timeout", "COFFRE_TIMEOUT"),
        AUTHORITY("authority", "COFFRE_AUTHORITY");

        final String fileKey;
        final String variable;

        Setting(String fileKey, String variable) {
            this.fileKey = fileKey;
            this.variable = variable;
        }
    }

    /**
     * Reads a properties file (keys in the table above; unknown keys are refused, so a typo is not
     * silently ignored).
     *
     * @throws CredentialsException naming the file and the missing, unknown or bad key
     */
    public static CoffreCredentials fromFile(Path file) throws CredentialsException {
        Objects.requireNonNull(file, "file");
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (IOException | IllegalArgumentException e) {
            throw new CredentialsException("cannot read Coffre credentials file " + file + ": " + e.getMessage(), e);
        }
        for (String name : properties.stringPropertyNames()) {
            if (java.util.Arrays.stream(Setting.values()).noneMatch(s -> s.fileKey.equals(name))) {
                throw new CredentialsException("Coffre credentials file " + file + ": unknown key '" + name
                        + "'; expected endpoint, ca-cert, cert, key, timeout, authority");
            }
        }
        Path base = file.toAbsolutePath().getParent();
        return read(setting -> properties.getProperty(setting.fileKey),
                setting -> "key '" + setting.fileKey + "' of " + file, base);
    }

    /**
     * Reads the {@code COFFRE_*} variables of the table above from {@code env} (the process
     * environment is {@code System::getenv}).
     *
     * @throws CredentialsException naming the missing or bad variable
     */
    public static CoffreCredentials fromEnvironment(UnaryOperator<String> env) throws CredentialsException {
        Objects.requireNonNull(env, "env");
        return read(setting -> env.apply(setting.variable), setting -> "variable " + setting.variable, null);
    }

    /** A client builder with these settings, for a caller that sets more (e.g. its own channel factory). */
    public CoffreClient.Builder clientBuilder() {
        CoffreClient.Builder builder = CoffreClient.builder().endpoints(endpoints).tls(caCert, cert, key).deadline(timeout);
        authority.ifPresent(builder::authority);
        return builder;
    }

    /**
     * Opens a client with these settings.
     *
     * @throws TlsMaterialException if a PEM file cannot be loaded (the message names the files)
     */
    public CoffreClient open() throws TlsMaterialException {
        return clientBuilder().build();
    }

    private interface Lookup {
        String get(Setting setting);
    }

    private interface Origin {
        String of(Setting setting);
    }

    private static CoffreCredentials read(Lookup values, Origin origin, Path base) throws CredentialsException {
        Endpoints endpoints;
        String endpointValue = required(values, origin, Setting.ENDPOINT);
        try {
            endpoints = Endpoints.parse(endpointValue);
        } catch (IllegalArgumentException e) {
            throw new CredentialsException("bad " + origin.of(Setting.ENDPOINT) + ": " + e.getMessage(), e);
        }
        Duration timeout = DEFAULT_TIMEOUT;
        String timeoutValue = optional(values, Setting.TIMEOUT);
        if (timeoutValue != null) {
            timeout = timeout(timeoutValue, origin.of(Setting.TIMEOUT));
        }
        return new CoffreCredentials(endpoints,
                path(required(values, origin, Setting.CA_CERT), base),
                path(required(values, origin, Setting.CERT), base),
                path(required(values, origin, Setting.KEY), base),
                timeout,
                Optional.ofNullable(optional(values, Setting.AUTHORITY)));
    }

    private static String required(Lookup values, Origin origin, Setting setting) throws CredentialsException {
        String value = optional(values, setting);
        if (value == null) {
            throw new CredentialsException("missing Coffre setting: " + origin.of(setting));
        }
        return value;
    }

    private static String optional(Lookup values, Setting setting) {
        String value = values.get(setting);
        return value == null || value.isBlank() ? null : value.strip();
    }

    private static Duration timeout(String value, String origin) throws CredentialsException {
        int seconds;
        try {
            seconds = Integer.parseInt(value);
        } catch (NumberFormatException e) {
            seconds = -1;
        }
        if (seconds < 1 || seconds > MAX_TIMEOUT_SECONDS) {
            throw new CredentialsException("bad " + origin + ": '" + value + "'; expected whole seconds, 1-"
                    + MAX_TIMEOUT_SECONDS);
        }
        return Duration.ofSeconds(seconds);
    }

    private static Path path(String value, Path base) {
        Path path = Path.of(value);
        return base == null || path.isAbsolute() ? path : base.resolve(path);
    }
}
