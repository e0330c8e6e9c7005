package coffre.hsm.pkcs11;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.security.Key;
import java.security.Provider;
import java.util.Optional;

/**
 * Makes session-object copies of token keys.
 *
 * <p>Why: on SoftHSM2 every use of a token object re-checks the token files, so a session-object
 * copy ({@code C_CopyObject} with only {@code CKA_TOKEN=false}) runs ~2x faster (DESIGN.md,
 * "Measured facts"). The copy keeps every security attribute of the original (sensitive,
 * non-extractable); it lives until its session closes or its {@code P11Key} is garbage-collected,
 * so {@link Pkcs11KeyRef} holds it strongly.
 *
 * <p>How: no public JCA call copies a key, but SunPKCS11's own
 * {@code P11SecretKeyFactory.convertKey(token, key, algorithm, extraAttributes)} does exactly this
 * when given a key of the same token and a template; it is reached reflectively and needs
 * {@code --add-opens jdk.crypto.cryptoki/sun.security.pkcs11=ALL-UNNAMED}. The signature is the same
 * on JDK 17 and 25. When the JVM lacks the flag or the HSM refuses the copy, callers fall back to
 * the token key: a copy is an optimisation, never a requirement. The copy's object handle, which
 * {@link Pkcs11Native#gcm} operates with, is read from the same {@code P11Key} ({@code getKeyID}).
 */
final class SessionKeyCopier {
    /**
     * A session-object copy: the provider's key object, held so that SunPKCS11 does not destroy the
     * object, and the object's handle.
     */
    record Copy(Key key, long handle) {
        @Override
        public String toString() {
            return "Copy[handle " + handle + "]";
        }
    }

    static final String JVM_FLAGS = "--add-opens jdk.crypto.cryptoki/sun.security.pkcs11=ALL-UNNAMED";
    private static final System.Logger LOG = System.getLogger(SessionKeyCopier.class.getName());

    private final Provider provider;
    private final Method getToken;
    private final Method convertKey;
    private final Method getKeyId;
    private final Method releaseKeyId;
    private final Object template;

    private SessionKeyCopier(Provider provider, Method getToken, Method convertKey, Method getKeyId,
                             Method releaseKeyId, Object template) {
        this.provider = provider;
        this.getToken = getToken;
        this.convertKey = convertKey;
        this.getKeyId = getKeyId;
        this.releaseKeyId = releaseKeyId;
        this.template = template;
    }

    /**
     * A copier for {@code provider}'s token, or empty (logged once) when the JVM does not open
     * SunPKCS11's internals to this module.
     */
    static Optional<SessionKeyCopier> create(Provider provider, Pkcs11Native wrapper) {
        try {
            Method getToken = provider.getClass().getDeclaredMethod("getToken");
            getToken.setAccessible(true);
            Class<?> tokenClass = getToken.getReturnType();
            Object template = wrapper.toNative(KeyTemplates.SESSION_COPY);
            Class<?> factory = Class.forName("sun.security.pkcs11.P11SecretKeyFactory", false,
                    provider.getClass().getClassLoader());
            Method convertKey = factory.getDeclaredMethod("convertKey", tokenClass, Key.class, String.class,
                    template.getClass());
            convertKey.setAccessible(true);
            Class<?> p11Key = Class.forName("sun.security.pkcs11.P11Key", false, provider.getClass().getClassLoader());
            Method getKeyId = p11Key.getDeclaredMethod("getKeyID");
            Method releaseKeyId = p11Key.getDeclaredMethod("releaseKeyID");
            getKeyId.setAccessible(true);
            releaseKeyId.setAccessible(true);
            return Optional.of(new SessionKeyCopier(provider, getToken, convertKey, getKeyId, releaseKeyId, template));
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "session key copies disabled: start the JVM with {0} ({1})",
                    JVM_FLAGS, e.getClass().getSimpleName());
            return Optional.empty();
        }
    }

    /**
     * A session-object copy of {@code tokenKey}, or empty (logged with the CKR name, never key
     * material) when the HSM refuses it.
     */
    Optional<Copy> copy(Key tokenKey, String label) {
        try {
            Object token = getToken.invoke(provider);
            Key copy = (Key) convertKey.invoke(null, token, tokenKey, "AES", template);
            // The handle of a sensitive session object is fixed for the key object's life (SunPKCS11
            // only re-creates native objects of extractable NSS keys); the count taken is given back.
            long handle = (long) getKeyId.invoke(copy);
            releaseKeyId.invoke(copy);
            return Optional.of(new Copy(copy, handle));
        } catch (InvocationTargetException e) {
            LOG.log(System.Logger.Level.WARNING, "no session copy of key {0}, using the token key: {1}",
                    label, CkrErrorMapper.ckrName(e.getCause()).orElse(e.getCause().getClass().getSimpleName()));
            return Optional.empty();
        } catch (IllegalAccessException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "no session copy of key {0}, using the token key: {1}",
                    label, e.getClass().getSimpleName());
            return Optional.empty();
        }
    }
}
