package coffre.kms.server.xks;

/**
 * The closed set of errors of the XKS Proxy API (spec, "Error codes"), each with the exact
 * {@code errorName} AWS KMS matches and its HTTP status. AWS KMS reads only these names: an answer
 * outside this table becomes its generic "cannot interpret the response" failure, so the edge maps
 * every failure to one of them and to nothing else.
 */
public enum XksError {
    /** One or more input parameters is invalid (every API except GetHealthStatus, per the table). */
    VALIDATION(400, "ValidationException", "one or more input parameters is invalid"),
    /** The external key or the key store is disabled, deactivated or blocked. */
    INVALID_STATE(400, "InvalidStateException", "the external key or key store is disabled"),
    /** The ciphertext, IV, AAD, metadata or tag is corrupted, missing or otherwise invalid (Decrypt). */
    INVALID_CIPHERTEXT(400, "InvalidCiphertextException", "the ciphertext is not valid"),
    /** The key does not support the requested operation (Encrypt, Decrypt). */
    INVALID_KEY_USAGE(400, "InvalidKeyUsageException", "the key does not support this operation"),
    /** The SigV4 signature is missing, malformed, stale or wrong. */
    AUTHENTICATION_FAILED(401, "AuthenticationFailedException", "the request signature does not verify"),
    /** Secondary authorization denied the call (never GetHealthStatus). */
    ACCESS_DENIED(403, "AccessDeniedException", "the operation is not authorized"),
    /** No external key of that id in the key store. */
    KEY_NOT_FOUND(404, "KeyNotFoundException", "the external key is not found"),
    /** The URI path names no operation of a configured key store. */
    INVALID_URI_PATH(404, "InvalidUriPathException", "the URI path is not valid"),
    /** Too many requests, for the proxy or for the caller's quota. */
    THROTTLING(429, "ThrottlingException", "the request rate is too high"),
    /** Not implemented, or a value above what this proxy supports beyond the spec's minimums. */
    UNSUPPORTED_OPERATION(501, "UnsupportedOperationException", "the operation or value size is not supported"),
    /** A dependency (the HSM, the store) did not answer in time. */
    DEPENDENCY_TIMEOUT(503, "DependencyTimeoutException", "a dependency timed out"),
    /** Any other server-side failure, the HSM's included. */
    INTERNAL(500, "InternalException", "internal error");

    private final int httpStatus;
    private final String errorName;
    private final String defaultMessage;

    XksError(int httpStatus, String errorName, String defaultMessage) {
        this.httpStatus = httpStatus;
        this.errorName = errorName;
        this.defaultMessage = defaultMessage;
    }

    /** The HTTP status the spec pairs with this error. */
    public int httpStatus() {
        return httpStatus;
    }

    /** The {@code errorName} member of the error body, exactly as the spec spells it. */
    public String errorName() {
        return errorName;
    }

    /** A generic, safe {@code errorMessage} for when nothing more specific is worth saying. */
    public String defaultMessage() {
        return defaultMessage;
    }
}
