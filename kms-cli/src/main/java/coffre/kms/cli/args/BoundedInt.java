package coffre.kms.cli.args;

import java.util.Arrays;
import java.util.stream.Collectors;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Picocli converters for integer options with a fixed set or range of values. Checking them in
 * the CLI turns a typo into a usage error that lists what is allowed, without a round trip; the
 * server checks again and stays the authority.
 */
public abstract class BoundedInt implements ITypeConverter<Integer> {

    private final int[] allowed;
    private final int min;
    private final int max;

    /** A range {@code min..max}. */
    protected BoundedInt(int min, int max) {
        this.allowed = null;
        this.min = min;
        this.max = max;
    }

    /** A set of values. */
    protected BoundedInt(int... allowed) {
        this.allowed = allowed.clone();
        this.min = 0;
        this.max = 0;
    }

    @Override
    public Integer convert(String text) {
        int value;
        try {
            value = Integer.parseInt(text.strip());
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + text + "' is not a whole number; " + allowedText());
        }
        boolean ok = allowed == null ? value >= min && value <= max : Arrays.stream(allowed).anyMatch(a -> a == value);
        if (!ok) {
            throw new TypeConversionException(value + " is not allowed; " + allowedText());
        }
        return value;
    }

    private String allowedText() {
        if (allowed == null) {
            return "expected " + min + "-" + max;
        }
        return "expected one of " + Arrays.stream(allowed).mapToObj(Integer::toString).collect(Collectors.joining(", "));
    }

    /** {@code datakey --length}: the data key sizes the server generates. */
    public static final class DataKeyLength extends BoundedInt {
        public DataKeyLength() {
            super(16, 24, 32, 64);
        }
    }

    /** {@code keys schedule-deletion --days}: the deletion waiting period. */
    public static final class PendingWindowDays extends BoundedInt {
        public PendingWindowDays() {
            super(7, 30);
        }
    }

    /** {@code keys list --page-size}. */
    public static final class PageSize extends BoundedInt {
        public PageSize() {
            super(1, 1000);
        }
    }

    /** {@code --threshold} of a quorum rule: how many officers must approve. */
    public static final class Threshold extends BoundedInt {
        public Threshold() {
            super(1, 1000);
        }
    }

    /** {@code --min-per-operator} of a quorum rule; 0 means no per-operator minimum. */
    public static final class MinPerOperator extends BoundedInt {
        public MinPerOperator() {
            super(0, 1000);
        }
    }
}
