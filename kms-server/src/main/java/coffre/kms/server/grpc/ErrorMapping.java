package coffre.kms.server.grpc;

import coffre.kms.server.domain.ErrorReason;
import com.google.protobuf.Any;
import com.google.rpc.ErrorInfo;
import com.google.rpc.Status;
import io.vertx.grpc.common.GrpcStatus;
import java.util.Base64;
import java.util.Map;

/**
 * The one table from {@link ErrorReason} to gRPC status code, and the encoding of the rich error
 * ({@code google.rpc.Status} with a {@code google.rpc.ErrorInfo} detail) that clients read with
 * {@code StatusProto.fromThrowable}.
 */
public final class ErrorMapping {
    /** The {@code ErrorInfo.domain} of every Coffre error. */
    public static final String DOMAIN = "kms.coffre.fr";
    static final String DETAILS_TRAILER = "grpc-status-details-bin";

    private ErrorMapping() {
    }

    public static GrpcStatus statusOf(ErrorReason reason) {
        return switch (reason) {
            case UNAUTHENTICATED_PRINCIPAL -> GrpcStatus.UNAUTHENTICATED;
            case PERMISSION_DENIED, INVALID_SIGNATURE, OFFICER_NOT_ACTIVE, SELF_APPROVAL, CONTEXT_NOT_ALLOWED ->
                    GrpcStatus.PERMISSION_DENIED;
            case MISSING_FIELD, INVALID_KEY_ID, INVALID_ALIAS, INVALID_DESCRIPTION, INVALID_LABELS,
                 PLAINTEXT_TOO_LARGE, INVALID_ENCRYPTION_CONTEXT, INVALID_DATA_KEY_LENGTH,
                 INVALID_PENDING_WINDOW, INVALID_PAGINATION, DECRYPTION_FAILED, INVALID_POLICY, INVALID_GRANT,
                 INVALID_OFFICER, INVALID_QUORUM_RULE, INVALID_CEREMONY, SIGNATURE_TIME_OUT_OF_RANGE,
                 INVALID_AUDIT_QUERY, INVALID_AUDIT_PRUNE, INVALID_XKS_KEY_STORE, INVALID_XKS_EXTERNAL_KEY_ID, INVALID_DKE_KEY_NAME,
                 INVALID_XKS_ACCESS_KEY_ID, INVALID_KEY_SPEC, UNSUPPORTED_ALGORITHM, INVALID_DIGEST,
                 SIGNING_INPUT_TOO_LARGE, INVALID_CIPHERTEXT_LENGTH ->
                    GrpcStatus.INVALID_ARGUMENT;
            case KEY_NOT_FOUND, OFFICER_NOT_FOUND, APPROVAL_REQUEST_NOT_FOUND, GRANT_NOT_FOUND, AUDIT_CHAIN_NOT_FOUND,
                 XKS_KEY_STORE_NOT_FOUND, XKS_CREDENTIAL_NOT_FOUND, XKS_KEY_MAPPING_NOT_FOUND, KEY_VERSION_NOT_FOUND,
                 DKE_KEY_MAPPING_NOT_FOUND ->
                    GrpcStatus.NOT_FOUND;
            case ALIAS_ALREADY_EXISTS, DUPLICATE_VOTE, OFFICER_ALREADY_EXISTS, XKS_KEY_STORE_ALREADY_EXISTS,
                 XKS_KEY_MAPPING_ALREADY_EXISTS, DKE_KEY_MAPPING_ALREADY_EXISTS -> GrpcStatus.ALREADY_EXISTS;
            case KEY_DISABLED, KEY_PENDING_DELETION, KEY_DESTROYED, KEY_NOT_PENDING_DELETION, NOT_INITIALIZED,
                 ALREADY_INITIALIZED, APPROVAL_REQUIRED, APPROVAL_REQUEST_CLOSED, AUDIT_NOT_SEALED,
                 XKS_CREDENTIAL_LIMIT_REACHED, XKS_CREDENTIAL_NOT_PENDING, INVALID_KEY_USAGE ->
                    GrpcStatus.FAILED_PRECONDITION;
            case CONCURRENT_MODIFICATION -> GrpcStatus.ABORTED;
            case RATE_LIMITED, MESSAGE_TOO_LARGE -> GrpcStatus.RESOURCE_EXHAUSTED;
            case HSM_UNAVAILABLE, STORE_UNAVAILABLE, AUDIT_UNAVAILABLE -> GrpcStatus.UNAVAILABLE;
            case DEADLINE_EXCEEDED -> GrpcStatus.DEADLINE_EXCEEDED;
            case CANCELLED -> GrpcStatus.CANCELLED;
            case INTERNAL_ERROR -> GrpcStatus.INTERNAL;
        };
    }

    /** The base64 value of the {@code grpc-status-details-bin} trailer. */
    static String details(ErrorReason reason, String message, Map<String, String> metadata) {
        ErrorInfo info = ErrorInfo.newBuilder()
                .setDomain(DOMAIN)
                .setReason(reason.name())
                .putAllMetadata(metadata)
                .build();
        Status status = Status.newBuilder()
                .setCode(statusOf(reason).code)
                .setMessage(message)
                .addDetails(Any.pack(info))
                .build();
        return Base64.getEncoder().encodeToString(status.toByteArray());
    }
}
