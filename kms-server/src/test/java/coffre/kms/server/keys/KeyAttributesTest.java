package coffre.kms.server.keys;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every limit on a key's attributes, at and just past the boundary. */
class KeyAttributesTest {

    private static ErrorReason reasonOf(Runnable r) {
        return assertThrows(KmsException.class, r::run).reason();
    }

    @Test
    void aliasIsOneToSixtyFourAllowedCharacters() {
        assertDoesNotThrow(() -> new Alias("a".repeat(64)));
        assertDoesNotThrow(() -> new Alias("team/billing_db-1"));
        assertEquals(ErrorReason.INVALID_ALIAS, reasonOf(() -> new Alias("a".repeat(65))));
        assertEquals(ErrorReason.INVALID_ALIAS, reasonOf(() -> new Alias("/leading")));
        assertEquals(ErrorReason.INVALID_ALIAS, reasonOf(() -> new Alias("sp ace")));
        assertEquals(ErrorReason.INVALID_ALIAS, reasonOf(() -> new Alias("")));
    }

    @Test
    void keyIdsHaveOneForm() {
        assertDoesNotThrow(() -> new KeyId("key-" + "a".repeat(26)));
        assertEquals(ErrorReason.INVALID_KEY_ID, reasonOf(() -> new KeyId("key-" + "a".repeat(25))));
        assertEquals(ErrorReason.INVALID_KEY_ID, reasonOf(() -> new KeyId("key-" + "A".repeat(26))));
        assertEquals(ErrorReason.MISSING_FIELD, reasonOf(() -> KeyReference.parse("", "key_id")));
        assertEquals(ErrorReason.INVALID_ALIAS, reasonOf(() -> KeyReference.parse("alias/", "key_id")));
    }

    @Test
    void descriptionIsAtMost1024CharactersWithoutControls() {
        assertDoesNotThrow(() -> new KeyAttributes(null, "d".repeat(1024), Map.of()));
        assertEquals(ErrorReason.INVALID_DESCRIPTION, reasonOf(() -> new KeyAttributes(null, "d".repeat(1025), Map.of())));
        assertEquals(ErrorReason.INVALID_DESCRIPTION, reasonOf(() -> new KeyAttributes(null, "a\u0000b", Map.of())));
    }

    @Test
    void labelsAreBounded() {
        Map<String, String> many = new HashMap<>();
        for (int i = 0; i < 32; i++) {
            many.put("k" + i, "v");
        }
        assertDoesNotThrow(() -> new KeyAttributes(null, "", many));
        many.put("k32", "v");
        assertEquals(ErrorReason.INVALID_LABELS, reasonOf(() -> new KeyAttributes(null, "", many)));
        assertEquals(ErrorReason.INVALID_LABELS, reasonOf(() -> new KeyAttributes(null, "", Map.of("Upper", "v"))));
        assertEquals(ErrorReason.INVALID_LABELS, reasonOf(() -> new KeyAttributes(null, "", Map.of("k", "v".repeat(257)))));
        assertDoesNotThrow(() -> new KeyAttributes(null, "", Map.of("k".repeat(63), "v".repeat(256))));
    }
}
