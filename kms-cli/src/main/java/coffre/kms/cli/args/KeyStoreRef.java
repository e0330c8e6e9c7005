package coffre.kms.cli.args;

import java.util.Objects;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * An external key store as the user types it: its id ({@code xks-...}) or its name (bare, or as
 * {@code name/<name>}). Sent to the server as {@code xks-...} or {@code name/<name>}; commands that
 * sign resolve a name to the id first, so an officer always signs for one exact store.
 *
 * @param value the reference as sent to the server
 */
public record KeyStoreRef(String value) {

    /** Help text for STORE parameters. */
    public static final String HELP = "Key store id (xks-...) or name.";

    private static final Pattern ID = Pattern.compile("xks-[a-z2-7]{26}");
    private static final Pattern NAME = Pattern.compile("[a-z0-9-]{1,64}");
    private static final String NAME_PREFIX = "name/";

    public KeyStoreRef {
        Objects.requireNonNull(value, "value");
    }

    /** True unless this is an id. */
    public boolean isName() {
        return value.startsWith(NAME_PREFIX);
    }

    @Override
    public String toString() {
        return value;
    }

    /** Picocli converter for STORE arguments and {@code --store}. */
    public static final class Converter implements ITypeConverter<KeyStoreRef> {
        @Override
        public KeyStoreRef convert(String text) {
            if (ID.matcher(text).matches()) {
                return new KeyStoreRef(text);
            }
            String name = text.startsWith(NAME_PREFIX) ? text.substring(NAME_PREFIX.length()) : text;
            if (!NAME.matcher(name).matches() || name.startsWith("xks-")) {
                throw new TypeConversionException("'" + text + "' is neither a key store id (xks- followed by 26 "
                        + "characters of a-z 2-7) nor a key store name (1-64 characters of a-z 0-9 -)");
            }
            return new KeyStoreRef(NAME_PREFIX + name);
        }
    }
}
