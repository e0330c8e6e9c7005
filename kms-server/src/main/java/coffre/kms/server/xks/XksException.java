package coffre.kms.server.xks;

/**
 * A refusal of an XKS request, answered as {@code {"errorName":..,"errorMessage":..}} with the
 * status of its {@link XksError}.
 *
 * <p>The message is sent to AWS KMS, which writes it to the <em>calling account's</em> CloudWatch
 * Logs: it must never hold a secret, plaintext, a key, an HSM return code or an internal detail.
 * It is also cut to the spec's form (fewer than 512 printable ASCII characters) at construction,
 * so no caller can break the body. Details for the operator go in {@link #getCause()}, which is
 * never serialized.
 *
 * <p>These are answers, not bugs: no stack trace is captured (a flood of bad signatures must stay
 * cheap). A cause keeps its own trace.
 */
public final class XksException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    /** The spec: "errorMessage ... MUST be less than 512 characters". */
    static final int MAX_MESSAGE_CHARS = 511;

    private final XksError error;

    public XksException(XksError error, String safeMessage) {
        this(error, safeMessage, null);
    }

    public XksException(XksError error, String safeMessage, Throwable cause) {
        super(sanitize(error, safeMessage), cause, false, false);
        this.error = error;
    }

    public XksError error() {
        return error;
    }

    public int httpStatus() {
        return error.httpStatus();
    }

    /** The compact, single-line JSON error body the spec defines. */
    public byte[] toJsonBody() {
        return XksJson.write(g -> {
            g.writeStartObject();
            g.writeStringField("errorName", error.errorName());
            g.writeStringField("errorMessage", getMessage());
            g.writeEndObject();
        });
    }

    /** Replaces anything outside printable ASCII with '?' and cuts to 511 characters. */
    static String sanitize(XksError error, String message) {
        if (error == null) {
            throw new IllegalArgumentException("an XKS error needs its XksError");
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
