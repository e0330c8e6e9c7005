package coffre.kms.server.domain;

/** Every operation Coffre authorises, audits and names in errors. */
public enum Operation {
    WRAP(Kind.DATA),
    UNWRAP(Kind.DATA),
    GENERATE_DATA_KEY(Kind.DATA),
    REWRAP(Kind.DATA),
    CREATE_KEY(Kind.ADMIN),
    GET_KEY(Kind.ADMIN),
    LIST_KEYS(Kind.ADMIN),
    ROTATE_KEY(Kind.ADMIN),
    DISABLE_KEY(Kind.ADMIN),
    ENABLE_KEY(Kind.ADMIN),
    SCHEDULE_KEY_DELETION(Kind.ADMIN),
    CANCEL_KEY_DELETION(Kind.ADMIN);

    /** Data-plane operations use keys; admin operations manage them. */
    public enum Kind { DATA, ADMIN }

    private final Kind kind;

    Operation(Kind kind) {
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
