package coffre.hsm.pkcs11;

import coffre.hsm.HsmErrorKind;
import coffre.hsm.HsmException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import javax.crypto.AEADBadTagException;
import java.security.ProviderException;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

class CkrErrorMapperTest {

    /** A real wrapper exception (the test JVM runs with the wrapper exported, like the server). */
    private static Exception pkcs11Exception(long code) throws ReflectiveOperationException {
        return (Exception) Class.forName("sun.security.pkcs11.wrapper.PKCS11Exception")
                .getConstructor(long.class, String.class).newInstance(code, null);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "CKR_ENCRYPTED_DATA_INVALID, AUTHENTICATION_FAILED",
            "CKR_AEAD_DECRYPT_FAILED, AUTHENTICATION_FAILED",
            "CKR_OBJECT_HANDLE_INVALID, KEY_NOT_FOUND",
            "CKR_KEY_HANDLE_INVALID, KEY_NOT_FOUND",
            "CKR_DEVICE_ERROR, UNAVAILABLE",
            "CKR_SESSION_HANDLE_INVALID, UNAVAILABLE",
            "CKR_TOKEN_NOT_PRESENT, UNAVAILABLE",
            "CKR_USER_NOT_LOGGED_IN, UNAVAILABLE",
            "CKR_PIN_INCORRECT, LOGIN_FAILED",
            "CKR_PIN_LOCKED, LOGIN_FAILED",
            "CKR_ATTRIBUTE_READ_ONLY, INVALID_REQUEST",
            "CKR_MECHANISM_PARAM_INVALID, INVALID_REQUEST",
            "CKR_FUNCTION_NOT_SUPPORTED, INVALID_REQUEST",
            "CKR_GENERAL_ERROR, INTERNAL",
            "CKR_SOMETHING_NEW, INTERNAL"
    })
    void theTableMapsEachCodeToOneKind(String ckr, HsmErrorKind kind) {
        assertEquals(kind, CkrErrorMapper.kindOf(ckr));
    }

    @Test
    void theTableCoversEveryKind() {
        Set<HsmErrorKind> used = EnumSet.noneOf(HsmErrorKind.class);
        used.addAll(CkrErrorMapper.table().values());
        assertEquals(EnumSet.allOf(HsmErrorKind.class), used);
    }

    @Test
    void namesComeFromTheTableAndVendorCodesStayNumeric() {
        assertEquals("CKR_SESSION_HANDLE_INVALID", CkrErrorMapper.nameOf(0xB3));
        assertEquals("CKR_0x80000001", CkrErrorMapper.nameOf(0x80000001L));
    }

    @Test
    void aProviderExceptionKeepsTheCodeForLogsButNotInTheMessage() throws Exception {
        HsmException e = CkrErrorMapper.map(new ProviderException("doFinal() failed", pkcs11Exception(0x30)), "encrypt");
        assertEquals(HsmErrorKind.UNAVAILABLE, e.kind());
        assertEquals(Optional.of("CKR_DEVICE_ERROR"), e.pkcs11Code());
        assertEquals("HSM encrypt failed: HSM unavailable", e.getMessage());
        assertFalse(e.getMessage().contains("CKR"));
    }

    @Test
    void everyAuthenticationFailureIsTheSameException() throws Exception {
        HsmException fromTag = CkrErrorMapper.map(new AEADBadTagException("tag mismatch"), "decrypt");
        HsmException fromCode = CkrErrorMapper.map(new ProviderException(pkcs11Exception(0x40)), "decrypt");
        for (HsmException e : new HsmException[] {fromTag, fromCode}) {
            assertEquals(HsmErrorKind.AUTHENTICATION_FAILED, e.kind());
            assertEquals("authentication failed", e.getMessage());
            assertEquals(Optional.empty(), e.pkcs11Code());
            assertNull(e.getCause());
        }
    }

    @Test
    void failuresWithoutACodeAreInternalAndHsmExceptionsPassThrough() {
        assertEquals(HsmErrorKind.INTERNAL, CkrErrorMapper.map(new ProviderException("?"), "x").kind());
        HsmException h = new HsmException(HsmErrorKind.KEY_NOT_FOUND, "gone");
        assertSame(h, CkrErrorMapper.map(h, "x"));
        assertEquals(HsmErrorKind.LOGIN_FAILED, CkrErrorMapper.map(
                new java.io.IOException("load failed", new java.security.UnrecoverableKeyException()), "login").kind());
    }
}
