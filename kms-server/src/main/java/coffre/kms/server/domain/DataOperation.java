package coffre.kms.server.domain;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The data-plane operations that a key's access policy or a grant may allow: the
 * {@link Operation.Kind#DATA} operations, in the terms policies and grants are written in. A wire
 * format's own values (an "unspecified" sentinel, a number it does not know) have no constant
 * here: an edge passes the name it received, and {@link #named} tells whether it is one of these.
 */
public enum DataOperation {
    WRAP,
    UNWRAP,
    GENERATE_DATA_KEY,
    REWRAP,
    /** RSA-OAEP decryption with an asymmetric key ({@code AsymmetricDecrypt}). */
    DECRYPT,
    SIGN,
    VERIFY,
    GET_PUBLIC_KEY;

    /** For error messages: what is allowed, e.g. "WRAP, UNWRAP, GENERATE_DATA_KEY, REWRAP, ...". */
    public static final String NAMES = Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", "));

    /** The operation named exactly {@code name}; empty for anything else (null included). */
    public static Optional<DataOperation> named(String name) {
        for (DataOperation op : values()) {
            if (op.name().equals(name)) {
                return Optional.of(op);
            }
        }
        return Optional.empty();
    }
}
