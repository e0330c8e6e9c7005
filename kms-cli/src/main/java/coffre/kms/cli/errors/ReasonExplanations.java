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
                    "your certificate's principal is not allowed to do this on this key";
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
                    "the envelope could not be decrypted: it is damaged, not an envelope, "
                            + "or the key or encryption context differs from the one used to wrap it";
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
            case HSM_UNAVAILABLE ->
                    "the server cannot reach its HSM right now; retry later";
            case STORE_UNAVAILABLE ->
                    "the server cannot reach its metadata store right now; retry later";
            case INTERNAL_ERROR ->
                    "the server failed unexpectedly; its log has the details";
            case UNRECOGNIZED ->
                    "the server sent a reason this version of coffre does not know";
        };
    }
}
