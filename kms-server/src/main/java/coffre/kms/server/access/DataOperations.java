package coffre.kms.server.access;

import coffre.kms.v1.DataOperation;
import java.util.Arrays;
import java.util.stream.Collectors;

/** The data-plane operations a policy rule or a grant may list: every value but the proto's sentinels. */
final class DataOperations {
    /** For error messages: what is allowed, e.g. "WRAP, UNWRAP, GENERATE_DATA_KEY, REWRAP". */
    static final String NAMES = Arrays.stream(DataOperation.values())
            .filter(DataOperations::isValid)
            .map(Enum::name)
            .collect(Collectors.joining(", "));

    private DataOperations() {
    }

    static boolean isValid(DataOperation op) {
        return op != null && op != DataOperation.DATA_OPERATION_UNSPECIFIED && op != DataOperation.UNRECOGNIZED;
    }
}
