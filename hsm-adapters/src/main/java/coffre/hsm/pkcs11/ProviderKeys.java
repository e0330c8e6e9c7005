package coffre.hsm.pkcs11;

import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.ProviderException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The SunPKCS11 key objects for the AES token objects of one {@link Pkcs11Hsm}: the key object
 * made from an object's handle, and its session-object copy where wanted.
 *
 * <p>Why apart from {@link KeyObjects}, which finds the handles: how a handle becomes a key object
 * depends on what the JVM allows, not on the token. With {@value TokenKeyLoader#JVM_FLAGS} it is
 * made from the handle in O(1) ({@link TokenKeyLoader}); without, it is taken from the token's
 * {@code KeyStore}, which is reloaded (every object listed and its label read) for each label it
 * does not know yet, and whose alias map must follow destroyed keys. Copies
 * ({@link SessionKeyCopier}) are made only when the configuration wants them and the JVM allows.
 * The caller serialises {@link #load} and {@link #forgetAlias} ({@link KeyObjects#serialised}).
 */
final class ProviderKeys {
    private final LoggedInToken token;
    /** Null when the JVM does not open SunPKCS11's internals: keys then come from the token's KeyStore. */
    private final TokenKeyLoader loader;
    /** Null when session copies are not wanted or not possible. */
    private final SessionKeyCopier copier;
    /** KeyStore loads after the one at open: each lists every object on the token. */
    private final AtomicLong keyStoreReloads = new AtomicLong();

    ProviderKeys(LoggedInToken token, TokenKeyLoader loader, SessionKeyCopier copier) {
        this.token = token;
        this.loader = loader;
        this.copier = copier;
    }

    /**
     * The provider's key object for the token object {@code handle} labelled {@code label}: made
     * from the handle, or, without the loader, taken from the KeyStore, reloaded first when it does
     * not know the label or its alias may point at an older object ({@code keyStoreStale}). Null
     * only if the fallback KeyStore has no such key.
     */
    Key load(String label, long handle, boolean keyStoreStale) {
        try {
            if (loader != null) {
                return loader.load(handle);
            }
            if (keyStoreStale || !token.keyStore().containsAlias(label)) {
                reloadKeyStore();
            }
            return token.keyStore().getKey(label, null);
        } catch (GeneralSecurityException | ProviderException e) {
            throw CkrErrorMapper.map(e, "load key");
        }
    }

    /** A session-object copy of {@code tokenKey}, or null when copies are off or the HSM refused one. */
    SessionKeyCopier.Copy copyOf(Key tokenKey, String label) {
        return copier != null ? copier.copy(tokenKey, label).orElse(null) : null;
    }

    /** Keeps the KeyStore's alias map in step with a destroyed object: it only forgets the alias. */
    void forgetAlias(String label) throws KeyStoreException {
        KeyStore keyStore = token.keyStore();
        if (keyStore.containsAlias(label)) {
            keyStore.deleteEntry(label);
        }
    }

    /** Logs in again (if the token lost the login) and reloads the KeyStore's label map. */
    void reloadKeyStore() {
        keyStoreReloads.incrementAndGet();
        token.login();
    }

    long keyStoreReloads() {
        return keyStoreReloads.get();
    }

    boolean makesSessionCopies() {
        return copier != null;
    }

    boolean loadsByHandle() {
        return loader != null;
    }
}
