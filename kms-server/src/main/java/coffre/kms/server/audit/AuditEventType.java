package coffre.kms.server.audit;

import coffre.kms.server.domain.Operation;

/**
 * The closed set of audit event types: one per request {@link Operation} (same name), and the
 * actions a node takes by itself. A new operation without an event type fails the build's tests,
 * so nothing a caller can do goes unrecorded.
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
}
