package coffre.kms.cli.errors;

import coffre.kms.v1.ErrorReason;

/**
 * Plain-words explanation of every {@link ErrorReason}, shown after the reason name in error
 * lines. Written for the person at the terminal: what went wrong and, where it helps, what to do.
 *
 * <p>A switch without a default branch, so that a reason added to errors.proto fails this
 * module's build until it is explained here.
 */
public final class ReasonExplanations {

    private ReasonExplanations() {
    }

    /** The explanation for {@code reason}; never null or blank. */
    public static String explain(ErrorReason reason) {
        return switch (reason) {
            case ERROR_REASON_UNSPECIFIED ->
                    "the server gave no specific reason";
            case UNAUTHENTICATED_PRINCIPAL ->
                    "the server could not identify you from your client certificate (check --cert and --client-key)";
            case PERMISSION_DENIED ->
                    "your certificate's principal is not allowed to do this";
            case MISSING_FIELD ->
                    "a required value is empty";
            case INVALID_KEY_ID ->
                    "the key must be given as key-<26 base32 characters> or alias/<name>";
            case INVALID_ALIAS ->
                    "an alias is 1-64 characters of A-Z a-z 0-9 _ - /, starting with a letter or digit";
            case INVALID_DESCRIPTION ->
                    "the description is longer than 1024 characters or holds control characters";
            case INVALID_LABELS ->
                    "at most 32 labels; keys 1-63 characters of a-z 0-9 _ -, values at most 256 characters";
            case PLAINTEXT_TOO_LARGE ->
                    "the plaintext is too large to wrap (wrap a data key, not the data itself)";
            case INVALID_ENCRYPTION_CONTEXT ->
                    "the encryption context is too large (over 8192 bytes encoded) or has an empty key";
            case INVALID_DATA_KEY_LENGTH ->
                    "a data key is 16, 24, 32 or 64 bytes long";
            case INVALID_PENDING_WINDOW ->
                    "the deletion waiting period must be 7-30 days";
            case INVALID_PAGINATION ->
                    "the page size must be 1-1000 and the page token one this server issued";
            case DECRYPTION_FAILED ->
                    "the envelope or ciphertext could not be decrypted: it is damaged, not an envelope, "
                            + "or the key, key version or encryption context differs from the one used to make it";
            case KEY_NOT_FOUND ->
                    "no key has this id or alias";
            case ALIAS_ALREADY_EXISTS ->
                    "another key already uses this alias";
            case KEY_DISABLED ->
                    "the key is disabled; enable it before using it";
            case KEY_PENDING_DELETION ->
                    "the key is scheduled for deletion; cancel the deletion to use it again";
            case KEY_DESTROYED ->
                    "the key has been destroyed and its material no longer exists";
            case KEY_NOT_PENDING_DELETION ->
                    "the key is not scheduled for deletion, so there is nothing to cancel";
            case CONCURRENT_MODIFICATION ->
                    "another request changed the key at the same time; show it again and retry";
            case NOT_INITIALIZED ->
                    "the server has no officers yet; run the init ceremony first (coffre ceremony --help)";
            case ALREADY_INITIALIZED ->
                    "the server already has officers; an init ceremony runs only once";
            case APPROVAL_REQUIRED ->
                    "officers must approve this first; see the approval request named below (coffre approvals show ID)";
            case APPROVAL_REQUEST_CLOSED ->
                    "the approval request is no longer pending (executed, failed, rejected or expired)";
            case INVALID_POLICY ->
                    "the access or approval policy is malformed (the field named below says where)";
            case INVALID_GRANT ->
                    "the grant is malformed: it needs a key, one exact principal, operations, and not-before before not-after";
            case INVALID_OFFICER ->
                    "the officer record is malformed: id of a-z 0-9 _ -, a name, an operator, and an Ed25519 or P-256 public key";
            case INVALID_QUORUM_RULE ->
                    "the quorum rule cannot be met by the active officers or makes no sense";
            case INVALID_CEREMONY ->
                    "the ceremony document is malformed, or not signed by every officer in it";
            case SIGNATURE_TIME_OUT_OF_RANGE ->
                    "the signature's time is more than 5 minutes from the server's clock; check this machine's clock and sign again";
            case INVALID_AUDIT_PRUNE ->
                    "the audit prune request is malformed: check --through (1 or more) and the archive file";
            case AUDIT_CHAIN_NOT_FOUND ->
                    "no node of this name has an audit chain (see `coffre audit verify` for the nodes)";
            case AUDIT_NOT_SEALED ->
                    "only events sealed by a valid checkpoint and not yet pruned can be pruned: wait for the next checkpoint (10 s), or verify the chain";
            case INVALID_AUDIT_QUERY ->
                    "the audit query is malformed: check the time range, event type and page token";
            case INVALID_SIGNATURE ->
                    "the signature does not verify with this officer's registered key for this exact request and decision";
            case OFFICER_NOT_ACTIVE ->
                    "this officer is suspended or removed and cannot sign";
            case SELF_APPROVAL ->
                    "the officer who requested this cannot approve it; another officer must";
            case CONTEXT_NOT_ALLOWED ->
                    "the encryption context lacks a pair that the key's policy or grant requires";
            case OFFICER_NOT_FOUND ->
                    "no officer has this id";
            case APPROVAL_REQUEST_NOT_FOUND ->
                    "no approval request has this id";
            case GRANT_NOT_FOUND ->
                    "no grant has this id";
            case DUPLICATE_VOTE ->
                    "this officer has already voted on this request";
            case OFFICER_ALREADY_EXISTS ->
                    "an officer with this id or this public key already exists";
            case RATE_LIMITED ->
                    "this identity sent more requests than its rate limit allows; slow down and retry";
            case MESSAGE_TOO_LARGE ->
                    "the request is larger than the server accepts (its server.maxMessageBytes); nothing was done";
            case HSM_UNAVAILABLE ->
                    "the server cannot reach its HSM right now; retry later";
            case STORE_UNAVAILABLE ->
                    "the server cannot reach its metadata store right now; retry later";
            case AUDIT_UNAVAILABLE ->
                    "the server cannot write its audit log right now and refuses to act unrecorded; retry later";
            case DEADLINE_EXCEEDED ->
                    "the server stopped the call when its deadline passed; narrow it or give a longer --timeout";
            case CANCELLED ->
                    "the call was cancelled and the server stopped its work";
            case INVALID_XKS_KEY_STORE ->
                    "a key store name is 1-64 characters of a-z 0-9 -, its URI path /<prefix>/kms/xks/v1 (at most 128 "
                            + "characters of A-Z a-z 0-9 / _ -), its region 1-32 characters of a-z 0-9 -";
            case INVALID_XKS_EXTERNAL_KEY_ID ->
                    "an external key id is 1-128 characters of A-Z a-z 0-9 . _ -";
            case INVALID_XKS_ACCESS_KEY_ID ->
                    "an access key id is 20-30 characters of A-Z and 2-7";
            case XKS_KEY_STORE_NOT_FOUND ->
                    "no external key store has this id or name (see `coffre xks stores list`)";
            case XKS_CREDENTIAL_NOT_FOUND ->
                    "the key store has no credential with this access key id (see `coffre xks stores show`)";
            case XKS_KEY_MAPPING_NOT_FOUND ->
                    "the key store does not map this external key id (see `coffre xks keys list`)";
            case XKS_KEY_STORE_ALREADY_EXISTS ->
                    "another external key store already has this name or URI path";
            case XKS_KEY_MAPPING_ALREADY_EXISTS ->
                    "the key store already maps this external key id; unmap it first to map it to another key";
            case XKS_CREDENTIAL_LIMIT_REACHED ->
                    "the key store has two active credentials: revoke one (`coffre xks stores revoke-credential`) first";
            case XKS_CREDENTIAL_NOT_PENDING ->
                    "the credential was revoked or discarded before it was approved; ask for a new one with `coffre xks stores rotate-credentials`";
            case INVALID_KEY_USAGE ->
                    "the key cannot do this: AES_256 keys wrap and unwrap, RSA ENCRYPT_DECRYPT keys decrypt, "
                            + "SIGN_VERIFY keys sign and verify (`coffre keys show` gives a key's spec and usage)";
            case INVALID_KEY_SPEC ->
                    "this key spec and usage do not go together: AES_256 is ENCRYPT_DECRYPT, EC_P256 and EC_P384 "
                            + "are SIGN_VERIFY, RSA keys either; signing keys cannot be break-glass keys";
            case UNSUPPORTED_ALGORITHM ->
                    "the key does not use this algorithm: RSA keys sign with RSASSA_PSS_SHA_256, EC_P256 with "
                            + "ECDSA_SHA_256, EC_P384 with ECDSA_SHA_384 (leave it out to use the key's own)";
            case INVALID_DIGEST ->
                    "the digest is not the length of the algorithm's hash (32 bytes for SHA-256, 48 for SHA-384)";
            case SIGNING_INPUT_TOO_LARGE ->
                    "the message is over 4096 bytes: sign or verify its digest instead (--digest)";
            case INVALID_CIPHERTEXT_LENGTH ->
                    "an RSA-OAEP ciphertext is exactly the key's modulus length (256, 384 or 512 bytes)";
            case KEY_VERSION_NOT_FOUND ->
                    "the key has no version with this number";
            case INVALID_DKE_KEY_NAME ->
                    "a DKE key name is 1-64 characters of A-Z a-z 0-9 _ -";
            case DKE_KEY_MAPPING_NOT_FOUND ->
                    "no DKE key name is mapped under this name (see `coffre dke keys list`)";
            case DKE_KEY_MAPPING_ALREADY_EXISTS ->
                    "the DKE key name is already mapped; unmap it first (`coffre dke keys unmap`) to map it to another key";
            case INTERNAL_ERROR ->
                    "the server failed unexpectedly; its log has the details";
            case UNRECOGNIZED ->
                    "the server sent a reason this version of coffre does not know";
        };
    }
}
