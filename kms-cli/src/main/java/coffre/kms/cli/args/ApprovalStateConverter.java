package coffre.kms.cli.args;

import coffre.kms.v1.ApprovalState;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** An approval request state by name, case-insensitive: pending, executed, failed, rejected, expired. */
public final class ApprovalStateConverter implements ITypeConverter<ApprovalState> {

    /** The accepted names; a constant for help texts (a test checks it against the enum). */
    public static final String NAMES = "pending, executed, failed, rejected, expired";

    @Override
    public ApprovalState convert(String text) {
        String name = text.strip().toUpperCase(Locale.ROOT);
        for (ApprovalState state : ApprovalState.values()) {
            if (usable(state) && state.name().equals(name)) {
                return state;
            }
        }
        throw new TypeConversionException("'" + text + "' is not an approval state; expected one of " + NAMES);
    }

    private static boolean usable(ApprovalState state) {
        return state != ApprovalState.APPROVAL_STATE_UNSPECIFIED && state != ApprovalState.UNRECOGNIZED;
    }
}
