package coffre.hsm.pkcs11;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.hsm.HsmErrorKind;
import coffre.hsm.HsmException;
import coffre.hsm.HsmKeyRef;
import coffre.hsm.testing.SoftHsmTestToken;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** HMAC-SHA-256 keys made and used inside a real SoftHSM token (the audit checkpoint key). */
class MacKeysIT {
    private static final SoftHsmTestToken TOKEN = SoftHsmTestToken.get();

    private static String label() {
        return "test-mac-" + UUID.randomUUID();
    }

    @Test
    void aMacKeyIsMadeInsideTheHsmSensitiveAndSignOnly() {
        String label = label();
        try (Pkcs11Hsm hsm = Pkcs11Hsm.open(TOKEN.config(2))) {
            hsm.generateMacKey(label);
        }
        SoftHsmTestToken.ToolObject object = TOKEN.pkcs11ToolObjects().get(label);
        assertTrue(object.type().contains("Generic secret length 32"), object.type());
        assertTrue(object.sensitive() && object.alwaysSensitive() && object.neverExtractable() && object.local(),
                object.access().toString());
        assertFalse(object.extractable());
        // pkcs11-tool 0.23 never prints "sign" for a secret key; signing is proven by the MAC tests.
        assertTrue(object.usage().contains("verify"), object.usage().toString());
        for (String forbidden : Set.of("encrypt", "decrypt", "wrap", "unwrap", "derive")) {
            assertFalse(object.usage().contains(forbidden), object.usage().toString());
        }
    }

    @Test
    void macsAreDeterministicPerKeyAndDataAndSurviveANewSession() {
        String label = label();
        byte[] data = "head 42".getBytes(StandardCharsets.UTF_8);
        byte[] first;
        try (Pkcs11Hsm hsm = Pkcs11Hsm.open(TOKEN.config(2))) {
            HsmKeyRef key = hsm.generateMacKey(label);
            first = hsm.hmacSha256(key, data);
            assertEquals(32, first.length);
            assertArrayEquals(first, hsm.hmacSha256(key, data));
            assertFalse(Arrays.equals(first, hsm.hmacSha256(key, "head 43".getBytes(StandardCharsets.UTF_8))));
            HsmKeyRef other = hsm.generateMacKey(label());
            assertFalse(Arrays.equals(first, hsm.hmacSha256(other, data)));
            assertEquals(HsmErrorKind.INVALID_REQUEST,
                    assertThrows(HsmException.class, () -> hsm.generateMacKey(label)).kind(), "labels are unique");
        }
        try (Pkcs11Hsm again = Pkcs11Hsm.open(TOKEN.config(2))) {
            HsmKeyRef found = again.findMacKey(label).orElseThrow();
            assertArrayEquals(first, again.hmacSha256(found, data));
        }
    }

    @Test
    void aesKeysAndMissingLabelsAreNotMacKeys() {
        String aes = label();
        try (Pkcs11Hsm hsm = Pkcs11Hsm.open(TOKEN.config(2))) {
            HsmKeyRef aesKey = hsm.generateKey(aes);
            assertTrue(hsm.findMacKey(aes).isEmpty(), "an AES key is not found as a MAC key");
            assertTrue(hsm.findMacKey(label()).isEmpty());
            assertEquals(HsmErrorKind.INVALID_REQUEST,
                    assertThrows(HsmException.class, () -> hsm.hmacSha256(aesKey, new byte[1])).kind());
            assertThrows(IllegalArgumentException.class, () -> hsm.generateMacKey("bad label!"));
            hsm.destroyKey(aes);
        }
    }
}
