package coffre.hsm;

/**
 * An opaque reference to a key inside the HSM, obtained from {@link Hsm#generateKey} or
 * {@link Hsm#findKey}. It holds a resolved handle (and, where the HSM profile allows it, a faster
 * session-object copy), so using it costs no lookup by label. It never holds key material.
 */
public interface HsmKeyRef {
    /** The token object's label ({@code CKA_LABEL}). */
    String label();
}
