package coffre.kms.client;

import io.grpc.Status;
import java.util.Map;

/**
 * The key's state forbids the operation: it is disabled ({@code KEY_DISABLED}), scheduled for
 * deletion, or destroyed; or a deletion is cancelled on a key that is not scheduled for one
 * ({@code KEY_NOT_PENDING_DELETION}).
 */
public class KeyStateException extends FailedPreconditionException {

    /** See {@link CoffreException#CoffreException(Status.Code, String, Map, String, Throwable)}. */
    public KeyStateException(Status.Code code, String reason, Map<String, String> metadata, String serverMessage, Throwable cause) {
        super(code, reason, metadata, serverMessage, cause);
    }
}
