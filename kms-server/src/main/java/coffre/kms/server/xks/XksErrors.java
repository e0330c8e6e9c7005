package coffre.kms.server.xks;

import coffre.kms.server.access.AccessRefusal;
import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;

/**
 * The XKS edge's two error tables: a domain failure ({@link ErrorReason}) to the XKS error AWS KMS
 * understands, and an XKS error the edge raised itself to the reason the audit log records. Both
 * are exhaustive switches, so a new reason or error fails the build until it is mapped here.
 *
 * <p>Messages sent to AWS are the edge's own, never the domain's (which name Coffre's key ids and
 * principals) nor a request value: AWS writes them to the customer's CloudWatch Logs.
 */
final class XksErrors {
    private static final Logger LOG = System.getLogger(XksErrors.class.getName());

    private XksErrors() {
    }

    /** The XKS answer to a domain failure; the exception is kept as the cause (for the audit's reason). */
    static XksException of(KmsException e) {
        XksError error = switch (e.reason()) {
            case KEY_NOT_FOUND -> XksError.KEY_NOT_FOUND;
            case KEY_DISABLED, KEY_PENDING_DELETION, KEY_DESTROYED -> XksError.INVALID_STATE;
            // One answer for every ciphertext that does not open: no oracle.
            case DECRYPTION_FAILED -> XksError.INVALID_CIPHERTEXT;
            case PERMISSION_DENIED, CONTEXT_NOT_ALLOWED, APPROVAL_REQUIRED -> XksError.ACCESS_DENIED;
            case RATE_LIMITED -> XksError.THROTTLING;
            case PLAINTEXT_TOO_LARGE, MESSAGE_TOO_LARGE -> XksError.UNSUPPORTED_OPERATION;
            // An asymmetric key behind an external key id (mapping one is refused; XKS is AES-256-GCM).
            case INVALID_KEY_USAGE -> XksError.INVALID_KEY_USAGE;
            // The HSM did not answer in time or is being re-initialised: another node (or a retry)
            // may serve, which is what KMS's message for this error tells the caller.
            case HSM_UNAVAILABLE, DEADLINE_EXCEEDED -> XksError.DEPENDENCY_TIMEOUT;
            case MISSING_FIELD, INVALID_KEY_ID, INVALID_ALIAS, INVALID_DESCRIPTION, INVALID_LABELS,
                 INVALID_ENCRYPTION_CONTEXT, INVALID_DATA_KEY_LENGTH, INVALID_PENDING_WINDOW, INVALID_PAGINATION,
                 INVALID_POLICY, INVALID_GRANT, INVALID_OFFICER, INVALID_QUORUM_RULE, INVALID_CEREMONY,
                 INVALID_AUDIT_QUERY, INVALID_AUDIT_PRUNE, SIGNATURE_TIME_OUT_OF_RANGE, INVALID_SIGNATURE,
                 INVALID_KEY_SPEC, UNSUPPORTED_ALGORITHM, INVALID_DIGEST, SIGNING_INPUT_TOO_LARGE,
                 INVALID_CIPHERTEXT_LENGTH -> XksError.VALIDATION;
            case UNAUTHENTICATED_PRINCIPAL -> XksError.AUTHENTICATION_FAILED;
            // The administration's reasons (XksAdminService) never arise on the data path; mapped
            // to what they would mean to AWS if they did.
            case INVALID_XKS_KEY_STORE, INVALID_XKS_EXTERNAL_KEY_ID, INVALID_XKS_ACCESS_KEY_ID, INVALID_DKE_KEY_NAME ->
                    XksError.VALIDATION;
            case XKS_KEY_STORE_NOT_FOUND -> XksError.INVALID_URI_PATH;
            case XKS_KEY_MAPPING_NOT_FOUND, DKE_KEY_MAPPING_NOT_FOUND -> XksError.KEY_NOT_FOUND;
            case XKS_CREDENTIAL_NOT_FOUND -> XksError.AUTHENTICATION_FAILED;
            case XKS_KEY_STORE_ALREADY_EXISTS, XKS_KEY_MAPPING_ALREADY_EXISTS, XKS_CREDENTIAL_LIMIT_REACHED,
                 XKS_CREDENTIAL_NOT_PENDING, DKE_KEY_MAPPING_ALREADY_EXISTS -> XksError.INTERNAL;
            case STORE_UNAVAILABLE, AUDIT_UNAVAILABLE, INTERNAL_ERROR, CONCURRENT_MODIFICATION, CANCELLED,
                 NOT_INITIALIZED, ALREADY_INITIALIZED, ALIAS_ALREADY_EXISTS, KEY_NOT_PENDING_DELETION,
                 APPROVAL_REQUEST_CLOSED, AUDIT_NOT_SEALED, OFFICER_NOT_ACTIVE, SELF_APPROVAL, OFFICER_NOT_FOUND,
                 APPROVAL_REQUEST_NOT_FOUND, GRANT_NOT_FOUND, DUPLICATE_VOTE, OFFICER_ALREADY_EXISTS,
                 AUDIT_CHAIN_NOT_FOUND, KEY_VERSION_NOT_FOUND -> XksError.INTERNAL;
        };
        // The domain's message names Coffre's key ids and principals, which AWS would show to the
        // key's customer: the generic message goes to AWS, the domain's stays in the audit log.
        return new XksException(error, error.defaultMessage(), e);
    }

    /** The answer to a refusal of the key's policy, in the XKS spec's terms. */
    static XksException of(AccessRefusal refusal) {
        return switch (refusal.kind()) {
            // Secondary authorization said no for this request.
            case DENIED_BY_RULE, CONDITIONS_UNMET -> new XksException(XksError.ACCESS_DENIED,
                    "the operation is not authorized for this request by the key's policy");
            // The key store may never do this with this key: the key does not support it, for it.
            case NOT_PERMITTED -> new XksException(XksError.INVALID_KEY_USAGE,
                    "the key's policy does not let this key store use the key for this operation");
        };
    }

    /** An unexpected failure (a bug): logged here with its trace, answered as InternalException. */
    static XksException unexpected(Throwable failure) {
        LOG.log(Level.ERROR, "XKS call failed unexpectedly", failure);
        return new XksException(XksError.INTERNAL, XksError.INTERNAL.defaultMessage(), failure);
    }

    /** What the audit log records as the reason of a refused or failed call. */
    static ErrorReason auditedReason(XksException e) {
        if (e.getCause() instanceof KmsException kms) {
            return kms.auditedReason();
        }
        return switch (e.error()) {
            case VALIDATION -> ErrorReason.MISSING_FIELD;
            case INVALID_STATE -> ErrorReason.KEY_DISABLED;
            case INVALID_CIPHERTEXT -> ErrorReason.DECRYPTION_FAILED;
            case INVALID_KEY_USAGE, ACCESS_DENIED -> ErrorReason.PERMISSION_DENIED;
            case AUTHENTICATION_FAILED -> ErrorReason.UNAUTHENTICATED_PRINCIPAL;
            // The path named no key store, or the store no such key: something that does not exist.
            case KEY_NOT_FOUND, INVALID_URI_PATH -> ErrorReason.KEY_NOT_FOUND;
            case THROTTLING -> ErrorReason.RATE_LIMITED;
            case UNSUPPORTED_OPERATION -> ErrorReason.PLAINTEXT_TOO_LARGE;
            case DEPENDENCY_TIMEOUT -> ErrorReason.DEADLINE_EXCEEDED;
            case INTERNAL -> ErrorReason.INTERNAL_ERROR;
        };
    }
}
