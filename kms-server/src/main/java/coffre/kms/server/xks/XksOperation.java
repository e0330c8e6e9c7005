package coffre.kms.server.xks;

/** The four operations of the XKS Proxy API, each with the last segment of its path. */
public enum XksOperation {
    /** {@code POST {prefix}/kms/xks/v1/health}. */
    GET_HEALTH_STATUS("health"),
    /** {@code POST {prefix}/kms/xks/v1/keys/{externalKeyId}/metadata}. */
    GET_KEY_METADATA("metadata"),
    /** {@code POST {prefix}/kms/xks/v1/keys/{externalKeyId}/encrypt}. */
    ENCRYPT("encrypt"),
    /** {@code POST {prefix}/kms/xks/v1/keys/{externalKeyId}/decrypt}. */
    DECRYPT("decrypt");

    private final String pathSegment;

    XksOperation(String pathSegment) {
        this.pathSegment = pathSegment;
    }

    /** The path's last segment, as the spec spells it. */
    public String pathSegment() {
        return pathSegment;
    }

    /** Whether the operation names an external key (all but health). */
    public boolean hasExternalKey() {
        return this != GET_HEALTH_STATUS;
    }
}
