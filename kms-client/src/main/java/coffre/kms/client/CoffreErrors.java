package coffre.kms.client;

import coffre.kms.v1.ErrorReason;
import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import java.util.Map;
import java.util.Optional;

/**
 * Reads Coffre's errors off a failed gRPC call, in one place for every Java caller (the CLI's error
 * lines, the load tool's report, {@link CoffreClient}'s exceptions): the {@code google.rpc.ErrorInfo}
 * the server puts in the {@code grpc-status-details-bin} trailer, its reason, and the typed
 * {@link CoffreException} of that reason's family (the table is on {@link CoffreException}).
 *
 * <p>The mapping is a {@code switch} over errors.proto's {@code ErrorReason} without a default, so
 * a reason added there fails this module's build until it is given a family here.
 */
public final class CoffreErrors {

    /** The {@code ErrorInfo.domain} of every Coffre error. */
    public static final String DOMAIN = "kms.coffre.fr";

    private CoffreErrors() {
    }

    /**
     * The first {@code ErrorInfo} among the status details of {@code failure} (a
     * {@code StatusRuntimeException} or {@code StatusException}), whatever its domain. Empty when
     * there are no details, none is an {@code ErrorInfo}, or it is corrupt: a corrupt detail is no
     * worse than none, the gRPC code still says what happened.
     */
    public static Optional<ErrorInfo> errorInfo(Throwable failure) {
        com.google.rpc.Status rich = StatusProto.fromThrowable(failure);
        if (rich == null) {
            return Optional.empty();
        }
        for (Any detail : rich.getDetailsList()) {
            if (detail.is(ErrorInfo.class)) {
                try {
                    return Optional.of(detail.unpack(ErrorInfo.class));
                } catch (InvalidProtocolBufferException e) {
                    return Optional.empty();
                }
            }
        }
        return Optional.empty();
    }

    /** The Coffre reason of {@code info}; empty if it is from another domain or a reason this client does not know. */
    public static Optional<ErrorReason> knownReason(ErrorInfo info) {
        return DOMAIN.equals(info.getDomain()) ? knownReason(info.getReason()) : Optional.empty();
    }

    /** The {@code ErrorReason} named {@code name}; empty for a name this client does not know. */
    static Optional<ErrorReason> knownReason(String name) {
        for (ErrorReason reason : ErrorReason.values()) {
            if (reason != ErrorReason.UNRECOGNIZED && reason.name().equals(name)) {
                return Optional.of(reason);
            }
        }
        return Optional.empty();
    }

    /**
     * The typed exception for a failed call: the family of its Coffre reason; for a failure without
     * a Coffre {@code ErrorInfo}, an {@link UnavailableException} if its code is
     * {@code UNAVAILABLE}, {@code DEADLINE_EXCEEDED} or {@code CANCELLED} (the transport's own
     * failures), else the base {@link CoffreException}; for a reason this client does not know, the
     * base type with that reason. {@code failure} is the cause of what is returned; a
     * {@code CoffreException} is returned as is.
     */
    public static CoffreException toException(Throwable failure) {
        if (failure instanceof CoffreException typed) {
            return typed;
        }
        Status status = Status.fromThrowable(failure);
        com.google.rpc.Status rich = StatusProto.fromThrowable(failure);
        String message = rich != null && !rich.getMessage().isEmpty() ? rich.getMessage()
                : Optional.ofNullable(status.getDescription()).orElse("");
        Optional<ErrorInfo> info = errorInfo(failure).filter(i -> DOMAIN.equals(i.getDomain()));
        Status.Code code = status.getCode();
        if (info.isEmpty()) {
            return switch (code) {
                case UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED -> new UnavailableException(code, "", Map.of(), message, failure);
                default -> new CoffreException(code, "", Map.of(), message, failure);
            };
        }
        String reason = info.get().getReason();
        Map<String, String> metadata = info.get().getMetadataMap();
        Optional<ErrorReason> known = knownReason(reason);
        if (known.isEmpty()) {
            return new CoffreException(code, reason, metadata, message, failure);
        }
        return switch (known.get()) {
            case UNAUTHENTICATED_PRINCIPAL, PERMISSION_DENIED, INVALID_SIGNATURE, OFFICER_NOT_ACTIVE, SELF_APPROVAL,
                 CONTEXT_NOT_ALLOWED -> new AccessDeniedException(code, reason, metadata, message, failure);
            case MISSING_FIELD, INVALID_KEY_ID, INVALID_ALIAS, INVALID_DESCRIPTION, INVALID_LABELS, PLAINTEXT_TOO_LARGE,
                 INVALID_ENCRYPTION_CONTEXT, INVALID_DATA_KEY_LENGTH, INVALID_PENDING_WINDOW, INVALID_PAGINATION,
                 INVALID_POLICY, INVALID_GRANT, INVALID_OFFICER, INVALID_QUORUM_RULE, INVALID_CEREMONY,
                 SIGNATURE_TIME_OUT_OF_RANGE, INVALID_AUDIT_QUERY, INVALID_AUDIT_PRUNE, INVALID_XKS_KEY_STORE,
                 INVALID_XKS_EXTERNAL_KEY_ID, INVALID_XKS_ACCESS_KEY_ID, INVALID_DKE_KEY_NAME, INVALID_KEY_SPEC, UNSUPPORTED_ALGORITHM,
                 INVALID_DIGEST, SIGNING_INPUT_TOO_LARGE, INVALID_CIPHERTEXT_LENGTH ->
                    new InvalidArgumentException(code, reason, metadata, message, failure);
            case DECRYPTION_FAILED -> new DecryptionFailedException(code, reason, metadata, message, failure);
            case KEY_NOT_FOUND, OFFICER_NOT_FOUND, APPROVAL_REQUEST_NOT_FOUND, GRANT_NOT_FOUND, AUDIT_CHAIN_NOT_FOUND,
                 XKS_KEY_STORE_NOT_FOUND, XKS_CREDENTIAL_NOT_FOUND, XKS_KEY_MAPPING_NOT_FOUND, KEY_VERSION_NOT_FOUND,
                 DKE_KEY_MAPPING_NOT_FOUND ->
                    new NotFoundException(code, reason, metadata, message, failure);
            case ALIAS_ALREADY_EXISTS, DUPLICATE_VOTE, OFFICER_ALREADY_EXISTS, CONCURRENT_MODIFICATION,
                 XKS_KEY_STORE_ALREADY_EXISTS, XKS_KEY_MAPPING_ALREADY_EXISTS, DKE_KEY_MAPPING_ALREADY_EXISTS ->
                    new ConflictException(code, reason, metadata, message, failure);
            case NOT_INITIALIZED, ALREADY_INITIALIZED, APPROVAL_REQUEST_CLOSED, AUDIT_NOT_SEALED,
                 XKS_CREDENTIAL_LIMIT_REACHED, XKS_CREDENTIAL_NOT_PENDING, INVALID_KEY_USAGE ->
                    new FailedPreconditionException(code, reason, metadata, message, failure);
            case KEY_DISABLED, KEY_PENDING_DELETION, KEY_DESTROYED, KEY_NOT_PENDING_DELETION ->
                    new KeyStateException(code, reason, metadata, message, failure);
            case APPROVAL_REQUIRED -> new ApprovalRequiredException(code, reason, metadata, message, failure);
            case RATE_LIMITED, MESSAGE_TOO_LARGE -> new LimitExceededException(code, reason, metadata, message, failure);
            case HSM_UNAVAILABLE, STORE_UNAVAILABLE, AUDIT_UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED ->
                    new UnavailableException(code, reason, metadata, message, failure);
            case INTERNAL_ERROR -> new ServerErrorException(code, reason, metadata, message, failure);
            // Names in errors.proto but never sent by a server: no family to promise.
            case ERROR_REASON_UNSPECIFIED, UNRECOGNIZED -> new CoffreException(code, reason, metadata, message, failure);
        };
    }
}
