package coffre.kms.server.keys;

/** State of one version of a key's material in the HSM. */
public enum KeyVersionState {
    ENABLED,
    DESTROYED
}
