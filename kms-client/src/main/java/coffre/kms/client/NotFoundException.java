package coffre.kms.client;

import io.grpc.Status;
import java.util.Map;

/**
 * What the request names does not exist: a key ({@code KEY_NOT_FOUND}), grant, officer, approval
 * request or audit chain. {@link #reason()} says which.
 */
public class NotFoundException extends CoffreException {

    /** See {@link CoffreException#CoffreException(Status.Code, String, Map, String, Throwable)}. */
    public NotFoundException(Status.Code code, String reason, Map<String, String> metadata, String serverMessage, Throwable cause) {
        super(code, reason, metadata, serverMessage, cause);
    }
}
