package coffre.hsm.pkcs11;

import coffre.hsm.HsmKeyRef;

/**
 * What every {@link HsmKeyRef} of this package carries: its label, the object that issued it, and
 * a destroyed mark. Never any key material.
 *
 * <p>Why one base: {@link Pkcs11KeyRef} (AES keys), {@link MacKeys.MacKeyRef} (HMAC keys) and the
 * references of {@link RecoveringHsm} all have to refuse references issued elsewhere (the port's
 * contract: another instance refuses them with {@link IllegalArgumentException}), become unusable
 * at once when {@code destroyKey} removes their object, and print the same way; written three
 * times, they had begun to differ.
 */
abstract class IssuedKeyRef implements HsmKeyRef {
    private final Object issuer;
    private final String label;
    private volatile boolean destroyed;

    IssuedKeyRef(Object issuer, String label) {
        this.issuer = issuer;
        this.label = label;
    }

    /**
     * {@code key} as a {@code type} issued by {@code issuer}.
     *
     * @throws IllegalArgumentException when another instance (or another kind of issuer) made it
     */
    static <R extends IssuedKeyRef> R require(HsmKeyRef key, Class<R> type, Object issuer) {
        if (!isIssued(key, type, issuer)) {
            throw new IllegalArgumentException("HsmKeyRef " + key + " was not issued by this Hsm");
        }
        return type.cast(key);
    }

    /** Whether {@code key} is a {@code type} issued by {@code issuer}. */
    static boolean isIssued(HsmKeyRef key, Class<? extends IssuedKeyRef> type, Object issuer) {
        return type.isInstance(key) && ((IssuedKeyRef) key).issuer == issuer;
    }

    @Override
    public final String label() {
        return label;
    }

    final boolean destroyed() {
        return destroyed;
    }

    /** Makes this reference unusable: its object was destroyed, or its issuer closed. */
    void markDestroyed() {
        destroyed = true;
    }

    /** What {@link #toString()} says after the label (", HMAC", ", session copy"), or "". */
    abstract String details();

    @Override
    public final String toString() {
        return "HsmKeyRef[" + label + details() + (destroyed ? ", destroyed" : "") + "]";
    }
}
