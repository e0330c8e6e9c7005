package coffre.kms.client;

import io.grpc.Status;
import java.util.Map;
import java.util.Optional;

/**
 * This unwrap needs officers' approval first ({@code APPROVAL_REQUIRED}: a break-glass key). The
 * server created an approval request for it, named by {@link #approvalRequestId()}; once officers
 * approve it, the same unwrap succeeds.
 */
public class ApprovalRequiredException extends FailedPreconditionException {

    /** The {@code ErrorInfo} metadata key naming the approval request. */
    public static final String APPROVAL_REQUEST_ID = "approval_request_id";

    /** See {@link CoffreException#CoffreException(Status.Code, String, Map, String, Throwable)}. */
    public ApprovalRequiredException(Status.Code code, String reason, Map<String, String> metadata,
                                     String serverMessage, Throwable cause) {
        super(code, reason, metadata, serverMessage, cause);
    }

    /** The approval request the server created for this call, e.g. {@code apr-...}; empty if it sent none. */
    public Optional<String> approvalRequestId() {
        return Optional.ofNullable(metadata().get(APPROVAL_REQUEST_ID)).filter(id -> !id.isBlank());
    }
}
