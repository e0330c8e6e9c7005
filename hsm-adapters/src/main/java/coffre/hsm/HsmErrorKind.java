package coffre.hsm;

/** What went wrong in the HSM, in terms the rest of Coffre can act on. */
public enum HsmErrorKind {
    /** GCM tag mismatch: wrong key, AAD, IV, ciphertext or tag. Deliberately undifferentiated. */
    AUTHENTICATION_FAILED,
    /** No object under that label, or the handle no longer exists. */
    KEY_NOT_FOUND,
    /** The module, slot or token cannot be used now (device error, token removed, not initialised). */
    UNAVAILABLE,
    /** Login failed: wrong or locked PIN. */
    LOGIN_FAILED,
    /** The HSM refused the arguments or the template (a caller bug or a vendor quirk). */
    INVALID_REQUEST,
    /** Anything else; see the PKCS#11 code in the exception for the server log. */
    INTERNAL
}
