package coffre.kms.server.dke;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The two targets of the protocol and everything else refused before a token is read. */
class DkePathsTest {

    @Test
    void theTwoRoutes() {
        assertEquals(new DkeRoute(DkeRoute.Operation.PUBLIC_KEY, "finance-2026_A", 0), DkePaths.route("GET", "/finance-2026_A"));
        assertEquals(new DkeRoute(DkeRoute.Operation.DECRYPT, "finance", 12), DkePaths.route("POST", "/finance/12/decrypt"));
        assertEquals(new DkeRoute(DkeRoute.Operation.DECRYPT, "finance", 1), DkePaths.route("POST", "/finance/1/Decrypt"));
        assertEquals(new DkeRoute(DkeRoute.Operation.PUBLIC_KEY, "finance", 0),
                DkePaths.route("GET", "/finance?protocol-version=1.0"));
        assertEquals(new DkeRoute(DkeRoute.Operation.DECRYPT, "finance", 3),
                DkePaths.route("POST", "/finance/3/decrypt?protocol-version=1.0&other=x"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/", "//x", "/a/b", "/a/1", "/a/1/decrypt/", "/a/01/decrypt", "/a/0/decrypt",
            "/a/1234567890/decrypt", "/a/x/decrypt", "/a/1/encrypt", "/./1/decrypt", "/%61", "/a.b", "a",
            "/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"})
    void otherTargetsAreNotFound(String target) {
        assertEquals(DkeError.NOT_FOUND, assertThrows(DkeException.class, () -> DkePaths.route("GET", target)).error());
        assertEquals(DkeError.NOT_FOUND, assertThrows(DkeException.class, () -> DkePaths.route("POST", target)).error());
    }

    @Test
    void anotherMethodIsNotAllowedNamingTheRightOne() {
        DkeException get = assertThrows(DkeException.class, () -> DkePaths.route("POST", "/finance"));
        assertEquals(DkeError.METHOD_NOT_ALLOWED, get.error());
        assertEquals("GET", get.detail());
        DkeException post = assertThrows(DkeException.class, () -> DkePaths.route("GET", "/finance/1/decrypt"));
        assertEquals("POST", post.detail());
        assertEquals(DkeError.METHOD_NOT_ALLOWED, assertThrows(DkeException.class,
                () -> DkePaths.route("DELETE", "/finance")).error());
    }

    @ParameterizedTest
    @ValueSource(strings = {"/finance?protocol-version=2.0", "/finance?protocol-version=", "/finance?protocol-version"})
    void anotherProtocolVersionIsRefused(String target) {
        assertEquals(DkeError.INVALID_REQUEST, assertThrows(DkeException.class, () -> DkePaths.route("GET", target)).error());
    }
}
