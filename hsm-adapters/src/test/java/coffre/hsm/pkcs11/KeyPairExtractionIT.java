package coffre.hsm.pkcs11;

import coffre.hsm.Hsm.LabelCheck;
import coffre.hsm.KeyPairSpec;
import coffre.hsm.KeyPairUsage;
import coffre.hsm.testing.SoftHsmTestToken;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every way a PKCS#11 client logged in to the token could try to get a private key out of the HSM
 * fails, for each spec and usage: reading its secret components ({@code C_GetAttributeValue} of
 * {@code CKA_PRIVATE_EXPONENT}, the primes, or the EC {@code CKA_VALUE}), making it extractable or
 * not sensitive ({@code C_SetAttributeValue}), copying it into an extractable object
 * ({@code C_CopyObject}), and wrapping it under an AES key the attacker made
 * ({@code C_WrapKey} with {@code CKM_AES_KEY_WRAP_PAD}). Made through the JDK's PKCS#11 wrapper in
 * its own session, beside {@link Pkcs11Hsm} (OpenSC {@code pkcs11-tool} 0.23 does not even try:
 * "reading private keys not (yet) supported").
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KeyPairExtractionIT {
    private static final long CKA_PRIVATE_EXPONENT = 0x123L;
    private static final long CKA_PRIME_1 = 0x124L;
    private static final long CKA_PRIME_2 = 0x125L;
    private static final long CKM_AES_KEY_WRAP_PAD = 0x210AL;

    private final String prefix = "extract-" + Long.toHexString(ThreadLocalRandom.current().nextLong()) + "-";
    private final List<String> made = new ArrayList<>();
    private Pkcs11Hsm hsm;
    private Pkcs11Native module;
    private Object wrapper;
    private long session;

    static Stream<Arguments> pairs() {
        return Stream.of(KeyPairSpec.values()).flatMap(spec -> Stream.of(KeyPairUsage.values())
                .filter(u -> spec.family() == KeyPairSpec.Family.RSA || u == KeyPairUsage.SIGN)
                .map(u -> Arguments.of(spec, u)));
    }

    @BeforeAll
    void open() throws ReflectiveOperationException {
        SoftHsmTestToken token = SoftHsmTestToken.get();
        hsm = Pkcs11Hsm.open(token.config(2, false)); // logs the module in first
        module = Pkcs11Native.connect(token.library());
        session = module.openSession(SlotResolver.resolve(module, TokenSelector.label(token.label())));
        Class<?> pkcs11 = Class.forName("sun.security.pkcs11.wrapper.PKCS11");
        Class<?> initArgs = Class.forName("sun.security.pkcs11.wrapper.CK_C_INITIALIZE_ARGS");
        Object args = initArgs.getConstructor().newInstance();
        initArgs.getField("flags").setLong(args, Pkcs11Native.CKF_OS_LOCKING_OK);
        wrapper = pkcs11.getMethod("getInstance", String.class, String.class, initArgs, boolean.class)
                .invoke(null, token.library().toString(), null, args, false);
    }

    @AfterAll
    void close() {
        if (hsm != null) {
            module.closeSession(session);
            made.forEach(hsm::destroyKey);
            hsm.close();
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("pairs")
    void noPkcs11CallGetsThePrivateKeyOut(KeyPairSpec spec, KeyPairUsage usage) throws Exception {
        String label = prefix + spec + "-" + usage;
        made.add(label);
        hsm.generateKeyPair(label, spec, usage, LabelCheck.SEARCH_TOKEN);
        long[] handles = module.findObjects(session, KeyPairTemplates.findPrivate(label));
        assertEquals(1, handles.length);
        long key = handles[0];

        List<Long> secrets = spec.family() == KeyPairSpec.Family.RSA
                ? List.of(CKA_PRIVATE_EXPONENT, CKA_PRIME_1, CKA_PRIME_2) : List.of(Pkcs11Native.CKA_VALUE);
        for (long attribute : secrets) {
            assertEquals("CKR_ATTRIBUTE_SENSITIVE", failure(() -> module.bytesAttribute(session, key, attribute)),
                    "reading attribute 0x" + Long.toHexString(attribute));
        }
        String setExtractable = failure(() -> call("C_SetAttributeValue", session, key,
                module.toNative(List.of(Pkcs11Native.Attr.of(Pkcs11Native.CKA_EXTRACTABLE, true)))));
        assertTrue(setExtractable.equals("CKR_ATTRIBUTE_READ_ONLY") || setExtractable.equals("CKR_ATTRIBUTE_VALUE_INVALID"),
                setExtractable);
        String setNotSensitive = failure(() -> call("C_SetAttributeValue", session, key,
                module.toNative(List.of(Pkcs11Native.Attr.of(Pkcs11Native.CKA_SENSITIVE, false)))));
        assertTrue(setNotSensitive.equals("CKR_ATTRIBUTE_READ_ONLY") || setNotSensitive.equals("CKR_ATTRIBUTE_VALUE_INVALID"),
                setNotSensitive);
        String copy = failure(() -> call("C_CopyObject", session, key, module.toNative(List.of(
                Pkcs11Native.Attr.of(Pkcs11Native.CKA_TOKEN, false), Pkcs11Native.Attr.of(Pkcs11Native.CKA_EXTRACTABLE, true)))));
        assertTrue(copy.equals("CKR_ATTRIBUTE_READ_ONLY") || copy.equals("CKR_TEMPLATE_INCONSISTENT")
                || copy.equals("CKR_ACTION_PROHIBITED"), copy);
        long wrappingKey = module.generateKey(session, Pkcs11Native.CKM_AES_KEY_GEN, List.of(
                Pkcs11Native.Attr.of(Pkcs11Native.CKA_CLASS, Pkcs11Native.CKO_SECRET_KEY),
                Pkcs11Native.Attr.of(Pkcs11Native.CKA_KEY_TYPE, Pkcs11Native.CKK_AES),
                Pkcs11Native.Attr.of(Pkcs11Native.CKA_VALUE_LEN, 32L), Pkcs11Native.Attr.of(Pkcs11Native.CKA_TOKEN, false),
                Pkcs11Native.Attr.of(Pkcs11Native.CKA_WRAP, true), Pkcs11Native.Attr.of(Pkcs11Native.CKA_EXTRACTABLE, true)));
        try {
            Object mechanism = Class.forName("sun.security.pkcs11.wrapper.CK_MECHANISM").getConstructor(long.class)
                    .newInstance(CKM_AES_KEY_WRAP_PAD);
            assertEquals("CKR_KEY_UNEXTRACTABLE", failure(() -> call("C_WrapKey", session, mechanism, wrappingKey, key)));
        } finally {
            module.destroyObject(session, wrappingKey);
        }
        // The key is as it was made, and still works.
        assertFalse(hsm.describeKey(label).extractable());
        assertTrue(hsm.describeKey(label).sensitive());
        assertTrue(hsm.findKeyPair(label).isPresent());
    }

    /** The CKR name {@code call} fails with; an assertion error if it succeeds. */
    private static String failure(ThrowingCall call) {
        try {
            Object result = call.run();
            throw new AssertionError("the call succeeded"
                    + (result instanceof Optional<?> o && o.isPresent() ? " and returned a value" : ""));
        } catch (RuntimeException e) {
            return CkrErrorMapper.ckrName(e).orElseThrow(() -> new AssertionError("not a PKCS#11 failure", e));
        }
    }

    @FunctionalInterface
    private interface ThrowingCall {
        Object run();
    }

    private Object call(String name, Object... args) {
        for (Method m : wrapper.getClass().getMethods()) {
            if (m.getName().equals(name) && m.getParameterCount() == args.length) {
                try {
                    return m.invoke(wrapper, args);
                } catch (InvocationTargetException e) {
                    throw new java.security.ProviderException(name + " failed", e.getCause());
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        throw new IllegalStateException("no wrapper method " + name);
    }
}
