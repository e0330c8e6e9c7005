package coffre.kms.server.domain;

/**
 * The closed set of reasons a Coffre operation can fail for. Each one is sent to clients as the
 * {@code reason} of a {@code google.rpc.ErrorInfo} and always travels with the same gRPC status
 * code (the mapping lives at the service edge). The names are those of the {@code ErrorReason}
 * enum in {@code errors.proto}; a test keeps the two in step.
 */
public enum ErrorReason {
    UNAUTHENTICATED_PRINCIPAL,
    PERMISSION_DENIED,

    MISSING_FIELD,
    INVALID_KEY_ID,
    INVALID_ALIAS,
    INVALID_DESCRIPTION,
    INVALID_LABELS,
    PLAINTEXT_TOO_LARGE,
    INVALID_ENCRYPTION_CONTEXT,
    INVALID_DATA_KEY_LENGTH,
    INVALID_PENDING_WINDOW,
    INVALID_PAGINATION,
    /** Every failure to parse or authenticate an envelope: one reason, so there is no oracle. */
    DECRYPTION_FAILED,

    KEY_NOT_FOUND,
    ALIAS_ALREADY_EXISTS,

    KEY_DISABLED,
    KEY_PENDING_DELETION,
    KEY_DESTROYED,
    KEY_NOT_PENDING_DELETION,
    CONCURRENT_MODIFICATION,
    NOT_INITIALIZED,
    ALREADY_INITIALIZED,
    APPROVAL_REQUIRED,
    APPROVAL_REQUEST_CLOSED,
    /** The audit prune would cut events no valid checkpoint seals, already pruned ones, or a chain that does not verify up to them. */
    AUDIT_NOT_SEALED,

    INVALID_POLICY,
    INVALID_GRANT,
    INVALID_OFFICER,
    INVALID_QUORUM_RULE,
    INVALID_CEREMONY,
    SIGNATURE_TIME_OUT_OF_RANGE,
    INVALID_AUDIT_QUERY,
    /** A prune request is malformed (sequence, archive digest, node name). */
    INVALID_AUDIT_PRUNE,

    INVALID_SIGNATURE,
    OFFICER_NOT_ACTIVE,
    SELF_APPROVAL,
    CONTEXT_NOT_ALLOWED,

    OFFICER_NOT_FOUND,
    APPROVAL_REQUEST_NOT_FOUND,
    GRANT_NOT_FOUND,
    DUPLICATE_VOTE,
    OFFICER_ALREADY_EXISTS,
    /** The audit prune names a node that has no chain. */
    AUDIT_CHAIN_NOT_FOUND,
    RATE_LIMITED,
    /** A request message over the server's size limit, refused by the transport before it is read. */
    MESSAGE_TOO_LARGE,

    /** A key store's name, URI path or region, or a key store id, is malformed (metadata.field names it). */
    INVALID_XKS_KEY_STORE,
    INVALID_XKS_EXTERNAL_KEY_ID,
    INVALID_XKS_ACCESS_KEY_ID,
    XKS_KEY_STORE_NOT_FOUND,
    XKS_CREDENTIAL_NOT_FOUND,
    XKS_KEY_MAPPING_NOT_FOUND,
    /** Another key store has this name or URI path (metadata.field says which). */
    XKS_KEY_STORE_ALREADY_EXISTS,
    XKS_KEY_MAPPING_ALREADY_EXISTS,
    /** The key store has two active credentials already: revoke one before adding another. */
    XKS_CREDENTIAL_LIMIT_REACHED,
    /** The credential was revoked (or discarded) before its activation was approved. */
    XKS_CREDENTIAL_NOT_PENDING,

    /** The key cannot do this operation (its spec and usage); metadata key_spec and key_usage say what it is. */
    INVALID_KEY_USAGE,
    /** A key spec or usage unknown, or a combination Coffre does not make. */
    INVALID_KEY_SPEC,
    /** An algorithm the key cannot use (metadata.allowed names the one it can). */
    UNSUPPORTED_ALGORITHM,
    /** A digest that is not the length of the algorithm's hash (metadata.length). */
    INVALID_DIGEST,
    /** A message to sign or verify over 4096 bytes (metadata.limit). */
    SIGNING_INPUT_TOO_LARGE,
    /** A ciphertext that is not the modulus length (metadata.length): a public fact, no oracle. */
    INVALID_CIPHERTEXT_LENGTH,
    /** The key has no version with this number (metadata.versions). */
    KEY_VERSION_NOT_FOUND,

    /** A DKE key name is not 1-64 characters of A-Z a-z 0-9 _ -. */
    INVALID_DKE_KEY_NAME,
    DKE_KEY_MAPPING_NOT_FOUND,
    /** The DKE key name is already mapped: unmap it first. */
    DKE_KEY_MAPPING_ALREADY_EXISTS,

    HSM_UNAVAILABLE,
    STORE_UNAVAILABLE,
    AUDIT_UNAVAILABLE,
    DEADLINE_EXCEEDED,
    CANCELLED,

    INTERNAL_ERROR
}
