package coffre.kms.server.audit;

import coffre.kms.server.domain.Operation;

/**
 * The closed set of audit event types: one per request {@link Operation} (same name), one per
 * call of the XKS and DKE listeners, and the actions a node takes by itself. A new operation without an
 * event type fails the build's tests, so nothing a caller can do goes unrecorded.
 */
public enum AuditEventType {
    WRAP,
    UNWRAP,
    GENERATE_DATA_KEY,
    REWRAP,
    CREATE_KEY,
    GET_KEY,
    LIST_KEYS,
    ROTATE_KEY,
    ENABLE_KEY,
    SCHEDULE_KEY_DELETION,
    CANCEL_KEY_DELETION,
    SET_ACCESS_POLICY,
    SET_APPROVAL_POLICY,
    CREATE_GRANT,
    LIST_GRANTS,
    INIT_CEREMONY,
    ADD_OFFICER,
    REMOVE_OFFICER,
    REINSTATE_OFFICER,
    SET_QUORUM_RULE,
    DISABLE_KEY,
    REVOKE_GRANT,
    SUSPEND_OFFICER,
    LIST_APPROVALS,
    GET_APPROVAL,
    VOTE,
    WATCH_APPROVALS,
    CEREMONY_STATUS,
    LIST_OFFICERS,
    QUERY_AUDIT,
    VERIFY_AUDIT,
    READ_AUDIT_CHAIN,
    PRUNE_AUDIT,
    CREATE_XKS_KEY_STORE,
    GET_XKS_KEY_STORE,
    LIST_XKS_KEY_STORES,
    ROTATE_XKS_CREDENTIALS,
    ENABLE_XKS_KEY_STORE,
    MAP_XKS_KEY,
    LIST_XKS_KEY_MAPPINGS,
    DISABLE_XKS_KEY_STORE,
    REVOKE_XKS_CREDENTIAL,
    UNMAP_XKS_KEY,
    GET_PUBLIC_KEY,
    ASYMMETRIC_DECRYPT,
    SIGN,
    VERIFY,
    MAP_DKE_KEY,
    LIST_DKE_KEY_MAPPINGS,
    UNMAP_DKE_KEY,

    /**
     * A call from an AWS external key store on the XKS listener ({@link XksCallRecord} says which
     * fields hold what): {@code GetHealthStatus}, {@code GetKeyMetadata}, {@code Encrypt},
     * {@code Decrypt}, and a request that named none of them (an unknown path or method, or a body
     * too large to read).
     */
    XKS_HEALTH,
    XKS_KEY_METADATA,
    XKS_ENCRYPT,
    XKS_DECRYPT,
    XKS_REJECTED,

    /**
     * A call of an Office client on the DKE listener ({@link DkeCallRecord} says which fields hold
     * what): {@code GET /<key name>}, {@code POST /<key name>/<version>/decrypt}, and a request
     * that named neither (an unknown path or method, a body too large to read).
     */
    DKE_PUBLIC_KEY,
    DKE_DECRYPT,
    DKE_REJECTED,

    /** The node opened its chain and began serving. */
    NODE_STARTED,
    /** The node stopped serving and closed its chain. */
    NODE_STOPPED,
    /** The deletion job destroyed a key's HSM material at the end of its waiting period. */
    KEY_DESTROYED,
    /** Events lost while the log could not be written in fail-open mode; detail gives the count. */
    EVENTS_DROPPED,
    /**
     * Approved retention: the node's events up to a sequence left the live tables (detail: node,
     * through, archive digest, anchoring checkpoint); target is the approval request.
     */
    AUDIT_PRUNED;

    /** The event type of a request for {@code operation}. */
    public static AuditEventType of(Operation operation) {
        return valueOf(operation.name());
    }

    /** True for the types a node records by itself, without a caller. */
    public boolean isSystem() {
        return ordinal() >= NODE_STARTED.ordinal();
    }

    /** True for the calls of AWS external key stores (the XKS listener), which are no gRPC operation. */
    public boolean isXks() {
        return ordinal() >= XKS_HEALTH.ordinal() && ordinal() <= XKS_REJECTED.ordinal();
    }

    /** True for the calls of Office clients (the DKE listener), which are no gRPC operation. */
    public boolean isDke() {
        return ordinal() >= DKE_PUBLIC_KEY.ordinal() && ordinal() <= DKE_REJECTED.ordinal();
    }
}
