package coffre.hsm.pkcs11;

import coffre.hsm.GcmCiphertext;
import coffre.hsm.HsmErrorKind;
import coffre.hsm.HsmException;
import coffre.hsm.testing.SoftHsmTestToken;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the session copy is, on SoftHSM2 and JDK 25: checked through the provider's own key objects. */
class SessionKeyCopyIT {
    private static final byte[] PT = "copy".getBytes(StandardCharsets.UTF_8);

    @Test
    void theCopyIsASensitiveUnextractableSessionObjectThatSurvivesGc() throws Exception {
        try (Pkcs11Hsm hsm = Pkcs11Hsm.open(SoftHsmTestToken.get().config(2, true))) {
            String label = "copy-" + System.nanoTime();
            Pkcs11KeyRef ref = (Pkcs11KeyRef) hsm.generateKey(label);
            try {
                assertTrue(ref.hasSessionCopy(), "no session copy was made");
                String copy = ref.operationKey().toString();
                assertTrue(copy.contains("session object") && copy.contains("sensitive, unextractable"), copy);
                assertTrue(ref.tokenKey().toString().contains("token object"), ref.tokenKey().toString());
                assertEquals(null, ref.operationKey().getEncoded());
                GcmCiphertext ct = hsm.encrypt(ref, new byte[0], PT);
                for (int i = 0; i < 3; i++) {
                    System.gc();
                    Thread.sleep(20);
                }
                // The reference keeps the copy alive, and the token key decrypts what the copy encrypted.
                assertArrayEquals(PT, hsm.decrypt(ref, ct.iv(), new byte[0], ct.ciphertextAndTag()));
                ref.dropSessionCopy();
                assertArrayEquals(PT, hsm.decrypt(ref, ct.iv(), new byte[0], ct.ciphertextAndTag()));
                // The copy is not a token object: the independent client sees exactly one object.
                Map<String, ?> objects = SoftHsmTestToken.get().pkcs11ToolObjects();
                assertTrue(objects.containsKey(label));
                // findKey returns the cached reference while the token object is unchanged.
                assertSame(hsm.findKey(label).orElseThrow(), hsm.findKey(label).orElseThrow());
            } finally {
                assertTrue(hsm.destroyKey(label));
            }
            assertEquals(HsmErrorKind.KEY_NOT_FOUND,
                    assertThrows(HsmException.class, () -> hsm.encrypt(ref, new byte[0], PT)).kind());
            assertFalse(ref.hasSessionCopy());
        }
    }

    @Test
    void withoutCopiesTheTokenKeyIsUsed() {
        try (Pkcs11Hsm hsm = Pkcs11Hsm.open(SoftHsmTestToken.get().config(1, false))) {
            String label = "nocopy-" + System.nanoTime();
            Pkcs11KeyRef ref = (Pkcs11KeyRef) hsm.generateKey(label);
            try {
                assertFalse(ref.hasSessionCopy());
                assertSame(ref.tokenKey(), ref.operationKey());
            } finally {
                hsm.destroyKey(label);
            }
        }
    }
}
