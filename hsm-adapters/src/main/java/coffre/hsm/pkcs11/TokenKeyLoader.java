package coffre.hsm.pkcs11;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.security.Key;
import java.security.Provider;
import java.security.ProviderException;
import java.util.Optional;

/**
 * Makes the provider's key object for an AES token object from its handle, without SunPKCS11's
 * {@code KeyStore}.
 *
 * <p>Why: the only public way to a token key that SunPKCS11's {@code Cipher} accepts is
 * {@code KeyStore.getKey}, and the PKCS#11 {@code KeyStore} knows only the labels it listed at its
 * last {@code load()} or {@code setEntry}, each of which lists every object on the token and reads
 * its label. Creating a key that way, or using one another process made, cost O(objects on the
 * token): creating n keys was quadratic (990 keys took ~240 s on SoftHSM2). {@link KeyObjects} finds
 * the handle itself ({@code C_FindObjects} on the label, or {@code C_GenerateKey}'s result), and
 * this class turns it into a key in O(1).
 *
 * <p>How: SunPKCS11's own {@code P11Key.secretKey(session, handle, algorithm, bits, attributes)},
 * the call {@code P11KeyStore.loadSkey} ends in, reached reflectively with a session borrowed from
 * the provider's {@code Token} ({@code getObjSession}/{@code releaseSession}). Given no attributes,
 * it reads {@code CKA_TOKEN}, {@code CKA_SENSITIVE} and {@code CKA_EXTRACTABLE} from the object
 * itself (one {@code C_GetAttributeValue}), so the key object describes the object as the HSM
 * reports it. A key whose {@code CKA_TOKEN} is true is never tied to a session: garbage-collecting
 * it never destroys the object (only session objects get a {@code SessionKeyRef} that does; read
 * in {@code NativeKeyHolder} of JDK 17 and 25). The length is given in bits (256), unlike
 * {@code loadSkey}, which passes {@code CKA_VALUE_LEN} in bytes (why KeyStore keys report a wrong
 * size). Same signatures on JDK 17 and 25; needs {@value #JVM_FLAGS}, like {@link SessionKeyCopier}.
 *
 * <p>When the JVM lacks the flag or the signatures differ, {@link #create} logs once and returns
 * empty, and {@link ProviderKeys} falls back to the {@code KeyStore}, reloading it for each label it
 * does not know yet: correct, but O(objects) per new key again.
 */
final class TokenKeyLoader {
    static final String JVM_FLAGS = SessionKeyCopier.JVM_FLAGS;
    private static final System.Logger LOG = System.getLogger(TokenKeyLoader.class.getName());
    private static final String KEY_CLASS = "sun.security.pkcs11.P11Key";

    private final Provider provider;
    private final Method getToken;
    private final Method getObjSession;
    private final Method releaseSession;
    private final Method secretKey;

    private TokenKeyLoader(Provider provider, Method getToken, Method getObjSession, Method releaseSession,
                           Method secretKey) {
        this.provider = provider;
        this.getToken = getToken;
        this.getObjSession = getObjSession;
        this.releaseSession = releaseSession;
        this.secretKey = secretKey;
    }

    /**
     * A loader for {@code provider}'s token, or empty (logged once) when the JVM does not open
     * SunPKCS11's internals to this module.
     */
    static Optional<TokenKeyLoader> create(Provider provider) {
        return create(provider, KEY_CLASS);
    }

    /** As {@link #create(Provider)}, with the key class named: tests name a missing one to force the fallback. */
    static Optional<TokenKeyLoader> create(Provider provider, String keyClassName) {
        try {
            Method getToken = provider.getClass().getDeclaredMethod("getToken");
            getToken.setAccessible(true);
            Class<?> tokenClass = getToken.getReturnType();
            Method getObjSession = tokenClass.getDeclaredMethod("getObjSession");
            getObjSession.setAccessible(true);
            Class<?> sessionClass = getObjSession.getReturnType();
            Method releaseSession = tokenClass.getDeclaredMethod("releaseSession", sessionClass);
            releaseSession.setAccessible(true);
            ClassLoader loader = provider.getClass().getClassLoader();
            Class<?> keyClass = Class.forName(keyClassName, false, loader);
            Class<?> attributes = Class.forName("sun.security.pkcs11.wrapper.CK_ATTRIBUTE", false, loader).arrayType();
            Method secretKey = keyClass.getDeclaredMethod("secretKey", sessionClass, long.class, String.class,
                    int.class, attributes);
            secretKey.setAccessible(true);
            return Optional.of(new TokenKeyLoader(provider, getToken, getObjSession, releaseSession, secretKey));
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "keys loaded through the PKCS#11 KeyStore (O(objects on the token) per"
                    + " new key): start the JVM with {0} ({1})", JVM_FLAGS, e.getClass().getSimpleName());
            return Optional.empty();
        }
    }

    /**
     * The key object for the AES-256 object {@code handle}; the object is only read, never changed.
     *
     * @throws ProviderException with the wrapper's {@code PKCS11Exception} as cause when the HSM
     *                           refuses (e.g. {@code CKR_OBJECT_HANDLE_INVALID}), for {@link CkrErrorMapper}
     */
    Key load(long handle) {
        Object token;
        Object session;
        try {
            token = getToken.invoke(provider);
            session = getObjSession.invoke(token);
        } catch (InvocationTargetException e) {
            throw failure("cannot get a PKCS#11 session", e.getCause());
        } catch (IllegalAccessException e) {
            throw failure("cannot get a PKCS#11 session", e);
        }
        try {
            return (Key) secretKey.invoke(null, session, handle, "AES", KeyTemplates.KEY_BITS, null);
        } catch (InvocationTargetException e) {
            throw failure("cannot load the key object", e.getCause());
        } catch (IllegalAccessException e) {
            throw failure("cannot load the key object", e);
        } finally {
            try {
                releaseSession.invoke(token, session);
            } catch (ReflectiveOperationException | RuntimeException e) {
                // Only a pooled session left unreturned; SunPKCS11 opens another when needed.
                LOG.log(System.Logger.Level.DEBUG, "PKCS#11 session not returned: {0}", e.getClass().getSimpleName());
            }
        }
    }

    private static ProviderException failure(String message, Throwable cause) {
        return cause instanceof ProviderException p ? p : new ProviderException(message, cause);
    }
}
