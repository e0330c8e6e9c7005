package coffre.kms.server.dke;

import coffre.kms.server.domain.ErrorReason;

/**
 * A refusal of a DKE request, answered with its {@link DkeError}'s status and a JSON body.
 *
 * <p>The message is sent to the Office client: it never holds a token, a key, a plaintext, a
 * Coffre key id, a policy rule or an HSM code (those go to the audit log through
 * {@link #auditedReason()} and {@link #detail()}). It is cut to printable ASCII and
 * {@value #MAX_MESSAGE_CHARS} characters at construction. No stack trace is captured: a flood of
 * bad tokens must stay cheap.
 */
public final class DkeException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    static final int MAX_MESSAGE_CHARS = 300;

    private final DkeError error;
    private final ErrorReason auditedReason;
    private final String approvalRequestId;
    private final String detail;

    public DkeException(DkeError error, String safeMessage) {
        this(error, safeMessage, null, null, null, null);
    }

    DkeException(DkeError error, String safeMessage, ErrorReason auditedReason, String approvalRequestId, String detail,
                 Throwable cause) {
        super(sanitize(error, safeMessage), cause, false, false);
        this.error = error;
        this.auditedReason = auditedReason;
        this.approvalRequestId = approvalRequestId;
        this.detail = detail;
    }

    /** The same refusal, with what the audit log records of its cause (never sent to the client). */
    DkeException withDetail(String auditDetail) {
        return new DkeException(error, getMessage(), auditedReason, approvalRequestId, auditDetail, getCause());
    }

    public DkeError error() {
        return error;
    }

    /** The reason the audit log records: the domain's when it came from the domain, else the edge's nearest. */
    public ErrorReason auditedReason() {
        if (auditedReason != null) {
            return auditedReason;
        }
        return switch (error) {
            case INVALID_REQUEST, METHOD_NOT_ALLOWED -> ErrorReason.MISSING_FIELD;
            case DECRYPTION_FAILED -> ErrorReason.DECRYPTION_FAILED;
            case UNAUTHORIZED -> ErrorReason.UNAUTHENTICATED_PRINCIPAL;
            case FORBIDDEN -> ErrorReason.PERMISSION_DENIED;
            case APPROVAL_REQUIRED -> ErrorReason.APPROVAL_REQUIRED;
            case NOT_FOUND -> ErrorReason.KEY_NOT_FOUND;
            case PAYLOAD_TOO_LARGE -> ErrorReason.MESSAGE_TOO_LARGE;
            case TOO_MANY_REQUESTS -> ErrorReason.RATE_LIMITED;
            case INTERNAL -> ErrorReason.INTERNAL_ERROR;
            case UNAVAILABLE -> ErrorReason.DEADLINE_EXCEEDED;
        };
    }

    /** The approval request a break-glass refusal names; null otherwise. */
    public String approvalRequestId() {
        return approvalRequestId;
    }

    /** Why, for the operator (e.g. "token expired"); never a token or request value. Null when nothing to add. */
    public String detail() {
        return detail;
    }

    /** The compact JSON error body. */
    public byte[] toJsonBody() {
        return DkeJson.errorBody(error, getMessage(), approvalRequestId);
    }

    static String sanitize(DkeError error, String message) {
        if (error == null) {
            throw new IllegalArgumentException("a DKE error needs its DkeError");
        }
        if (message == null || message.isBlank()) {
            return error.defaultMessage();
        }
        int length = Math.min(message.length(), MAX_MESSAGE_CHARS);
        StringBuilder safe = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            char c = message.charAt(i);
            safe.append(c >= 0x20 && c <= 0x7e ? c : '?');
        }
        return safe.toString();
    }
}
