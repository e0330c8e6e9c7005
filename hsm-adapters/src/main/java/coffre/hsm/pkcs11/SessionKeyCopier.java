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
 * the token key: a copy is an optimisation, never a requirement.
 */
final class SessionKeyCopier {
    static final String JVM_FLAGS = "--add-opens jdk.crypto.cryptoki/sun.security.pkcs11=ALL-UNNAMED";
    private static final System.Logger LOG = System.getLogger(SessionKeyCopier.class.getName());

    private final Provider provider;
    private final Method getToken;
    private final Method convertKey;
    private final Object template;

    private SessionKeyCopier(Provider provider, Method getToken, Method convertKey, Object template) {
        this.provider = provider;
        this.getToken = getToken;
        this.convertKey = convertKey;
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
            return Optional.of(new SessionKeyCopier(provider, getToken, convertKey, template));
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
    Optional<Key> copy(Key tokenKey, String label) {
        try {
            Object token = getToken.invoke(provider);
            return Optional.of((Key) convertKey.invoke(null, token, tokenKey, "AES", template));
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
