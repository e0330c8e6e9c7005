package coffre.kms.server.domain;

/** Every operation Coffre authorises, audits and names in errors. */
public enum Operation {
    WRAP(Kind.DATA),
    UNWRAP(Kind.DATA),
    GENERATE_DATA_KEY(Kind.DATA),
    REWRAP(Kind.DATA),
    /** Asymmetric keys ({@code CryptoService}): their policy operations are the {@link DataOperation}s of the same meaning. */
    GET_PUBLIC_KEY(Kind.DATA),
    ASYMMETRIC_DECRYPT(Kind.DATA),
    SIGN(Kind.DATA),
    VERIFY(Kind.DATA),
    CREATE_KEY(Kind.ADMIN),
    GET_KEY(Kind.ADMIN),
    LIST_KEYS(Kind.ADMIN),
    ROTATE_KEY(Kind.ADMIN),
    ENABLE_KEY(Kind.ADMIN),
    SCHEDULE_KEY_DELETION(Kind.ADMIN),
    CANCEL_KEY_DELETION(Kind.ADMIN),
    SET_ACCESS_POLICY(Kind.ADMIN),
    SET_APPROVAL_POLICY(Kind.ADMIN),
    CREATE_GRANT(Kind.ADMIN),
    LIST_GRANTS(Kind.ADMIN),
    INIT_CEREMONY(Kind.ADMIN),
    ADD_OFFICER(Kind.ADMIN),
    REMOVE_OFFICER(Kind.ADMIN),
    REINSTATE_OFFICER(Kind.ADMIN),
    SET_QUORUM_RULE(Kind.ADMIN),
    /** Narrowing operations: the officer's signature is the authority, the caller only carries it. */
    DISABLE_KEY(Kind.OFFICER),
    REVOKE_GRANT(Kind.OFFICER),
    SUSPEND_OFFICER(Kind.OFFICER),
    LIST_APPROVALS(Kind.OFFICER),
    GET_APPROVAL(Kind.OFFICER),
    VOTE(Kind.OFFICER),
    WATCH_APPROVALS(Kind.OFFICER),
    CEREMONY_STATUS(Kind.OFFICER),
    LIST_OFFICERS(Kind.OFFICER),
    /** Reading and verifying the audit log: administrators and officers. */
    QUERY_AUDIT(Kind.OFFICER),
    VERIFY_AUDIT(Kind.OFFICER),
    READ_AUDIT_CHAIN(Kind.OFFICER),
    /** Asking officers to prune the audit log (retention): an irreversible change, so an admin request. */
    PRUNE_AUDIT(Kind.ADMIN),
    /** AWS external key stores (XksAdminService): administrators read them and ask for widening changes. */
    CREATE_XKS_KEY_STORE(Kind.ADMIN),
    GET_XKS_KEY_STORE(Kind.ADMIN),
    LIST_XKS_KEY_STORES(Kind.ADMIN),
    ROTATE_XKS_CREDENTIALS(Kind.ADMIN),
    ENABLE_XKS_KEY_STORE(Kind.ADMIN),
    MAP_XKS_KEY(Kind.ADMIN),
    LIST_XKS_KEY_MAPPINGS(Kind.ADMIN),
    MAP_DKE_KEY(Kind.ADMIN),
    LIST_DKE_KEY_MAPPINGS(Kind.ADMIN),
    /** Narrowing: the officer's signature is the authority, as for {@link #DISABLE_KEY}. */
    DISABLE_XKS_KEY_STORE(Kind.OFFICER),
    REVOKE_XKS_CREDENTIAL(Kind.OFFICER),
    UNMAP_XKS_KEY(Kind.OFFICER),
    UNMAP_DKE_KEY(Kind.OFFICER);

    /**
     * Data-plane operations use keys (clients); admin operations request changes
     * (administrators); officer operations review and sign (administrators and officers).
     */
    public enum Kind { DATA, ADMIN, OFFICER }

    private final Kind kind;

    Operation(Kind kind) {
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
