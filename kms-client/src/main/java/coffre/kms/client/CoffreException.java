package coffre.kms.client;

import coffre.kms.v1.ErrorReason;
import io.grpc.Status;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A Coffre call failed. Every failure {@link CoffreClient} reports is one of these, built by
 * {@link CoffreErrors#toException} from the call's gRPC status and the {@code google.rpc.ErrorInfo}
 * the server attaches (errors.proto): its {@link #reason()}, its gRPC {@link #code()} and its
 * {@link #metadata()}. Branch on the type or the reason, never on the message text.
 *
 * <p>Each {@code ErrorReason} travels with one gRPC code, and the typed subclasses follow those
 * codes, one family per code, with three refinements callers commonly need on their own:
 *
 * <table>
 *   <caption>Families</caption>
 *   <tr><th>type</th><th>gRPC code</th><th>reasons</th></tr>
 *   <tr><td>{@link AccessDeniedException}</td><td>UNAUTHENTICATED, PERMISSION_DENIED</td>
 *       <td>UNAUTHENTICATED_PRINCIPAL, PERMISSION_DENIED, INVALID_SIGNATURE, OFFICER_NOT_ACTIVE,
 *       SELF_APPROVAL, CONTEXT_NOT_ALLOWED</td></tr>
 *   <tr><td>{@link InvalidArgumentException}</td><td>INVALID_ARGUMENT</td>
 *       <td>MISSING_FIELD and every INVALID_* reason, PLAINTEXT_TOO_LARGE, SIGNATURE_TIME_OUT_OF_RANGE</td></tr>
 *   <tr><td>&nbsp;&nbsp;{@link DecryptionFailedException}</td><td>INVALID_ARGUMENT</td>
 *       <td>DECRYPTION_FAILED (one reason for every bad envelope, so there is no oracle)</td></tr>
 *   <tr><td>{@link NotFoundException}</td><td>NOT_FOUND</td>
 *       <td>KEY_NOT_FOUND, GRANT_NOT_FOUND, OFFICER_NOT_FOUND, APPROVAL_REQUEST_NOT_FOUND,
 *       AUDIT_CHAIN_NOT_FOUND</td></tr>
 *   <tr><td>{@link ConflictException}</td><td>ALREADY_EXISTS, ABORTED</td>
 *       <td>ALIAS_ALREADY_EXISTS, OFFICER_ALREADY_EXISTS, DUPLICATE_VOTE, CONCURRENT_MODIFICATION</td></tr>
 *   <tr><td>{@link FailedPreconditionException}</td><td>FAILED_PRECONDITION</td>
 *       <td>NOT_INITIALIZED, ALREADY_INITIALIZED, APPROVAL_REQUEST_CLOSED, AUDIT_NOT_SEALED</td></tr>
 *   <tr><td>&nbsp;&nbsp;{@link KeyStateException}</td><td>FAILED_PRECONDITION</td>
 *       <td>KEY_DISABLED, KEY_PENDING_DELETION, KEY_DESTROYED, KEY_NOT_PENDING_DELETION</td></tr>
 *   <tr><td>&nbsp;&nbsp;{@link ApprovalRequiredException}</td><td>FAILED_PRECONDITION</td>
 *       <td>APPROVAL_REQUIRED</td></tr>
 *   <tr><td>{@link LimitExceededException}</td><td>RESOURCE_EXHAUSTED</td>
 *       <td>RATE_LIMITED, MESSAGE_TOO_LARGE</td></tr>
 *   <tr><td>{@link UnavailableException}</td><td>UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED</td>
 *       <td>HSM_UNAVAILABLE, STORE_UNAVAILABLE, AUDIT_UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED; and
 *       these three codes without any reason (no node reachable, TLS handshake failed, the client's
 *       own deadline)</td></tr>
 *   <tr><td>{@link ServerErrorException}</td><td>INTERNAL</td><td>INTERNAL_ERROR</td></tr>
 * </table>
 *
 * <p>This base type itself stands for what fits no family: a reason this client does not know (a
 * newer server's; {@link #reason()} still names it), or a failure without a Coffre
 * {@code ErrorInfo} and with another code. Nothing is dropped: the original
 * {@code StatusRuntimeException} is the {@linkplain #getCause() cause}.
 *
 * <p>Messages hold the reason and the server's message, which never contains plaintext or key
 * material.
 */
public class CoffreException extends RuntimeException {

    private final Status.Code code;
    private final String reason;
    private final Map<String, String> metadata;
    private final String serverMessage;

    /**
     * @param code the call's gRPC status code
     * @param reason the {@code ErrorInfo} reason, or empty if the failure carried no Coffre one
     * @param metadata the {@code ErrorInfo} metadata (copied)
     * @param serverMessage the status message, or empty
     * @param cause the gRPC failure, kept whole
     */
    public CoffreException(Status.Code code, String reason, Map<String, String> metadata, String serverMessage,
                           Throwable cause) {
        super(message(code, reason, serverMessage), cause);
        this.code = Objects.requireNonNull(code, "code");
        this.reason = Objects.requireNonNull(reason, "reason");
        this.metadata = Map.copyOf(metadata);
        this.serverMessage = Objects.requireNonNull(serverMessage, "serverMessage");
    }

    /** The gRPC status code of the failed call. */
    public Status.Code code() {
        return code;
    }

    /**
     * The {@code ErrorInfo} reason, e.g. {@code KEY_DISABLED}: the name of an {@code ErrorReason}
     * of errors.proto, or of one a newer server added; empty when the failure carried no Coffre
     * {@code ErrorInfo} (the call never reached a node, or something other than Coffre answered).
     */
    public String reason() {
        return reason;
    }

    /** {@link #reason()} as this client's {@code ErrorReason}, if it is one this client knows. */
    public Optional<ErrorReason> knownReason() {
        return CoffreErrors.knownReason(reason);
    }

    /** The {@code ErrorInfo} metadata, e.g. {@code field}, {@code limit}, {@code approval_request_id}; never null. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** The server's message (or the transport's description), for people; empty if there was none. */
    public String serverMessage() {
        return serverMessage;
    }

    private static String message(Status.Code code, String reason, String serverMessage) {
        String head = reason.isEmpty() ? String.valueOf(code) : reason;
        return serverMessage.isEmpty() ? head : head + ": " + serverMessage;
    }
}
