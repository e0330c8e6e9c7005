package coffre.kms.cli.args;

import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Picocli converters for server-chosen ids: a prefix and 26 characters of base32
 * ({@code [a-z2-7]}), e.g. {@code apr-...} for approval requests and {@code grt-...} for grants.
 */
public abstract class PrefixedId implements ITypeConverter<String> {

    private final String prefix;
    private final String what;
    private final Pattern format;

    protected PrefixedId(String prefix, String what) {
        this.prefix = prefix;
        this.what = what;
        this.format = Pattern.compile(Pattern.quote(prefix) + "[a-z2-7]{26}");
    }

    @Override
    public String convert(String text) {
        if (!format.matcher(text).matches()) {
            throw new TypeConversionException("'" + text + "' is not " + what + " id (" + prefix
                    + " followed by 26 characters of a-z 2-7)");
        }
        return text;
    }

    /** {@code apr-...}. */
    public static final class ApprovalRequestId extends PrefixedId {
        public ApprovalRequestId() {
            super("apr-", "an approval request");
        }
    }

    /** {@code grt-...}. */
    public static final class GrantId extends PrefixedId {
        public GrantId() {
            super("grt-", "a grant");
        }
    }
}
