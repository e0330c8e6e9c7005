package coffre.kms.server.keys;

import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A unique, human-chosen name for a key: 1-64 characters of {@code [A-Za-z0-9_/-]} starting with
 * a letter or digit. Callers refer to it as {@code alias/<name>} wherever a key id is accepted.
 * Look-ups are exact, but uniqueness is by {@link #folded()}: {@code Billing} cannot be created
 * beside {@code billing}, so an officer approving a request never meets two keys whose names
 * differ only in case. ASCII only, so no Unicode look-alike can stand for a letter.
 */
public record Alias(String value) {
    public static final String PREFIX = "alias/";
    private static final Pattern FORMAT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_/-]{0,63}");

    public Alias {
        if (value == null || !FORMAT.matcher(value).matches()) {
            throw new KmsException(ErrorReason.INVALID_ALIAS,
                    "an alias is 1-64 characters of [A-Za-z0-9_/-], starting with a letter or digit");
        }
    }

    /** The alias in lower case: what two aliases must not share. */
    public String folded() {
        return value.toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return value;
    }
}
