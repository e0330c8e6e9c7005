package coffre.kms.cli.args;

import java.util.Objects;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * One {@code key=value} pair of an encryption context or a label set. The key is everything before
 * the first {@code =} and must not be empty; the value is the rest and may be empty or hold
 * further {@code =} signs.
 *
 * @param key non-empty
 * @param value possibly empty
 */
public record KeyValue(String key, String value) {

    public KeyValue {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        if (key.isEmpty()) {
            throw new IllegalArgumentException("empty key");
        }
    }

    /** Picocli converter: rejects a missing {@code =} and an empty key with a message showing the expected form. */
    public static final class Converter implements ITypeConverter<KeyValue> {
        @Override
        public KeyValue convert(String text) {
            int eq = text.indexOf('=');
            if (eq < 0) {
                throw new TypeConversionException("'" + text + "' is not key=value (no '=')");
            }
            if (eq == 0) {
                throw new TypeConversionException("'" + text + "' has an empty key (expected key=value)");
            }
            return new KeyValue(text.substring(0, eq), text.substring(eq + 1));
        }
    }
}
