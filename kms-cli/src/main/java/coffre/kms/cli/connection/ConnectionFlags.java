package coffre.kms.cli.connection;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The connection settings given on the command line, before env, file and defaults are applied.
 * A setting absent from {@code values} was not given.
 *
 * @param values the flags given, by setting
 * @param cliConfig the {@code --cli-config} value, or null
 */
public record ConnectionFlags(Map<Setting, String> values, String cliConfig) {

    public ConnectionFlags {
        Objects.requireNonNull(values, "values");
        values = values.isEmpty()
                ? Map.of()
                : Collections.unmodifiableMap(new EnumMap<>(values));
    }

    /** No flags at all. */
    public static ConnectionFlags none() {
        return new ConnectionFlags(Map.of(), null);
    }

    Optional<String> get(Setting setting) {
        return Optional.ofNullable(values.get(setting));
    }

    Optional<String> cliConfigFlag() {
        return Optional.ofNullable(cliConfig);
    }
}
