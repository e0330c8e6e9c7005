package coffre.kms.server.dke;

import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;

/**
 * A domain failure ({@link ErrorReason}) to the DKE answer, in one exhaustive switch, so a new
 * reason fails the build until it is mapped here. The client gets the edge's generic message
 * (the domain's names Coffre's key ids and principals); the domain's reason stays in the audit.
 *
 * <p>The kill switch: a disabled key (or one pending deletion or destroyed) is 403 — the user's
 * access is cut, which is what Office shows — not 404, which would say the key never existed.
 */
final class DkeErrors {
    private static final Logger LOG = System.getLogger(DkeErrors.class.getName());
    /** The metadata key under which break-glass refusals name their approval request. */
    static final String APPROVAL_REQUEST_ID = "approval_request_id";

    private DkeErrors() {
    }

    static DkeException of(KmsException e) {
        DkeError error = switch (e.reason()) {
            case KEY_NOT_FOUND -> DkeError.NOT_FOUND;
            case KEY_DISABLED, KEY_PENDING_DELETION, KEY_DESTROYED -> DkeError.FORBIDDEN;
            case PERMISSION_DENIED, CONTEXT_NOT_ALLOWED -> DkeError.FORBIDDEN;
            // The name maps a key that cannot decrypt (AES, or an RSA signing key): refused, as a policy would.
            case INVALID_KEY_USAGE -> DkeError.FORBIDDEN;
            // A version the key never had is one more ciphertext that does not open.
            case KEY_VERSION_NOT_FOUND -> DkeError.DECRYPTION_FAILED;
            // Not the modulus length: a public fact about the key, said as a malformed request.
            case INVALID_CIPHERTEXT_LENGTH -> DkeError.INVALID_REQUEST;
            case APPROVAL_REQUIRED -> DkeError.APPROVAL_REQUIRED;
            // One answer for every ciphertext that does not open, an unknown version included: no oracle.
            case DECRYPTION_FAILED -> DkeError.DECRYPTION_FAILED;
            case RATE_LIMITED -> DkeError.TOO_MANY_REQUESTS;
            case PLAINTEXT_TOO_LARGE, MESSAGE_TOO_LARGE -> DkeError.PAYLOAD_TOO_LARGE;
            case HSM_UNAVAILABLE, DEADLINE_EXCEEDED, STORE_UNAVAILABLE, AUDIT_UNAVAILABLE -> DkeError.UNAVAILABLE;
            case UNAUTHENTICATED_PRINCIPAL -> DkeError.UNAUTHORIZED;
            case MISSING_FIELD, INVALID_KEY_ID, INVALID_ALIAS, INVALID_DESCRIPTION, INVALID_LABELS,
                 INVALID_ENCRYPTION_CONTEXT, INVALID_DATA_KEY_LENGTH, INVALID_PENDING_WINDOW, INVALID_PAGINATION,
                 INVALID_POLICY, INVALID_GRANT, INVALID_OFFICER, INVALID_QUORUM_RULE, INVALID_CEREMONY,
                 INVALID_AUDIT_QUERY, INVALID_AUDIT_PRUNE, SIGNATURE_TIME_OUT_OF_RANGE, INVALID_SIGNATURE,
                 INVALID_XKS_KEY_STORE, INVALID_XKS_EXTERNAL_KEY_ID, INVALID_XKS_ACCESS_KEY_ID, INVALID_DKE_KEY_NAME,
                 INVALID_KEY_SPEC, UNSUPPORTED_ALGORITHM, INVALID_DIGEST, SIGNING_INPUT_TOO_LARGE ->
                    DkeError.INVALID_REQUEST;
            // The administration's reasons never arise on the data path: mapped to what they would mean here.
            case XKS_KEY_STORE_NOT_FOUND, XKS_KEY_MAPPING_NOT_FOUND, XKS_CREDENTIAL_NOT_FOUND,
                 DKE_KEY_MAPPING_NOT_FOUND -> DkeError.NOT_FOUND;
            case XKS_KEY_STORE_ALREADY_EXISTS, XKS_KEY_MAPPING_ALREADY_EXISTS, XKS_CREDENTIAL_LIMIT_REACHED,
                 XKS_CREDENTIAL_NOT_PENDING, DKE_KEY_MAPPING_ALREADY_EXISTS, INTERNAL_ERROR, CONCURRENT_MODIFICATION,
                 CANCELLED, NOT_INITIALIZED,
                 ALREADY_INITIALIZED, ALIAS_ALREADY_EXISTS, KEY_NOT_PENDING_DELETION, APPROVAL_REQUEST_CLOSED,
                 AUDIT_NOT_SEALED, OFFICER_NOT_ACTIVE, SELF_APPROVAL, OFFICER_NOT_FOUND, APPROVAL_REQUEST_NOT_FOUND,
                 GRANT_NOT_FOUND, DUPLICATE_VOTE, OFFICER_ALREADY_EXISTS, AUDIT_CHAIN_NOT_FOUND -> DkeError.INTERNAL;
        };
        String approval = error == DkeError.APPROVAL_REQUIRED ? e.metadata().get(APPROVAL_REQUEST_ID) : null;
        String message = approval == null ? error.defaultMessage()
                : "this key needs the key officers' approval for each decryption: ask your administrator to have "
                + "approval request " + approval + " approved, then open the document again";
        return new DkeException(error, message, e.auditedReason(), approval, e.getMessage(), e);
    }

    /** An unexpected failure (a bug): logged with its trace, answered 500. */
    static DkeException unexpected(Throwable failure) {
        LOG.log(Level.ERROR, "DKE call failed unexpectedly", failure);
        return new DkeException(DkeError.INTERNAL, DkeError.INTERNAL.defaultMessage(), ErrorReason.INTERNAL_ERROR, null,
                null, failure);
    }
}
