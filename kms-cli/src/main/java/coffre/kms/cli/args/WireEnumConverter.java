package coffre.kms.cli.args;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * One value of an API enum by name, case-insensitive, {@code -} or {@code _} alike, among the
 * values a person may choose ({@code UNRECOGNIZED} and the {@code *_UNSPECIFIED} sentinels are
 * not). The error lists what is allowed; the server checks again and stays the authority.
 */
public abstract class WireEnumConverter<E extends Enum<E>> implements ITypeConverter<E> {
    private final String what;
    private final List<E> choices;

    protected WireEnumConverter(String what, Class<E> type) {
        this.what = what;
        this.choices = Arrays.stream(type.getEnumConstants())
                .filter(e -> !e.name().equals("UNRECOGNIZED") && !e.name().endsWith("_UNSPECIFIED")).toList();
    }

    @Override
    public E convert(String text) {
        String name = text.strip().toUpperCase(Locale.ROOT).replace('-', '_');
        for (E choice : choices) {
            if (choice.name().equals(name)) {
                return choice;
            }
        }
        throw new TypeConversionException("'" + text + "' is not a " + what + "; expected one of "
                + choices.stream().map(Enum::name).collect(Collectors.joining(", ")));
    }

    /** {@code keys create --spec}. */
    public static final class KeySpecs extends WireEnumConverter<coffre.kms.v1.KeySpec> {
        public KeySpecs() {
            super("key spec", coffre.kms.v1.KeySpec.class);
        }
    }

    /** {@code keys create --usage}. */
    public static final class KeyUsages extends WireEnumConverter<coffre.kms.v1.KeyUsage> {
        public KeyUsages() {
            super("key usage", coffre.kms.v1.KeyUsage.class);
        }
    }

    /** {@code sign --algorithm}, {@code verify --algorithm}. */
    public static final class SigningAlgorithms extends WireEnumConverter<coffre.kms.v1.SigningAlgorithm> {
        public SigningAlgorithms() {
            super("signing algorithm", coffre.kms.v1.SigningAlgorithm.class);
        }
    }
}
