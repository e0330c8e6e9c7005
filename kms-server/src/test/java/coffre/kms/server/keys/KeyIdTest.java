package coffre.kms.server.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class KeyIdTest {
    private static final String GOOD = "key-abcdefghijklmnopqrstuvwxyz";

    @Test
    void acceptsTheFormatAndEveryBase32Character() {
        assertTrue(KeyId.isWellFormed(GOOD));
        assertTrue(KeyId.isWellFormed("key-234567234567234567234567ab"));
        assertEquals(GOOD, new KeyId(GOOD).value());
    }

    @Test
    void randomIdsAreWellFormedAndDistinct() {
        SecureRandom random = new SecureRandom();
        KeyId a = KeyId.random(random);
        KeyId b = KeyId.random(random);
        assertTrue(KeyId.isWellFormed(a.value()));
        assertFalse(a.equals(b));
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"", "key-", "key-abcdefghijklmnopqrstuvwxy", "key-abcdefghijklmnopqrstuvwxyza",
            "Key-abcdefghijklmnopqrstuvwxyz", "kez-abcdefghijklmnopqrstuvwxyz", "key_abcdefghijklmnopqrstuvwxyz",
            "key-Abcdefghijklmnopqrstuvwxyz", "key-abcdefghijklmnopqrstuvwxy1", "key-abcdefghijklmnopqrstuvwxy8",
            "key-abcdefghijklmnopqrstuvwxy0", "key-abcdefghijklmnopqrstuvwxy9", "key-abcdefghijklmnopqrstuvwxy-",
            "key-abcdefghijklmnopqrstuvwxy\u00e9", "key-abcdefghijklmnopqrstuvwxy\u0430", " key-abcdefghijklmnopqrstuvwxy"})
    void refusesEverythingElseWithItsReason(String value) {
        assertFalse(KeyId.isWellFormed(value));
        KmsException e = assertThrows(KmsException.class, () -> new KeyId(value));
        assertEquals(ErrorReason.INVALID_KEY_ID, e.reason());
    }
}
