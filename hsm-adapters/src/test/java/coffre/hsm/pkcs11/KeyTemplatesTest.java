package coffre.hsm.pkcs11;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The AES key template keeps every security choice of the provider's generate block. */
class KeyTemplatesTest {
    private static Map<Long, Object> byType(List<Pkcs11Native.Attr> attrs) {
        Map<Long, Object> m = new LinkedHashMap<>();
        for (Pkcs11Native.Attr a : attrs) {
            if (m.put(a.type(), a.value()) != null) {
                throw new AssertionError("attribute 0x" + Long.toHexString(a.type()) + " given twice");
            }
        }
        return m;
    }

    @Test
    void theAesKeyTemplateIsTheGenerateBlockAsALabelledPrivateTokenObject() {
        Map<Long, Object> aes = byType(KeyTemplates.aesKey("k1"));
        Map<Long, Object> expected = byType(KeyTemplates.GENERATED);
        expected.put(Pkcs11Native.CKA_TOKEN, true);
        expected.put(Pkcs11Native.CKA_PRIVATE, true);
        expected.put(Pkcs11Native.CKA_LABEL, "k1");
        expected.put(Pkcs11Native.CKA_CLASS, Pkcs11Native.CKO_SECRET_KEY);
        expected.put(Pkcs11Native.CKA_KEY_TYPE, Pkcs11Native.CKK_AES);
        expected.put(Pkcs11Native.CKA_VALUE_LEN, 32L);
        assertEquals(expected, aes);
    }
}
