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
    private final transient Map<String, String> metadata;

    public KmsException(ErrorReason reason, String message) {
        this(reason, message, Map.of(), null);
    }

    public KmsException(ErrorReason reason, String message, Map<String, String> metadata) {
        this(reason, message, metadata, null);
    }

    public KmsException(ErrorReason reason, String message, Map<String, String> metadata, Throwable cause) {
        super(message, cause);
        this.reason = reason;
        this.metadata = Map.copyOf(metadata);
    }

    public ErrorReason reason() {
        return reason;
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
