package coffre.kms.cli.args;

import java.util.Objects;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * An officer id: 1-64 characters of {@code [a-z0-9_-]}, chosen at registration. Checked here so a
 * typo is a usage error; the server checks again.
 *
 * @param value the id
 */
public record OfficerId(String value) {

    /** What an officer id looks like, for messages and help. */
    public static final String FORM = "1-64 characters of a-z 0-9 _ -";

    private static final Pattern FORMAT = Pattern.compile("[a-z0-9_-]{1,64}");

    public OfficerId {
        Objects.requireNonNull(value, "value");
        if (!FORMAT.matcher(value).matches()) {
            throw new IllegalArgumentException("'" + value + "' is not an officer id (" + FORM + ")");
        }
    }

    @Override
    public String toString() {
        return value;
    }

    /** Picocli converter. */
    public static final class Converter implements ITypeConverter<OfficerId> {
        @Override
        public OfficerId convert(String text) {
            try {
                return new OfficerId(text);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
