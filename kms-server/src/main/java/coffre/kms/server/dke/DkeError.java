package coffre.kms.server.dke;

/**
 * The closed set of errors the DKE edge answers, each with its HTTP status and the {@code error}
 * code of its JSON body ({@code {"error":"...","message":"..."}}). Office clients read the status
 * (401 starts their token flow, 403 tells the user access is denied); the body is for people and
 * tools. 401 answers also carry the {@code WWW-Authenticate} challenge.
 */
public enum DkeError {
    /** The request is malformed: JSON, a member, Base64, the algorithm, the protocol version. */
    INVALID_REQUEST(400, "invalid_request", "the request is not valid"),
    /** The ciphertext does not decrypt under the key version named (one answer for every cause: no oracle). */
    DECRYPTION_FAILED(400, "decryption_failed", "the value does not decrypt with this key"),
    /** No bearer token, or one that does not validate. */
    UNAUTHORIZED(401, "invalid_token", "a valid bearer token is required"),
    /** The key's policy refuses this user, or the key is disabled (the kill switch). */
    FORBIDDEN(403, "access_denied", "access to this key is denied"),
    /** The key is a break-glass key: officers must approve this decryption first (the body names the request). */
    APPROVAL_REQUIRED(403, "approval_required", "this decryption waits for the approval of key officers"),
    /** No key of that name (or version), or a path that names nothing. */
    NOT_FOUND(404, "not_found", "no such key"),
    /** A method other than the path's. */
    METHOD_NOT_ALLOWED(405, "method_not_allowed", "method not allowed"),
    /** The body is larger than the edge reads. */
    PAYLOAD_TOO_LARGE(413, "payload_too_large", "the request body is too large"),
    /** The node serves as many calls as it can. */
    TOO_MANY_REQUESTS(429, "too_many_requests", "too many requests, retry later"),
    /** Anything else on the server side. */
    INTERNAL(500, "internal_error", "internal error"),
    /** The HSM, the store or the token issuer's keys are not reachable now, or the call took too long. */
    UNAVAILABLE(503, "unavailable", "the service is unavailable, retry later");

    private final int httpStatus;
    private final String code;
    private final String defaultMessage;

    DkeError(int httpStatus, String code, String defaultMessage) {
        this.httpStatus = httpStatus;
        this.code = code;
        this.defaultMessage = defaultMessage;
    }

    public int httpStatus() {
        return httpStatus;
    }

    /** The {@code error} member of the body. */
    public String code() {
        return code;
    }

    public String defaultMessage() {
        return defaultMessage;
    }
}
