package coffre.hsm.pkcs11;

import java.security.Key;

/**
 * The {@link coffre.hsm.HsmKeyRef} of {@link Pkcs11Hsm}: the resolved token key and, when available, its
 * session-object copy, each with the object handle that operations use.
 *
 * <p>Why it holds the copy strongly: SunPKCS11 destroys a session object when its {@code P11Key}
 * is garbage-collected. Why mutable flags: {@link Pkcs11Hsm#destroyKey} must make every existing
 * reference unusable at once (the copy would otherwise keep working after the token object is
 * gone), and an operation that finds the copy broken falls back to the token key.
 */
final class Pkcs11KeyRef extends IssuedKeyRef {
    private volatile long handle;
    private volatile Key tokenKey;
    private volatile SessionKeyCopier.Copy sessionCopy;

    /** @param issuer the {@link KeyObjects} of the {@link Pkcs11Hsm} that hands it out */
    Pkcs11KeyRef(KeyObjects issuer, String label, long handle, Key tokenKey, SessionKeyCopier.Copy sessionCopy) {
        super(issuer, label);
        this.handle = handle;
        this.tokenKey = tokenKey;
        this.sessionCopy = sessionCopy;
    }

    /** The token object's handle when the ref was made; a different handle means a different object. */
    long handle() {
        return handle;
    }

    Key tokenKey() {
        return tokenKey;
    }

    /** The object to operate with: the session copy's handle when there is one, else the token object's. */
    long operationHandle() {
        SessionKeyCopier.Copy copy = sessionCopy;
        return copy != null ? copy.handle() : handle;
    }

    /** The provider's key object operations stand for (the copy's, else the token key's): for tests. */
    Key operationKey() {
        SessionKeyCopier.Copy copy = sessionCopy;
        return copy != null ? copy.key() : tokenKey;
    }

    boolean hasSessionCopy() {
        return sessionCopy != null;
    }

    /** Stops using the copy; SunPKCS11 destroys it once it is unreachable. */
    void dropSessionCopy() {
        sessionCopy = null;
    }

    /**
     * Points this reference at the token object found again under its label (after the module
     * lost and regained the token), so every holder of the reference recovers at once.
     */
    void rebind(long newHandle, Key newTokenKey, SessionKeyCopier.Copy newCopy) {
        this.tokenKey = newTokenKey;
        this.handle = newHandle;
        this.sessionCopy = newCopy;
    }

    @Override
    void markDestroyed() {
        super.markDestroyed();
        sessionCopy = null;
    }

    @Override
    String details() {
        return sessionCopy != null ? ", session copy" : "";
    }
}
