package coffre.kms.server.keystores;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import java.security.SecureRandom;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The forms of key store names, URI paths, regions and external key ids, each bad one with its reason. */
class KeyStoreRulesTest {

    @ParameterizedTest(name = "accepts URI path {0}")
    @ValueSource(strings = {"/kms/xks/v1", "/paris/kms/xks/v1", "/keystores/4a0d79d6-1d1b-49fd-9dbe-799cb9c0fb3f/kms/xks/v1",
            "/A_b-9/c/kms/xks/v1"})
    void acceptsUriPaths(String path) {
        assertEquals(path, KeyStoreRules.requireUriPath(path));
    }

    @Test
    void aUriPathHoldsAtMost128Characters() {
        String longest = "/" + "a".repeat(116) + "/kms/xks/v1";
        assertEquals(128, longest.length());
        assertTrue(KeyStoreRules.isValidUriPath(longest));
        assertFalse(KeyStoreRules.isValidUriPath("/" + "a".repeat(117) + "/kms/xks/v1"));
    }

    @ParameterizedTest(name = "refuses URI path \"{0}\"")
    @ValueSource(strings = {"paris/kms/xks/v1", "/paris/kms/xks/v2", "/paris/kms/xks/v1/", "/paris//kms/xks/v1",
            "/pa.ris/kms/xks/v1", "/../kms/xks/v1", "/pa ris/kms/xks/v1", "/paris%2F/kms/xks/v1", "/paris",
            "/paris/kms/xks/v1?x=1", "/é/kms/xks/v1", "kms/xks/v1"})
    void refusesUriPaths(String path) {
        KmsException e = assertThrows(KmsException.class, () -> KeyStoreRules.requireUriPath(path));
        assertEquals(ErrorReason.INVALID_XKS_KEY_STORE, e.reason());
        assertEquals(Map.of("field", "uri_path"), e.metadata());
    }

    @ParameterizedTest(name = "refuses name \"{0}\"")
    @ValueSource(strings = {"Paris", "par is", "paris_1", "paris.fr", "é"})
    void refusesNames(String name) {
        KmsException e = assertThrows(KmsException.class, () -> KeyStoreRules.requireName(name));
        assertEquals(ErrorReason.INVALID_XKS_KEY_STORE, e.reason());
        assertEquals(Map.of("field", "name"), e.metadata());
    }

    @Test
    void namesAndRegionsHaveTheirLengths() {
        assertEquals("a".repeat(64), KeyStoreRules.requireName("a".repeat(64)));
        assertThrows(KmsException.class, () -> KeyStoreRules.requireName("a".repeat(65)));
        assertEquals("eu-west-3", KeyStoreRules.requireRegion("eu-west-3"));
        assertEquals("r".repeat(32), KeyStoreRules.requireRegion("r".repeat(32)));
        KmsException e = assertThrows(KmsException.class, () -> KeyStoreRules.requireRegion("r".repeat(33)));
        assertEquals(Map.of("field", "region"), e.metadata());
        assertThrows(KmsException.class, () -> KeyStoreRules.requireRegion("EU-WEST-3"));
    }

    @Test
    void emptyValuesAreMissingFields() {
        for (var check : Map.<String, Runnable>of(
                "name", () -> KeyStoreRules.requireName(""),
                "uri_path", () -> KeyStoreRules.requireUriPath(null),
                "region", () -> KeyStoreRules.requireRegion(""),
                "key_store_id", () -> KeyStoreRules.requireKeyStoreId(""),
                "external_key_id", () -> KeyStoreRules.requireExternalKeyId(""),
                "access_key_id", () -> KeyStoreRules.requireAccessKeyId("")).entrySet()) {
            KmsException e = assertThrows(KmsException.class, check.getValue()::run);
            assertEquals(ErrorReason.MISSING_FIELD, e.reason(), check.getKey());
            assertEquals(Map.of("field", check.getKey()), e.metadata());
        }
    }

    @ParameterizedTest(name = "refuses external key id \"{0}\"")
    @ValueSource(strings = {".", "..", "a/b", "a b", "é", "a%2Fb"})
    void refusesExternalKeyIds(String id) {
        KmsException e = assertThrows(KmsException.class, () -> KeyStoreRules.requireExternalKeyId(id));
        assertEquals(ErrorReason.INVALID_XKS_EXTERNAL_KEY_ID, e.reason());
    }

    @Test
    void externalKeyIdsHoldAtMost128Characters() {
        assertEquals("k".repeat(128), KeyStoreRules.requireExternalKeyId("k".repeat(128)));
        assertEquals("a.b_c-D9", KeyStoreRules.requireExternalKeyId("a.b_c-D9"));
        assertThrows(KmsException.class, () -> KeyStoreRules.requireExternalKeyId("k".repeat(129)));
    }

    @Test
    void accessKeyIdsAreTwentyToThirtyBase32Characters() {
        assertEquals("ABCDEFGHIJKLMNOPQRST", KeyStoreRules.requireAccessKeyId("ABCDEFGHIJKLMNOPQRST"));
        KmsException e = assertThrows(KmsException.class, () -> KeyStoreRules.requireAccessKeyId("abcdefghijklmnopqrst"));
        assertEquals(ErrorReason.INVALID_XKS_ACCESS_KEY_ID, e.reason());
    }

    @Test
    void keyStoreIdsAreMadeAndCheckedAlike() {
        String id = KeyStoreRules.newKeyStoreId(new SecureRandom());
        assertTrue(id.matches("xks-[a-z2-7]{26}"), id);
        assertEquals(id, KeyStoreRules.requireKeyStoreId(id));
        KmsException e = assertThrows(KmsException.class, () -> KeyStoreRules.requireKeyStoreId("key-" + id.substring(4)));
        assertEquals(ErrorReason.INVALID_XKS_KEY_STORE, e.reason());
        assertEquals(Map.of("field", "key_store_id"), e.metadata());
    }
}
