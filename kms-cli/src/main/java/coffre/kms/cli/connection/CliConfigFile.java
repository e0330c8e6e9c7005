package coffre.kms.cli.connection;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeSet;

/**
 * The CLI's properties file ({@code endpoint}, {@code ca-cert}, {@code cert}, {@code key},
 * {@code timeout}, {@code authority}), read once.
 *
 * <p>Unknown keys are refused rather than ignored: a misspelt key would otherwise fall back to a
 * default silently, which for a security tool is the wrong kind of surprise. Relative file paths
 * are resolved against the file's own directory, so a config directory can be moved as a whole.
 */
final class CliConfigFile {

    private static final CliConfigFile NONE = new CliConfigFile(null, Map.of());

    private final Path file;
    private final Map<Setting, String> values;

    private CliConfigFile(Path file, Map<Setting, String> values) {
        this.file = file;
        this.values = values;
    }

    /** A config that sets nothing, for when there is no file. */
    static CliConfigFile none() {
        return NONE;
    }

    /**
     * Reads {@code file}.
     *
     * @throws ConfigurationException if it cannot be read or holds a key that is not a setting
     */
    static CliConfigFile load(Path file) throws ConfigurationException {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (IOException | IllegalArgumentException e) {
            throw new ConfigurationException("cannot read CLI config file " + file + ": " + e.getMessage(), e);
        }
        Map<Setting, String> values = new EnumMap<>(Setting.class);
        for (String name : new TreeSet<>(properties.stringPropertyNames())) {
            Setting setting = Setting.byFileKey(name);
            if (setting == null) {
                throw new ConfigurationException("unknown key '" + name + "' in CLI config file " + file
                        + " (known keys: " + knownKeys() + ")");
            }
            String value = properties.getProperty(name).strip();
            if (!value.isEmpty()) {
                values.put(setting, value);
            }
        }
        return new CliConfigFile(file, Collections.unmodifiableMap(values));
    }

    /** The raw value of {@code setting}, if the file sets it. */
    Optional<String> get(Setting setting) {
        return Optional.ofNullable(values.get(setting));
    }

    /** The file read, if any. */
    Optional<Path> path() {
        return Optional.ofNullable(file);
    }

    /** The directory relative paths in this file are resolved against; empty when there is no file. */
    Optional<Path> baseDirectory() {
        return file == null ? Optional.empty() : Optional.ofNullable(file.toAbsolutePath().getParent());
    }

    /** Where a value came from, for error messages, e.g. {@code key 'ca-cert' in /etc/coffre/cli.properties}. */
    String origin(Setting setting) {
        return "key '" + setting.fileKey() + "' in " + file;
    }

    private static String knownKeys() {
        StringBuilder keys = new StringBuilder();
        for (Setting s : Setting.values()) {
            if (!keys.isEmpty()) {
                keys.append(", ");
            }
            keys.append(s.fileKey());
        }
        return keys.toString();
    }
}
