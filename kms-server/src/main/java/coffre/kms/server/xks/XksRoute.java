package coffre.kms.server.xks;

/**
 * What an XKS request path names: the key store's URI prefix, the operation and, except for
 * health, the external key.
 *
 * @param uriPrefix     the part before {@code /kms/xks/v1}: empty, or {@code /}-separated segments
 *                      of {@code [A-Za-z0-9_-]} (e.g. {@code /example/uri/path/prefix}); it selects
 *                      the key store and so its credentials
 * @param operation     the operation
 * @param externalKeyId the spec's {@code externalKeyId}, or null for {@link XksOperation#GET_HEALTH_STATUS}
 */
public record XksRoute(String uriPrefix, XksOperation operation, String externalKeyId) {
    public XksRoute {
        if (uriPrefix == null || operation == null) {
            throw new IllegalArgumentException("a route has a URI prefix (maybe empty) and an operation");
        }
        if (operation.hasExternalKey() != (externalKeyId != null)) {
            throw new IllegalArgumentException("an external key id goes with the key operations, and only with them");
        }
    }

    /** The spec's {@code XksProxyUriPath} of the key store: the prefix and {@code /kms/xks/v1}. */
    public String uriPath() {
        return uriPrefix + XksPaths.API_ROOT;
    }
}
