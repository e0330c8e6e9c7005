package coffre.kms.client;

import io.grpc.Status;
import java.util.Map;

/**
 * The server's state forbids the call now: it is not initialised yet, or already is; the approval
 * request is closed; the audit events to prune are not sealed yet. The key-state reasons are the
 * subclass {@link KeyStateException}, and a break-glass unwrap waiting for officers is
 * {@link ApprovalRequiredException}.
 */
public class FailedPreconditionException extends CoffreException {

    /** See {@link CoffreException#CoffreException(Status.Code, String, Map, String, Throwable)}. */
    public FailedPreconditionException(Status.Code code, String reason, Map<String, String> metadata, String serverMessage, Throwable cause) {
        super(code, reason, metadata, serverMessage, cause);
    }
}
