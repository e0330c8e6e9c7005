package coffre.kms.server.audit;

import coffre.kms.server.domain.ErrorReason;

/**
 * What became of a request, as an auditor sorts it: done, refused by a rule, refused as malformed,
 * or not done because the server could not.
 */
public enum AuditDecision {
    ALLOWED,
    /** Authentication, authorisation, policy, key state, signature or rate limit said no. */
    DENIED,
    /** The request was malformed or named something that does not exist. */
    INVALID,
    /** The server could not serve it (HSM, store or audit log unavailable, internal error). */
    FAILED;

    /** The decision for a request that ended with {@code reason}. */
    public static AuditDecision of(ErrorReason reason) {
        return switch (reason) {
            case UNAUTHENTICATED_PRINCIPAL, PERMISSION_DENIED, INVALID_SIGNATURE, OFFICER_NOT_ACTIVE,
                 SELF_APPROVAL, CONTEXT_NOT_ALLOWED, RATE_LIMITED, KEY_DISABLED, KEY_PENDING_DELETION,
                 KEY_DESTROYED, APPROVAL_REQUIRED, NOT_INITIALIZED, DECRYPTION_FAILED,
                 SIGNATURE_TIME_OUT_OF_RANGE -> DENIED;
            case MISSING_FIELD, INVALID_KEY_ID, INVALID_ALIAS, INVALID_DESCRIPTION, INVALID_LABELS,
                 PLAINTEXT_TOO_LARGE, INVALID_ENCRYPTION_CONTEXT, INVALID_DATA_KEY_LENGTH,
                 INVALID_PENDING_WINDOW, INVALID_PAGINATION, INVALID_POLICY, INVALID_GRANT, INVALID_OFFICER,
                 INVALID_QUORUM_RULE, INVALID_CEREMONY, INVALID_AUDIT_QUERY, INVALID_AUDIT_PRUNE, AUDIT_CHAIN_NOT_FOUND, AUDIT_NOT_SEALED, KEY_NOT_FOUND,
                 ALIAS_ALREADY_EXISTS, KEY_NOT_PENDING_DELETION, ALREADY_INITIALIZED,
                 APPROVAL_REQUEST_CLOSED, OFFICER_NOT_FOUND, APPROVAL_REQUEST_NOT_FOUND, GRANT_NOT_FOUND,
                 DUPLICATE_VOTE, OFFICER_ALREADY_EXISTS, MESSAGE_TOO_LARGE, INVALID_XKS_KEY_STORE,
                 INVALID_XKS_EXTERNAL_KEY_ID, INVALID_XKS_ACCESS_KEY_ID, XKS_KEY_STORE_NOT_FOUND,
                 XKS_CREDENTIAL_NOT_FOUND, XKS_KEY_MAPPING_NOT_FOUND, XKS_KEY_STORE_ALREADY_EXISTS,
                 XKS_KEY_MAPPING_ALREADY_EXISTS, XKS_CREDENTIAL_LIMIT_REACHED, XKS_CREDENTIAL_NOT_PENDING,
                 INVALID_DKE_KEY_NAME, DKE_KEY_MAPPING_NOT_FOUND, DKE_KEY_MAPPING_ALREADY_EXISTS,
                 INVALID_KEY_USAGE, INVALID_KEY_SPEC, UNSUPPORTED_ALGORITHM, INVALID_DIGEST, SIGNING_INPUT_TOO_LARGE,
                 INVALID_CIPHERTEXT_LENGTH, KEY_VERSION_NOT_FOUND -> INVALID;
            case CONCURRENT_MODIFICATION, HSM_UNAVAILABLE, STORE_UNAVAILABLE, AUDIT_UNAVAILABLE,
                 DEADLINE_EXCEEDED, CANCELLED, INTERNAL_ERROR -> FAILED;
        };
    }
}
