package coffre.kms.server.xks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvFileSource;

/** The spec's error table, one row per error, and the error body's exact form. */
class XksErrorTest {
    @ParameterizedTest(name = "{0} is {1} {2}")
    @CsvFileSource(resources = "/xks/errors.csv", numLinesToSkip = 1)
    void eachErrorHasTheSpecsNameAndStatus(String constant, int status, String errorName) {
        XksError error = XksError.valueOf(constant);
        assertEquals(status, error.httpStatus());
        assertEquals(errorName, error.errorName());
        assertEquals("{\"errorName\":\"" + errorName + "\",\"errorMessage\":\"" + error.defaultMessage() + "\"}",
                body(new XksException(error, null)));
    }

    @Test
    void theTableHasExactlyTheSpecsTwelveErrors() {
        Set<String> names = Arrays.stream(XksError.values()).map(XksError::errorName).collect(Collectors.toSet());
        assertEquals(Set.of("ValidationException", "InvalidStateException", "InvalidCiphertextException",
                "InvalidKeyUsageException", "AuthenticationFailedException", "AccessDeniedException",
                "KeyNotFoundException", "InvalidUriPathException", "ThrottlingException",
                "UnsupportedOperationException", "DependencyTimeoutException", "InternalException"), names);
        assertEquals(12, XksError.values().length);
    }

    @Test
    void bodyIsCompactSingleLineJson() {
        XksException e = new XksException(XksError.KEY_NOT_FOUND, "no key \"k\\1\" here");
        assertEquals("{\"errorName\":\"KeyNotFoundException\",\"errorMessage\":\"no key \\\"k\\\\1\\\" here\"}", body(e));
        assertEquals(404, e.httpStatus());
    }

    @Test
    void messagesAreCutToPrintableAscii() {
        XksException e = new XksException(XksError.VALIDATION, "line\nbreak, tab\t, é, \u0000, \u007f");
        assertEquals("line?break, tab?, ?, ?, ?", e.getMessage());
    }

    @Test
    void messagesHaveFewerThan512Characters() {
        XksException e = new XksException(XksError.INTERNAL, "x".repeat(600));
        assertEquals(511, e.getMessage().length());
    }

    @Test
    void blankMessagesBecomeTheDefault() {
        assertEquals(XksError.THROTTLING.defaultMessage(), new XksException(XksError.THROTTLING, " ").getMessage());
    }

    @Test
    void noStackTraceButTheCauseIsKept() {
        IllegalStateException cause = new IllegalStateException("CKR_DEVICE_ERROR");
        XksException e = new XksException(XksError.INTERNAL, null, cause);
        assertEquals(0, e.getStackTrace().length);
        assertSame(cause, e.getCause());
        assertFalse(body(e).contains("CKR"), "the cause never reaches the body");
    }

    @Test
    void methodNotAllowedIsOutsideTheTable() {
        XksMethodNotAllowedException e = new XksMethodNotAllowedException();
        assertEquals(405, XksMethodNotAllowedException.HTTP_STATUS);
        assertEquals("POST", XksMethodNotAllowedException.ALLOW);
        assertNull(e.getCause());
    }

    private static String body(XksException e) {
        return new String(e.toJsonBody(), StandardCharsets.UTF_8);
    }
}
