package coffre.kms.server.xks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvFileSource;

/** Every accepted and refused path shape of src/test/resources/xks/paths.csv, and the store-side checks. */
class XksPathsTest {
    @ParameterizedTest(name = "{0}")
    @CsvFileSource(resources = "/xks/paths.csv", delimiter = '|', maxCharsPerColumn = 1024)
    void routes(String name, String method, String target, String outcome, String prefix, String operation,
                String key) {
        switch (outcome) {
            case "route" -> assertEquals(new XksRoute(prefix, XksOperation.valueOf(operation), key),
                    XksPaths.route(method, target));
            case "404" -> {
                XksException e = assertThrows(XksException.class, () -> XksPaths.route(method, target));
                assertEquals(XksError.INVALID_URI_PATH, e.error());
            }
            case "405" -> assertThrows(XksMethodNotAllowedException.class, () -> XksPaths.route(method, target));
            default -> throw new AssertionError("unknown outcome " + outcome);
        }
    }

    /** The cursor answers every near miss of the spec's paths as the former regular expression did. */
    @Test
    void routesExactlyAsTheFormerRegularExpression() {
        List<String> seeds = List.of("/kms/xks/v1/health", "/p/kms/xks/v1/keys/k/encrypt",
                "/a_b/c-d/kms/xks/v1/keys/bench.key_b/decrypt", "/kms/xks/v1/keys/k/metadata",
                "/x/kms/xks/v1/keys/kms/xks/v1/health", "/" + "p".repeat(116) + "/kms/xks/v1/health",
                "/kms/xks/v1/keys/" + "k".repeat(128) + "/encrypt", "/kms/xks/v1/keys/../decrypt");
        List<String> pieces = List.of("/kms/xks/v1", "/keys/", "/health", "/encrypt", "/metadata", "//", "/.",
                "/..", "?a=1", "k".repeat(60), "/p");
        int routed = 0;
        for (String target : ParserReferences.nearMisses(seeds, pieces, 30_000, 20)) {
            for (String method : List.of("POST", "GET")) {
                Object expected = ParserReferences.route(method, target);
                assertEquals(expected, ParserReferences.route(t -> XksPaths.route(method, t), target),
                        method + " " + target);
                routed += expected instanceof XksRoute ? 1 : 0;
            }
        }
        assertTrue(routed > 1000, "the near misses include routes: " + routed);
    }

    @Test
    void nullTargetIsInvalid() {
        assertEquals(XksError.INVALID_URI_PATH,
                assertThrows(XksException.class, () -> XksPaths.route("POST", null)).error());
    }

    @Test
    void routeKnowsItsUriPath() {
        assertEquals("/p/kms/xks/v1", XksPaths.route("POST", "/p/kms/xks/v1/keys/k/decrypt").uriPath());
    }

    @Test
    void uriPrefixRulesForKeyStores() {
        assertTrue(XksPaths.isValidUriPrefix(""));
        assertTrue(XksPaths.isValidUriPrefix("/keystores/4a0d79d6-1d1b-49fd-9dbe-799cb9c0fb3f"));
        assertTrue(XksPaths.isValidUriPrefix("/" + "a".repeat(116)));
        assertFalse(XksPaths.isValidUriPrefix("/" + "a".repeat(117)));
        assertFalse(XksPaths.isValidUriPrefix("keystores"));
        assertFalse(XksPaths.isValidUriPrefix("/keystores/"));
        assertFalse(XksPaths.isValidUriPrefix("/a.b"));
        assertFalse(XksPaths.isValidUriPrefix(null));
    }

    @Test
    void externalKeyIdRulesForMappings() {
        assertTrue(XksPaths.isValidExternalKeyId("foo"));
        assertTrue(XksPaths.isValidExternalKeyId("k".repeat(128)));
        assertFalse(XksPaths.isValidExternalKeyId("k".repeat(129)));
        assertFalse(XksPaths.isValidExternalKeyId(""));
        assertFalse(XksPaths.isValidExternalKeyId("."));
        assertFalse(XksPaths.isValidExternalKeyId(".."));
        assertFalse(XksPaths.isValidExternalKeyId("a/b"));
        assertFalse(XksPaths.isValidExternalKeyId(null));
    }

    @Test
    void routesCheckTheirParts() {
        assertThrows(IllegalArgumentException.class, () -> new XksRoute("", XksOperation.ENCRYPT, null));
        assertThrows(IllegalArgumentException.class, () -> new XksRoute("", XksOperation.GET_HEALTH_STATUS, "k"));
    }
}
