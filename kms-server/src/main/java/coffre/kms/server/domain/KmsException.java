package coffre.kms.server.domain;

import java.util.Map;

/**
 * A failure with a stable {@link ErrorReason}. The message is shown to the caller, so it never
 * holds key material, plaintext, PINs or HSM return codes; {@code metadata} carries small,
 * non-secret facts for clients (e.g. {@code field}, {@code limit}).
 */
public final class KmsException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorReason reason;
    private final ErrorReason audited;
    private final transient Map<String, String> metadata;

    public KmsException(ErrorReason reason, String message) {
        this(reason, message, Map.of(), null);
    }

    public KmsException(ErrorReason reason, String message, Map<String, String> metadata) {
        this(reason, message, metadata, null);
    }

    public KmsException(ErrorReason reason, String message, Map<String, String> metadata, Throwable cause) {
        this(reason, reason, message, metadata, cause);
    }

    private KmsException(ErrorReason reason, ErrorReason audited, String message, Map<String, String> metadata,
                         Throwable cause) {
        super(message, cause);
        this.reason = reason;
        this.audited = audited;
        this.metadata = Map.copyOf(metadata);
    }

    /**
     * A failure the caller sees as {@code shown} while the audit log records what really happened,
     * {@code actual}: for answers that must not tell a caller more than it may know (e.g. whether a
     * key it may not use exists).
     */
    public static KmsException disguised(ErrorReason shown, ErrorReason actual, String message) {
        return new KmsException(shown, actual, message, Map.of(), null);
    }

    /** What the caller is told. */
    public ErrorReason reason() {
        return reason;
    }

    /** What the audit log records: {@link #reason()} unless the answer was {@link #disguised}. */
    public ErrorReason auditedReason() {
        return audited;
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    /** A required field was empty. */
    public static KmsException missing(String field) {
        return new KmsException(ErrorReason.MISSING_FIELD, field + " is required", Map.of("field", field));
    }

    /** The single answer to every envelope that cannot be parsed or authenticated. */
    public static KmsException decryptionFailed() {
        return new KmsException(ErrorReason.DECRYPTION_FAILED,
                "the envelope could not be decrypted with the given encryption context");
    }
}
