package coffre.kms.cli.args;

import coffre.kms.v1.DataOperation;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * One data operation by name, case-insensitive, {@code -} or {@code _}: {@code wrap},
 * {@code unwrap}, {@code generate-data-key}, {@code rewrap}, {@code decrypt}, {@code sign}, {@code verify},
 * {@code get-public-key}.
 */
public final class DataOperationConverter implements ITypeConverter<DataOperation> {

    /** The accepted names; a constant for help texts (a test checks it against the enum). */
    public static final String NAMES = "wrap, unwrap, generate-data-key, rewrap, decrypt, sign, verify, get-public-key";

    @Override
    public DataOperation convert(String text) {
        String name = text.strip().toUpperCase(Locale.ROOT).replace('-', '_');
        for (DataOperation operation : DataOperation.values()) {
            if (usable(operation) && operation.name().equals(name)) {
                return operation;
            }
        }
        throw new TypeConversionException("'" + text + "' is not a data operation; expected one of " + NAMES);
    }

    private static boolean usable(DataOperation operation) {
        return operation != DataOperation.DATA_OPERATION_UNSPECIFIED && operation != DataOperation.UNRECOGNIZED;
    }
}
