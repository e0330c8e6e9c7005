package coffre.kms.server.keys;

/** Lifecycle state of a key. Only {@link #ENABLED} keys wrap and unwrap. */
public enum KeyState {
    ENABLED,
    DISABLED,
    PENDING_DELETION,
    DESTROYED
}
