package coffre.kms.cli.args;

import java.util.Objects;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * A reference to a Coffre key as the user types it: a key id ({@code key-...}) or an alias
 * ({@code alias/<name>}).
 *
 * <p>Only the shape that tells the two apart is checked here, so a typo such as a bare alias
 * name gets a usage error before any connection is made. The exact rules (26 base32 characters,
 * alias character set) stay with the server, which answers {@code INVALID_KEY_ID}: one source of
 * truth for them.
 *
 * @param value the reference as sent to the server
 */
public record KeyRef(String value) {

    /** Help text for KEY parameters. */
    public static final String HELP = "Key id (key-...) or alias (alias/<name>).";

    private static final String ID_PREFIX = "key-";
    private static final String ALIAS_PREFIX = "alias/";

    public KeyRef {
        Objects.requireNonNull(value, "value");
        if (!(hasBody(value, ID_PREFIX) || hasBody(value, ALIAS_PREFIX))) {
            throw new IllegalArgumentException("'" + value + "' is neither a key id (key-...) nor an alias (alias/<name>)");
        }
    }

    private static boolean hasBody(String value, String prefix) {
        return value.startsWith(prefix) && value.length() > prefix.length();
    }

    /** True for {@code alias/<name>}. */
    public boolean isAlias() {
        return value.startsWith(ALIAS_PREFIX);
    }

    @Override
    public String toString() {
        return value;
    }

    /** Picocli converter for KEY arguments and {@code --key}/{@code --target-key} options. */
    public static final class Converter implements ITypeConverter<KeyRef> {
        @Override
        public KeyRef convert(String text) {
            try {
                return new KeyRef(text);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
