package coffre.kms.client.envelope;

import java.io.IOException;
import java.util.Objects;

/**
 * A {@link CoffreEnvelope} message cannot be read or written as it is: damaged, cut short,
 * reordered, made for another context, or not a Coffre message at all. Its {@link #reason()} says
 * which, for callers that branch on it; its message says where (which segment) and never holds
 * plaintext or key material. Plaintext already written to the output before a failure must be
 * discarded (see {@link CoffreEnvelope#decrypt}).
 */
public final class EnvelopeException extends IOException {

    /** Why the message was refused. */
    public enum Reason {
        /** The stream does not start with the envelope magic: not a Coffre envelope message. */
        NOT_AN_ENVELOPE,
        /** A version of the format this client does not read. */
        UNSUPPORTED_VERSION,
        /** The header is cut short or a field is out of range. */
        MALFORMED_HEADER,
        /** The header's encryption context is not the one the caller expects. */
        CONTEXT_MISMATCH,
        /** Coffre could not open the wrapped data key with the header's context (the cause says so). */
        WRAPPED_KEY_REFUSED,
        /** The header was changed after it was written (its key commitment does not match). */
        HEADER_AUTHENTICATION_FAILED,
        /** A segment was changed, moved, repeated, cut, or comes from another message. */
        SEGMENT_AUTHENTICATION_FAILED,
        /** The stream ends after a segment that is not the last one: it was truncated. */
        TRUNCATED,
        /** Data follows the last segment. */
        TRAILING_DATA,
        /** When encrypting: the input is longer than the size declared for it. */
        PLAINTEXT_SIZE_EXCEEDED,
        /** When encrypting: more segments than the format's 32-bit counter allows. */
        TOO_MANY_SEGMENTS
    }

    private final Reason reason;

    /** @param reason why; @param message where and what, never secret */
    public EnvelopeException(Reason reason, String message) {
        this(reason, message, null);
    }

    /** @param reason why; @param message where and what, never secret; @param cause the underlying failure */
    public EnvelopeException(Reason reason, String message, Throwable cause) {
        super(Objects.requireNonNull(reason, "reason") + ": " + message, cause);
        this.reason = reason;
    }

    /** Why the message was refused. */
    public Reason reason() {
        return reason;
    }
}
