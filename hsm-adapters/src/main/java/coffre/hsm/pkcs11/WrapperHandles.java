package coffre.hsm.pkcs11;

import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;

/**
 * The reflective handles into the JDK's PKCS#11 wrapper ({@code sun.security.pkcs11.wrapper}) that
 * {@link Pkcs11Native} calls through, resolved once per JVM.
 *
 * <p>Why apart: {@link Pkcs11Native} says what each PKCS#11 call means; this class only finds the
 * wrapper's methods, constructors and fields by name, and fails once, naming the JVM flag
 * ({@value Pkcs11Native#JVM_FLAGS}), when the package is not exported to Coffre.
 */
final class WrapperHandles {
    private static final String PKG = Pkcs11Native.WRAPPER_PACKAGE;
    private static volatile WrapperHandles instance;

    final Class<?> initArgs;
    final Class<?> attribute;
    final Method getInstance;
    final Method getSlotList;
    final Method getTokenInfo;
    final Method openSession;
    final Method closeSession;
    final Method getSessionInfo;
    final Method findInit;
    final Method find;
    final Method findFinal;
    final Method getAttributeValue;
    final Method destroy;
    final Method generateKey;
    final Method generateKeyPair;
    final Method createObject;
    final Method signInit;
    final Method sign;
    final Method generateRandom;
    final Method encryptInit;
    final Method encrypt;
    final Method decryptInit;
    final Method decrypt;
    final Constructor<?> mechanism;
    final Constructor<?> gcmMechanism;
    final Constructor<?> gcmParams;
    final Class<?> oaepParams;
    final Constructor<?> pssParams;
    final Method setPssParams;
    final Field mechanismParameter;
    final Method getBoolean;
    final Method getLong;
    final Method getCharArray;
    final Method getByteArray;
    final Constructor<?> attrType;
    final Constructor<?> attrBool;
    final Constructor<?> attrLong;
    final Constructor<?> attrObject;
    final Field pValue;
    final Field tiLabel;
    final Field tiManufacturer;
    final Field tiModel;
    final Field tiSerial;
    final Field tiFlags;
    final Field siState;

    private WrapperHandles() throws ReflectiveOperationException {
        Class<?> pkcs11 = Class.forName(PKG + "PKCS11");
        initArgs = Class.forName(PKG + "CK_C_INITIALIZE_ARGS");
        attribute = Class.forName(PKG + "CK_ATTRIBUTE");
        Class<?> attrArray = attribute.arrayType();
        Class<?> tokenInfo = Class.forName(PKG + "CK_TOKEN_INFO");
        Class<?> sessionInfo = Class.forName(PKG + "CK_SESSION_INFO");
        getInstance = pkcs11.getMethod("getInstance", String.class, String.class, initArgs, boolean.class);
        getSlotList = pkcs11.getMethod("C_GetSlotList", boolean.class);
        getTokenInfo = pkcs11.getMethod("C_GetTokenInfo", long.class);
        openSession = pkcs11.getMethod("C_OpenSession", long.class, long.class, Object.class,
                Class.forName(PKG + "CK_NOTIFY"));
        closeSession = pkcs11.getMethod("C_CloseSession", long.class);
        getSessionInfo = pkcs11.getMethod("C_GetSessionInfo", long.class);
        findInit = pkcs11.getMethod("C_FindObjectsInit", long.class, attrArray);
        find = pkcs11.getMethod("C_FindObjects", long.class, long.class);
        findFinal = pkcs11.getMethod("C_FindObjectsFinal", long.class);
        getAttributeValue = pkcs11.getMethod("C_GetAttributeValue", long.class, long.class, attrArray);
        destroy = pkcs11.getMethod("C_DestroyObject", long.class, long.class);
        Class<?> mechanismClass = Class.forName(PKG + "CK_MECHANISM");
        mechanism = mechanismClass.getConstructor(long.class);
        generateKey = pkcs11.getMethod("C_GenerateKey", long.class, mechanismClass, attrArray);
        generateKeyPair = pkcs11.getMethod("C_GenerateKeyPair", long.class, mechanismClass, attrArray, attrArray);
        createObject = pkcs11.getMethod("C_CreateObject", long.class, attrArray);
        signInit = pkcs11.getMethod("C_SignInit", long.class, mechanismClass, long.class);
        sign = pkcs11.getMethod("C_Sign", long.class, byte[].class);
        generateRandom = pkcs11.getMethod("C_GenerateRandom", long.class, byte[].class);
        encryptInit = pkcs11.getMethod("C_EncryptInit", long.class, mechanismClass, long.class);
        decryptInit = pkcs11.getMethod("C_DecryptInit", long.class, mechanismClass, long.class);
        Class<?>[] singlePart = {long.class, long.class, byte[].class, int.class, int.class, long.class, byte[].class,
            int.class, int.class};
        encrypt = pkcs11.getMethod("C_Encrypt", singlePart);
        decrypt = pkcs11.getMethod("C_Decrypt", singlePart);
        Class<?> gcmParamsClass = Class.forName(PKG + "CK_GCM_PARAMS");
        gcmParams = gcmParamsClass.getConstructor(int.class, byte[].class, byte[].class);
        gcmMechanism = mechanismClass.getConstructor(long.class, gcmParamsClass);
        // CK_MECHANISM has no constructor for OAEP parameters: the native side converts pParameter by
        // the mechanism type, so the parameters go into the public field.
        oaepParams = Class.forName(PKG + "CK_RSA_PKCS_OAEP_PARAMS");
        mechanismParameter = mechanismClass.getField("pParameter");
        Class<?> pssParamsClass = Class.forName(PKG + "CK_RSA_PKCS_PSS_PARAMS");
        pssParams = pssParamsClass.getConstructor(String.class, String.class, String.class, int.class);
        setPssParams = mechanismClass.getMethod("setParameter", pssParamsClass);
        getBoolean = attribute.getMethod("getBoolean");
        getLong = attribute.getMethod("getLong");
        getCharArray = attribute.getMethod("getCharArray");
        getByteArray = attribute.getMethod("getByteArray");
        attrType = attribute.getConstructor(long.class);
        attrBool = attribute.getConstructor(long.class, boolean.class);
        attrLong = attribute.getConstructor(long.class, long.class);
        attrObject = attribute.getConstructor(long.class, Object.class);
        pValue = attribute.getField("pValue");
        tiLabel = tokenInfo.getField("label");
        tiManufacturer = tokenInfo.getField("manufacturerID");
        tiModel = tokenInfo.getField("model");
        tiSerial = tokenInfo.getField("serialNumber");
        tiFlags = tokenInfo.getField("flags");
        siState = sessionInfo.getField("state");
        // Fail here, once, rather than on the first call when the package is not exported to us.
        if (!pkcs11.getModule().isExported(pkcs11.getPackageName(), Pkcs11Native.class.getModule())) {
            throw new IllegalAccessException(pkcs11.getPackageName() + " is not exported");
        }
    }

    static WrapperHandles get() {
        WrapperHandles w = instance;
        if (w == null) {
            try {
                w = new WrapperHandles();
            } catch (ReflectiveOperationException | LinkageError e) {
                throw new IllegalStateException("cannot use the JDK PKCS#11 wrapper; start the JVM with " + Pkcs11Native.JVM_FLAGS, e);
            }
            instance = w;
        }
        return w;
    }
}
