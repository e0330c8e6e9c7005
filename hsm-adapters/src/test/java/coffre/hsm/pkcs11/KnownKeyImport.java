package coffre.hsm.pkcs11;

import coffre.hsm.testing.SoftHsmTestToken;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.List;

/**
 * Test-only: imports a known HMAC key into the SoftHSM test token with {@code C_CreateObject}, so
 * a MAC computed by {@link Pkcs11Hsm} can be compared with published vectors and with the JDK's
 * software HMAC. Production code imports only shared secrets of 32 to 128 bytes
 * ({@link coffre.hsm.Hsm#importMacKey}); the published vectors use shorter keys, so this class
 * creates the object itself, through the JDK's PKCS#11 wrapper (as {@link Pkcs11Native} does).
 *
 * <p>The caller must have opened a {@link Pkcs11Hsm} on the same library path first: login state
 * belongs to the module, and the imported object is private.
 */
final class KnownKeyImport {
    private static final long CKA_VALUE = 0x11L;

    private KnownKeyImport() {
    }

    /** Creates a sign/verify generic-secret token object {@code label} holding {@code key}. */
    static void importMacKey(SoftHsmTestToken token, String label, byte[] key) {
        Pkcs11Native module = Pkcs11Native.connect(token.library());
        long slot = SlotResolver.resolve(module, TokenSelector.label(token.label()));
        long session = module.openSession(slot);
        try {
            Object template = module.toNative(List.of(
                    Pkcs11Native.Attr.of(Pkcs11Native.CKA_CLASS, Pkcs11Native.CKO_SECRET_KEY),
                    Pkcs11Native.Attr.of(Pkcs11Native.CKA_KEY_TYPE, Pkcs11Native.CKK_GENERIC_SECRET),
                    Pkcs11Native.Attr.of(Pkcs11Native.CKA_TOKEN, true),
                    Pkcs11Native.Attr.of(Pkcs11Native.CKA_PRIVATE, true),
                    Pkcs11Native.Attr.of(Pkcs11Native.CKA_LABEL, label),
                    Pkcs11Native.Attr.of(Pkcs11Native.CKA_SENSITIVE, true),
                    Pkcs11Native.Attr.of(Pkcs11Native.CKA_SIGN, true),
                    Pkcs11Native.Attr.of(Pkcs11Native.CKA_VERIFY, true),
                    new Pkcs11Native.Attr(CKA_VALUE, key)));
            Object p11 = wrapper(token);
            Method create = p11.getClass().getMethod("C_CreateObject", long.class, template.getClass());
            create.invoke(p11, session, template);
        } catch (InvocationTargetException e) {
            throw new IllegalStateException("C_CreateObject failed: " + CkrErrorMapper.ckrName(e.getCause()).orElse("?"), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        } finally {
            module.closeSession(session);
        }
    }

    /** The wrapper instance SunPKCS11 and {@link Pkcs11Native} share for the token's library path. */
    private static Object wrapper(SoftHsmTestToken token) throws ReflectiveOperationException {
        Class<?> pkcs11 = Class.forName("sun.security.pkcs11.wrapper.PKCS11");
        Class<?> initArgs = Class.forName("sun.security.pkcs11.wrapper.CK_C_INITIALIZE_ARGS");
        Object args = initArgs.getConstructor().newInstance();
        initArgs.getField("flags").setLong(args, Pkcs11Native.CKF_OS_LOCKING_OK);
        return pkcs11.getMethod("getInstance", String.class, String.class, initArgs, boolean.class)
                .invoke(null, token.library().toString(), null, args, false);
    }
}
