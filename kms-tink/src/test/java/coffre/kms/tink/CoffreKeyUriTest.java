package coffre.kms.tink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.GeneralSecurityException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class CoffreKeyUriTest {

    @Test
    void aKeyIdUriNamesTheKeyId() throws Exception {
        CoffreKeyUri uri = CoffreKeyUri.parse("coffre://key-abcdefghijklmnopqrstuvwxyz");

        assertEquals("key-abcdefghijklmnopqrstuvwxyz", uri.keyId());
        assertTrue(uri.isKeyId());
    }

    @Test
    void anAliasUriNamesTheAlias() throws Exception {
        CoffreKeyUri uri = CoffreKeyUri.parse("coffre://alias/orders");

        assertEquals("alias/orders", uri.keyId());
        assertFalse(uri.isKeyId());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"aws-kms://arn:aws:kms:eu-west-3:1:key/x", "coffre://", "coffre://key-", "coffre://alias/",
            "coffre://orders", "coffre://alias/with space", "COFFRE://alias/orders", "coffre://alias/é"})
    void otherUrisAreRefusedSayingWhatIsAccepted(String uri) {
        GeneralSecurityException e = assertThrows(GeneralSecurityException.class, () -> CoffreKeyUri.parse(uri));

        assertTrue(e.getMessage().contains("coffre://key-... ") || e.getMessage().contains("coffre://key-... or"),
                e.getMessage());
        assertFalse(CoffreKeyUri.isValid(uri));
    }

    @Test
    void anAbsurdlyLongUriIsRefused() {
        assertThrows(GeneralSecurityException.class, () -> CoffreKeyUri.parse("coffre://alias/" + "a".repeat(300)));
    }

    @Test
    void nullIsRefused() {
        assertThrows(GeneralSecurityException.class, () -> CoffreKeyUri.parse(null));
    }
}
