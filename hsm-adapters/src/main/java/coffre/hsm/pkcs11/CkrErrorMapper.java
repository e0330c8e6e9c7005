package coffre.hsm.pkcs11;

import coffre.hsm.HsmErrorKind;
import coffre.hsm.HsmException;

import javax.crypto.AEADBadTagException;
import java.security.UnrecoverableKeyException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The one table that turns PKCS#11 return codes into {@link HsmErrorKind}s.
 *
 * <p>Why one table: error handling spread over call sites drifts, and an HSM code that leaks into
 * a client-visible message is an oracle. Here every code Coffre can meet has exactly one kind;
 * the code's name is kept in {@link HsmException#pkcs11Code()} for server logs and never put in a
 * message. Codes are read from the wrapper's {@code PKCS11Exception}, which SunPKCS11 wraps in the
 * unchecked {@link java.security.ProviderException} or in checked JCA exceptions, so both are
 * searched. Every GCM authentication failure maps to {@link HsmErrorKind#AUTHENTICATION_FAILED}
 * with the same message and no code, so callers cannot tell a wrong key from a flipped bit.
 */
public final class CkrErrorMapper {

    private record Entry(long code, HsmErrorKind kind) {
    }

    private static final Map<String, Entry> TABLE;
    private static final Map<Long, String> NAMES;

    /**
     * The {@link HsmErrorKind#UNAVAILABLE} codes that condemn the whole module, not one session: after
     * one of them the module is re-initialised at once ({@link RecoveringHsm}). Other UNAVAILABLE
     * codes (a closed or invalid session, a lost login, too many sessions) are first answered by
     * evicting the session and probing the token; only a failed probe re-initialises.
     */
    private static final Set<String> DEVICE_FAULTS = Set.of("CKR_DEVICE_ERROR", "CKR_DEVICE_REMOVED",
            "CKR_TOKEN_NOT_PRESENT", "CKR_TOKEN_NOT_RECOGNIZED", "CKR_CRYPTOKI_NOT_INITIALIZED",
            "CKR_FIPS_SELF_TEST_FAILED", "CKR_LIBRARY_LOAD_FAILED", "CKR_SLOT_ID_INVALID");

    static {
        Map<String, Entry> t = new LinkedHashMap<>();
        // Authentication of a ciphertext. SoftHSM 2.6 reports a GCM tag mismatch as
        // CKR_GENERAL_ERROR; Pkcs11Native.gcm (like SunPKCS11's doFinal) turns that into an
        // AEADBadTagException when C_Decrypt returns it, which map() catches first, so
        // CKR_GENERAL_ERROR itself stays INTERNAL below.
        put(t, "CKR_ENCRYPTED_DATA_INVALID", 0x40, HsmErrorKind.AUTHENTICATION_FAILED);
        put(t, "CKR_ENCRYPTED_DATA_LEN_RANGE", 0x41, HsmErrorKind.AUTHENTICATION_FAILED);
        put(t, "CKR_AEAD_DECRYPT_FAILED", 0x42, HsmErrorKind.AUTHENTICATION_FAILED); // PKCS#11 3.0 tokens
        // The key object is gone (destroyed by another node, or a session copy whose session died).
        put(t, "CKR_OBJECT_HANDLE_INVALID", 0x82, HsmErrorKind.KEY_NOT_FOUND);
        put(t, "CKR_KEY_HANDLE_INVALID", 0x60, HsmErrorKind.KEY_NOT_FOUND);
        // Module, token or session unusable now: evict the session, report unhealthy, retry later.
        put(t, "CKR_HOST_MEMORY", 0x02, HsmErrorKind.UNAVAILABLE);
        put(t, "CKR_SLOT_ID_INVALID", 0x03, HsmErrorKind.UNAVAILABLE);
        put(t, "CKR_CANT_LOCK", 0x0A, HsmErrorKind.UNAVAILABLE);
        put(t, "CKR_DEVICE_ERROR", 0x30, HsmErrorKind.UNAVAILABLE);
        put(t, "CKR_DEVICE_MEMORY", 0x31, HsmErrorKind.UNAVAILABLE); // Luna: partition object quota reached
        put(t, "CKR_DEVICE_REMOVED", 0x32, HsmErrorKind.UNAVAILABLE); // network HSMs: link to the appliance lost
        put(t, "CKR_FUNCTION_CANCELED", 0x50, HsmErrorKind.UNAVAILABLE);
        put(t, "CKR_SESSION_CLOSED", 0xB0, HsmErrorKind.UNAVAILABLE);
        put(t, "CKR_SESSION_COUNT", 0xB1, HsmErrorKind.UNAVAILABLE);
        put(t, "CKR_SESSION_HANDLE_INVALID", 0xB3, HsmErrorKind.UNAVAILABLE); // HA fail-over invalidates sessions
        put(t, "CKR_TOKEN_NOT_PRESENT", 0xE0, HsmErrorKind.UNAVAILABLE);
        put(t, "CKR_TOKEN_NOT_RECOGNIZED", 0xE1, HsmErrorKind.UNAVAILABLE);
        put(t, "CKR_TOKEN_WRITE_PROTECTED", 0xE2, HsmErrorKind.UNAVAILABLE);
        put(t, "CKR_USER_NOT_LOGGED_IN", 0x101, HsmErrorKind.UNAVAILABLE); // login lost (appliance restart): re-login, not a PIN problem
        put(t, "CKR_RANDOM_NO_RNG", 0x121, HsmErrorKind.UNAVAILABLE);
        put(t, "CKR_CRYPTOKI_NOT_INITIALIZED", 0x190, HsmErrorKind.UNAVAILABLE);
        put(t, "CKR_FIPS_SELF_TEST_FAILED", 0x1B6, HsmErrorKind.UNAVAILABLE);
        put(t, "CKR_LIBRARY_LOAD_FAILED", 0x1B7, HsmErrorKind.UNAVAILABLE);
        put(t, "CKR_TOKEN_RESOURCE_EXCEEDED", 0x201, HsmErrorKind.UNAVAILABLE);
        // Login.
        put(t, "CKR_PIN_INCORRECT", 0xA0, HsmErrorKind.LOGIN_FAILED);
        put(t, "CKR_PIN_INVALID", 0xA1, HsmErrorKind.LOGIN_FAILED);
        put(t, "CKR_PIN_LEN_RANGE", 0xA2, HsmErrorKind.LOGIN_FAILED);
        put(t, "CKR_PIN_EXPIRED", 0xA3, HsmErrorKind.LOGIN_FAILED);
        put(t, "CKR_PIN_LOCKED", 0xA4, HsmErrorKind.LOGIN_FAILED);
        put(t, "CKR_USER_PIN_NOT_INITIALIZED", 0x102, HsmErrorKind.LOGIN_FAILED);
        put(t, "CKR_USER_TYPE_INVALID", 0x103, HsmErrorKind.LOGIN_FAILED);
        put(t, "CKR_USER_ANOTHER_ALREADY_LOGGED_IN", 0x104, HsmErrorKind.LOGIN_FAILED);
        // Refused arguments or templates: a caller bug or a vendor policy.
        put(t, "CKR_ARGUMENTS_BAD", 0x07, HsmErrorKind.INVALID_REQUEST); // JDK 25 AES/KW against SoftHSM
        put(t, "CKR_ATTRIBUTE_READ_ONLY", 0x10, HsmErrorKind.INVALID_REQUEST); // SoftHSM: a copy may not weaken a sensitive key
        put(t, "CKR_ATTRIBUTE_SENSITIVE", 0x11, HsmErrorKind.INVALID_REQUEST);
        put(t, "CKR_ATTRIBUTE_TYPE_INVALID", 0x12, HsmErrorKind.INVALID_REQUEST);
        put(t, "CKR_ATTRIBUTE_VALUE_INVALID", 0x13, HsmErrorKind.INVALID_REQUEST);
        put(t, "CKR_ACTION_PROHIBITED", 0x1B, HsmErrorKind.INVALID_REQUEST); // e.g. copy of a CKA_COPYABLE=false key
        put(t, "CKR_DATA_INVALID", 0x20, HsmErrorKind.INVALID_REQUEST);
        put(t, "CKR_DATA_LEN_RANGE", 0x21, HsmErrorKind.INVALID_REQUEST);
        put(t, "CKR_FUNCTION_NOT_SUPPORTED", 0x54, HsmErrorKind.INVALID_REQUEST); // HSMs without C_CopyObject
        put(t, "CKR_KEY_SIZE_RANGE", 0x62, HsmErrorKind.INVALID_REQUEST);
        put(t, "CKR_KEY_TYPE_INCONSISTENT", 0x63, HsmErrorKind.INVALID_REQUEST);
        put(t, "CKR_KEY_FUNCTION_NOT_PERMITTED", 0x68, HsmErrorKind.INVALID_REQUEST);
        put(t, "CKR_KEY_UNEXTRACTABLE", 0x6A, HsmErrorKind.INVALID_REQUEST);
        put(t, "CKR_MECHANISM_INVALID", 0x70, HsmErrorKind.INVALID_REQUEST);
        // Luna in FIPS mode when the IV is supplied by the caller (see thales-luna.properties).
        put(t, "CKR_MECHANISM_PARAM_INVALID", 0x71, HsmErrorKind.INVALID_REQUEST);
        put(t, "CKR_SESSION_READ_ONLY", 0xB5, HsmErrorKind.INVALID_REQUEST);
        put(t, "CKR_TEMPLATE_INCOMPLETE", 0xD0, HsmErrorKind.INVALID_REQUEST);
        put(t, "CKR_TEMPLATE_INCONSISTENT", 0xD1, HsmErrorKind.INVALID_REQUEST);
        // Everything else: a bug on one side or the other; the code goes to the server log.
        put(t, "CKR_GENERAL_ERROR", 0x05, HsmErrorKind.INTERNAL);
        put(t, "CKR_FUNCTION_FAILED", 0x06, HsmErrorKind.INTERNAL);
        put(t, "CKR_OPERATION_ACTIVE", 0x90, HsmErrorKind.INTERNAL);
        put(t, "CKR_OPERATION_NOT_INITIALIZED", 0x91, HsmErrorKind.INTERNAL);
        put(t, "CKR_BUFFER_TOO_SMALL", 0x150, HsmErrorKind.INTERNAL);
        put(t, "CKR_MUTEX_BAD", 0x1A0, HsmErrorKind.INTERNAL);
        TABLE = Collections.unmodifiableMap(t);
        Map<Long, String> n = new LinkedHashMap<>();
        t.forEach((name, e) -> n.put(e.code(), name));
        NAMES = Collections.unmodifiableMap(n);
    }

    private static void put(Map<String, Entry> t, String name, long code, HsmErrorKind kind) {
        t.put(name, new Entry(code, kind));
    }

    private CkrErrorMapper() {
    }

    /** The kind for a CKR name; codes not in the table are {@link HsmErrorKind#INTERNAL}. */
    public static HsmErrorKind kindOf(String ckrName) {
        Entry e = TABLE.get(ckrName);
        return e == null ? HsmErrorKind.INTERNAL : e.kind();
    }

    /** The CKR name of a numeric code, or {@code CKR_0x........} for codes not in the table (vendor codes). */
    public static String nameOf(long code) {
        String name = NAMES.get(code);
        return name != null ? name : String.format("CKR_0x%08X", code);
    }

    /** All CKR names in the table, for tests and documentation. */
    public static Map<String, HsmErrorKind> table() {
        Map<String, HsmErrorKind> m = new LinkedHashMap<>();
        TABLE.forEach((k, v) -> m.put(k, v.kind()));
        return Collections.unmodifiableMap(m);
    }

    /** Whether {@code e} came from a CKR code that condemns the whole module (see {@code DEVICE_FAULTS}). */
    public static boolean isDeviceFault(HsmException e) {
        return e.pkcs11Code().map(DEVICE_FAULTS::contains).orElse(false);
    }

    /**
     * Whether {@code e} is the HSM saying a key or session is gone ({@code KEY_NOT_FOUND}, or
     * {@code UNAVAILABLE} with a CKR code), which a lookup by label may cure. Not our own deadline
     * or an interrupt: a lookup would then wait on the same unanswering HSM, past the deadline.
     */
    static boolean answeredByHsm(HsmException e) {
        return e.kind() == HsmErrorKind.KEY_NOT_FOUND
                || (e.kind() == HsmErrorKind.UNAVAILABLE && e.pkcs11Code().isPresent());
    }

    /** The CKR name inside {@code t}'s cause chain, if the failure came from the PKCS#11 module. */
    public static Optional<String> ckrName(Throwable t) {
        return Pkcs11Native.errorCode(t).map(CkrErrorMapper::nameOf);
    }

    /**
     * Translates a failure of {@code operation} (a short verb such as "encrypt") into an
     * {@link HsmException}. The message names the operation and the kind only.
     */
    public static HsmException map(Throwable t, String operation) {
        if (t instanceof HsmException h) {
            return h;
        }
        if (hasCause(t, AEADBadTagException.class)) {
            return authenticationFailed();
        }
        Optional<String> code = ckrName(t);
        HsmErrorKind kind;
        if (code.isPresent()) {
            kind = kindOf(code.get());
        } else if (hasCause(t, UnrecoverableKeyException.class)) {
            // P11KeyStore.load reports CKR_PIN_INCORRECT this way, without the wrapper exception.
            kind = HsmErrorKind.LOGIN_FAILED;
        } else {
            kind = HsmErrorKind.INTERNAL;
        }
        if (kind == HsmErrorKind.AUTHENTICATION_FAILED) {
            return authenticationFailed();
        }
        return new HsmException(kind, "HSM " + operation + " failed: " + describe(kind), code.orElse(null), t);
    }

    /** The single, undifferentiated authentication failure: no cause, no code, one message. */
    public static HsmException authenticationFailed() {
        return new HsmException(HsmErrorKind.AUTHENTICATION_FAILED, "authentication failed", null, null);
    }

    private static String describe(HsmErrorKind kind) {
        return switch (kind) {
            case AUTHENTICATION_FAILED -> "authentication failed";
            case KEY_NOT_FOUND -> "key not found";
            case UNAVAILABLE -> "HSM unavailable";
            case LOGIN_FAILED -> "login failed";
            case INVALID_REQUEST -> "request refused by the HSM";
            case INTERNAL -> "internal HSM error";
        };
    }

    private static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return false;
    }
}
