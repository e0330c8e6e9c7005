package coffre.hsm.pkcs11;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Path;
import javax.crypto.AEADBadTagException;
import java.security.ProviderException;
import java.util.List;
import java.util.Optional;

/**
 * Direct calls into the JDK's PKCS#11 wrapper ({@code sun.security.pkcs11.wrapper.PKCS11}) for the
 * things the JCA cannot do, or does badly: find a slot by token label, look objects up by label,
 * read their attributes, destroy them, probe token and session state, AES-GCM in two calls
 * ({@link #gcm}), key pairs with every attribute chosen ({@link #generateKeyPair}), and the RSA
 * mechanisms whose parameters SunPKCS11's {@code Cipher} and {@code Signature} do not pass
 * ({@link #rsaOaepDecrypt}, {@link #sign(long, Object, long, byte[])}).
 *
 * <p>Why reflection: the wrapper is internal to {@code jdk.crypto.cryptoki}. The JVM must run with
 * {@code --add-exports jdk.crypto.cryptoki/sun.security.pkcs11.wrapper=ALL-UNNAMED}, but javac
 * refuses {@code --add-exports} together with {@code --release}, so the module is compiled without
 * a static reference to it. {@link Method#invoke} costs tens of nanoseconds; a PKCS#11 call costs
 * microseconds. The reflective handles themselves are found once per JVM by {@link WrapperHandles}.
 *
 * <p>Why {@code PKCS11.getInstance} with {@code CKF_OS_LOCKING_OK} and no function-list name: the
 * wrapper keeps one instance per library path and SunPKCS11 asks for it with exactly these
 * arguments; calling it first with other arguments would hand SunPKCS11 a globally synchronised
 * instance. Failures surface as {@link ProviderException}s whose cause is the wrapper's
 * {@code PKCS11Exception}, so {@link CkrErrorMapper} handles them like provider failures.
 */
final class Pkcs11Native {
    static final long CKA_CLASS = 0x0L;
    static final long CKA_TOKEN = 0x1L;
    static final long CKA_PRIVATE = 0x2L;
    static final long CKA_LABEL = 0x3L;
    static final long CKA_VALUE = 0x11L;
    static final long CKA_ID = 0x102L;
    static final long CKA_MODULUS = 0x120L;
    static final long CKA_MODULUS_BITS = 0x121L;
    static final long CKA_PUBLIC_EXPONENT = 0x122L;
    static final long CKA_EC_PARAMS = 0x180L;
    static final long CKA_EC_POINT = 0x181L;
    static final long CKA_SIGN_RECOVER = 0x109L;
    static final long CKA_VERIFY_RECOVER = 0x10BL;
    static final long CKA_KEY_TYPE = 0x100L;
    static final long CKA_SENSITIVE = 0x103L;
    static final long CKA_ENCRYPT = 0x104L;
    static final long CKA_DECRYPT = 0x105L;
    static final long CKA_WRAP = 0x106L;
    static final long CKA_UNWRAP = 0x107L;
    static final long CKA_SIGN = 0x108L;
    static final long CKA_VERIFY = 0x10AL;
    static final long CKA_DERIVE = 0x10CL;
    static final long CKA_VALUE_LEN = 0x161L;
    static final long CKA_EXTRACTABLE = 0x162L;
    static final long CKA_LOCAL = 0x163L;
    static final long CKA_NEVER_EXTRACTABLE = 0x164L;
    static final long CKA_ALWAYS_SENSITIVE = 0x165L;
    static final long CKO_SECRET_KEY = 0x4L;
    static final long CKO_PUBLIC_KEY = 0x2L;
    static final long CKO_PRIVATE_KEY = 0x3L;
    static final long CKK_RSA = 0x0L;
    static final long CKK_EC = 0x3L;
    static final long CKM_RSA_PKCS_KEY_PAIR_GEN = 0x0L;
    static final long CKM_EC_KEY_PAIR_GEN = 0x1040L;
    static final long CKM_RSA_PKCS_OAEP = 0x9L;
    static final long CKM_RSA_PKCS_PSS = 0xDL;
    static final long CKM_ECDSA = 0x1041L;
    static final long CKM_SHA256 = 0x250L;
    static final long CKG_MGF1_SHA256 = 0x2L;
    static final long CKZ_DATA_SPECIFIED = 0x1L;
    static final long CKK_AES = 0x1FL;
    static final long CKK_GENERIC_SECRET = 0x10L;
    static final long CKM_GENERIC_SECRET_KEY_GEN = 0x350L;
    static final long CKM_AES_KEY_GEN = 0x1080L;
    static final long CKM_SHA256_HMAC = 0x251L;
    static final long CKM_AES_GCM = 0x1087L;
    static final long CKR_GENERAL_ERROR = 0x5L;
    static final int GCM_TAG_BITS = 128;
    static final long CKF_RW_SESSION = 0x2L;
    static final long CKF_SERIAL_SESSION = 0x4L;
    static final long CKF_OS_LOCKING_OK = 0x2L;
    static final long CKS_RO_USER_FUNCTIONS = 1L;
    static final long CKS_RW_USER_FUNCTIONS = 3L;
    static final long CKF_WRITE_PROTECTED = 0x2L;
    static final long CKF_USER_PIN_INITIALIZED = 0x8L;
    static final long CKF_TOKEN_INITIALIZED = 0x400L;
    static final long CKF_USER_PIN_LOCKED = 0x40000L;

    static final String JVM_FLAGS = "--add-exports jdk.crypto.cryptoki/sun.security.pkcs11.wrapper=ALL-UNNAMED";

    /** The package of the JDK's PKCS#11 wrapper, with the trailing dot. */
    static final String WRAPPER_PACKAGE = "sun.security.pkcs11.wrapper.";

    /** One PKCS#11 attribute to put in a template or to read back. */
    record Attr(long type, Object value) {
        static Attr of(long type, boolean value) {
            return new Attr(type, value);
        }

        static Attr of(long type, long value) {
            return new Attr(type, value);
        }

        static Attr of(long type, String value) {
            return new Attr(type, value);
        }
    }

    /** What {@code C_GetTokenInfo} says, with the blank padding removed. */
    record TokenInfo(String label, String manufacturer, String model, String serial, long flags) {
    }

    private final Object p11;
    private final WrapperHandles w;

    private Pkcs11Native(Object p11, WrapperHandles w) {
        this.p11 = p11;
        this.w = w;
    }

    /**
     * Loads (or reuses) the wrapper instance for {@code library}.
     *
     * @throws IllegalStateException naming the JVM flags when the wrapper is not exported to us
     */
    static Pkcs11Native connect(Path library) {
        WrapperHandles w = WrapperHandles.get();
        try {
            Object args = w.initArgs.getConstructor().newInstance();
            w.initArgs.getField("flags").setLong(args, CKF_OS_LOCKING_OK);
            Object p11 = w.getInstance.invoke(null, library.toString(), null, args, false);
            return new Pkcs11Native(p11, w);
        } catch (InvocationTargetException e) {
            throw new ProviderException("cannot load PKCS#11 library " + library, e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot use the JDK PKCS#11 wrapper; start the JVM with " + JVM_FLAGS, e);
        }
    }

    /** Whether the wrapper is reachable with this JVM's flags. */
    static boolean available() {
        try {
            WrapperHandles.get();
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    long[] slotList(boolean tokenPresent) {
        return (long[]) call(w.getSlotList, tokenPresent);
    }

    TokenInfo tokenInfo(long slot) {
        Object info = call(w.getTokenInfo, slot);
        try {
            return new TokenInfo(text(w.tiLabel.get(info)), text(w.tiManufacturer.get(info)),
                    text(w.tiModel.get(info)), text(w.tiSerial.get(info)), w.tiFlags.getLong(info));
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    long openSession(long slot) {
        return (long) call(w.openSession, slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, null, null);
    }

    void closeSession(long session) {
        call(w.closeSession, session);
    }

    long sessionState(long session) {
        Object info = call(w.getSessionInfo, session);
        try {
            return w.siState.getLong(info);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    /** All objects matching {@code template}; the caller serialises use of {@code session}. */
    long[] findObjects(long session, List<Attr> template) {
        call(w.findInit, session, toNative(template));
        try {
            long[] all = new long[0];
            while (true) {
                long[] batch = (long[]) call(w.find, session, 64L);
                if (batch == null || batch.length == 0) {
                    return all;
                }
                long[] grown = java.util.Arrays.copyOf(all, all.length + batch.length);
                System.arraycopy(batch, 0, grown, all.length, batch.length);
                all = grown;
            }
        } finally {
            call(w.findFinal, session);
        }
    }

    /** Reads the boolean attribute {@code type}; empty when the object does not have it. */
    Optional<Boolean> booleanAttribute(long session, long object, long type) {
        Object attr = read(session, object, type);
        return Optional.ofNullable(value(attr)).map(v -> (Boolean) callOn(attr, w.getBoolean));
    }

    Optional<Long> longAttribute(long session, long object, long type) {
        Object attr = read(session, object, type);
        return Optional.ofNullable(value(attr)).map(v -> (Long) callOn(attr, w.getLong));
    }

    Optional<byte[]> bytesAttribute(long session, long object, long type) {
        Object attr = read(session, object, type);
        return Optional.ofNullable(value(attr)).map(v -> (byte[]) callOn(attr, w.getByteArray));
    }

    Optional<String> stringAttribute(long session, long object, long type) {
        Object attr = read(session, object, type);
        return Optional.ofNullable(value(attr)).map(v -> new String((char[]) callOn(attr, w.getCharArray)));
    }

    void destroyObject(long session, long object) {
        call(w.destroy, session, object);
    }

    /** {@code C_CreateObject}: an object made from {@code template}, values included. */
    long createObject(long session, List<Attr> template) {
        return (long) call(w.createObject, session, toNative(template));
    }

    /** {@code C_GenerateKey} with a mechanism that takes no parameter. */
    long generateKey(long session, long mechanism, List<Attr> template) {
        return (long) call(w.generateKey, session, mechanism(mechanism), toNative(template));
    }

    /**
     * {@code C_GenerateKeyPair} with a mechanism that takes no parameter.
     *
     * @return the public key's handle, then the private key's
     */
    long[] generateKeyPair(long session, long mechanism, List<Attr> publicTemplate, List<Attr> privateTemplate) {
        return (long[]) call(w.generateKeyPair, session, mechanism(mechanism), toNative(publicTemplate),
                toNative(privateTemplate));
    }

    /**
     * {@code C_DecryptInit} with {@code CKM_RSA_PKCS_OAEP}: SHA-256, MGF1-SHA-256, empty label
     * ({@code CKZ_DATA_SPECIFIED} without data). The padding is then checked inside the HSM by
     * {@link #decrypt}. The caller has {@code session} to itself.
     */
    void rsaOaepDecryptInit(long session, long key) {
        Object mechanism = mechanism(CKM_RSA_PKCS_OAEP);
        try {
            Object params = w.oaepParams.getConstructor().newInstance();
            w.oaepParams.getField("hashAlg").setLong(params, CKM_SHA256);
            w.oaepParams.getField("mgf").setLong(params, CKG_MGF1_SHA256);
            w.oaepParams.getField("source").setLong(params, CKZ_DATA_SPECIFIED);
            w.mechanismParameter.set(mechanism, params);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
        call(w.decryptInit, session, mechanism, key);
    }

    /** One single-part {@code C_Decrypt} of the operation the caller initialised; returns the bytes written to {@code out}. */
    int decrypt(long session, byte[] in, byte[] out) {
        return (int) call(w.decrypt, session, 0L, in, 0, in.length, 0L, out, 0, out.length);
    }

    /** The {@code CKM_RSA_PKCS_PSS} mechanism with SHA-256, MGF1-SHA-256 and a {@code saltLength}-byte salt. */
    Object pssSha256(int saltLength) {
        Object mechanism = mechanism(CKM_RSA_PKCS_PSS);
        try {
            callOn(mechanism, w.setPssParams, w.pssParams.newInstance("SHA-256", "MGF1", "SHA-256", saltLength));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
        return mechanism;
    }

    /** The parameterless mechanism {@code type}, to pass to {@link #sign(long, Object, long, byte[])}. */
    Object plainMechanism(long type) {
        return mechanism(type);
    }

    /** {@code C_SignInit} then {@code C_Sign} with a mechanism object (from {@link #pssSha256}, {@link #plainMechanism}). */
    byte[] sign(long session, Object mechanism, long key, byte[] data) {
        call(w.signInit, session, mechanism, key);
        return (byte[]) call(w.sign, session, data);
    }

    /**
     * AES-GCM with a 128-bit tag in two PKCS#11 calls: {@code C_EncryptInit}/{@code C_DecryptInit}
     * with the IV and AAD in {@code CK_GCM_PARAMS}, then one {@code C_Encrypt}/{@code C_Decrypt}.
     * SunPKCS11's {@code Cipher} makes four: it initialises before it knows the AAD, ends that
     * operation with a dummy call once it does, and initialises again; for decryption the dummy
     * {@code C_Decrypt} fails, and SoftHSM2 logs an error to syslog for every one.
     *
     * <p>The caller has {@code session} to itself. Whatever the outcome the operation is over when
     * this returns (a failed init leaves none; a failed or successful single-part call ends it).
     *
     * @param out at least {@code in.length + 16} bytes to encrypt, {@code in.length} to decrypt
     * @return the bytes written to {@code out}
     */
    int gcm(boolean encrypt, long session, long key, byte[] iv, byte[] aad, byte[] in, byte[] out) {
        Object mechanism;
        try {
            mechanism = w.gcmMechanism.newInstance(CKM_AES_GCM,
                    w.gcmParams.newInstance(GCM_TAG_BITS, iv, aad.length == 0 ? null : aad));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
        call(encrypt ? w.encryptInit : w.decryptInit, session, mechanism, key);
        try {
            return (int) call(encrypt ? w.encrypt : w.decrypt, session, 0L, in, 0, in.length, 0L, out, 0, out.length);
        } catch (ProviderException e) {
            if (!encrypt && errorCode(e).filter(code -> code == CKR_GENERAL_ERROR).isPresent()) {
                // SoftHSM2 2.6 reports a GCM tag mismatch as CKR_GENERAL_ERROR; SunPKCS11 reads it the same way.
                throw new ProviderException("AES-GCM decryption failed", new AEADBadTagException("tag mismatch"));
            }
            throw e;
        }
    }

    /** Fills {@code out} from the token's random generator ({@code C_GenerateRandom}). */
    void generateRandom(long session, byte[] out) {
        call(w.generateRandom, session, out);
    }

    /** {@code C_SignInit} then {@code C_Sign}, with a mechanism that takes no parameter (e.g. an HMAC). */
    byte[] sign(long session, long mechanism, long key, byte[] data) {
        return sign(session, mechanism(mechanism), key, data);
    }

    private Object mechanism(long type) {
        try {
            return w.mechanism.newInstance(type);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The numeric CKR code of a wrapper {@code PKCS11Exception} anywhere in {@code t}'s cause chain. */
    static Optional<Long> errorCode(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c.getClass().getName().equals(WRAPPER_PACKAGE + "PKCS11Exception")) {
                try {
                    return Optional.of((Long) c.getClass().getMethod("getErrorCode").invoke(c));
                } catch (ReflectiveOperationException e) {
                    return Optional.empty();
                }
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return Optional.empty();
    }

    Object toNative(List<Attr> template) {
        Object array = java.lang.reflect.Array.newInstance(w.attribute, template.size());
        for (int i = 0; i < template.size(); i++) {
            java.lang.reflect.Array.set(array, i, attribute(template.get(i)));
        }
        return array;
    }

    private Object attribute(Attr a) {
        try {
            return switch (a.value()) {
                case null -> w.attrType.newInstance(a.type());
                case Boolean b -> w.attrBool.newInstance(a.type(), b);
                case Long l -> w.attrLong.newInstance(a.type(), l);
                default -> w.attrObject.newInstance(a.type(), a.value());
            };
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private Object read(long session, long object, long type) {
        Object array = toNative(List.of(new Attr(type, null)));
        call(w.getAttributeValue, session, object, array);
        return java.lang.reflect.Array.get(array, 0);
    }

    private Object value(Object attr) {
        try {
            return w.pValue.get(attr);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    private Object call(Method m, Object... args) {
        return callOn(p11, m, args);
    }

    private static Object callOn(Object target, Method m, Object... args) {
        try {
            return m.invoke(target, args);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new ProviderException("PKCS#11 " + m.getName() + " failed", cause);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("cannot call PKCS#11 " + m.getName() + "; start the JVM with " + JVM_FLAGS, e);
        }
    }

    private static String text(Object chars) {
        return chars == null ? "" : new String((char[]) chars).strip();
    }
}
