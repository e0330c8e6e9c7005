package coffre.kms.server.domain;

/**
 * A store could not do what was asked for a reason of infrastructure (the database is unreachable,
 * a disk is full, a connection broke). Every port to persistent state (keys, grants, approvals,
 * audit, cluster locks) reports its failures with it, so callers tell "the store is away" from a
 * domain refusal in one way; nothing is acknowledged by a call that throws it.
 */
public final class StoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
