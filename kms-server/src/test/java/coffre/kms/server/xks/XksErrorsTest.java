package coffre.kms.server.xks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import coffre.kms.server.access.AccessRefusal;
import coffre.kms.server.audit.AuditDecision;
import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The XKS edge's two error tables: domain reasons to XKS errors, XKS errors to audited reasons. */
class XksErrorsTest {

    @ParameterizedTest
    @EnumSource(ErrorReason.class)
    void everyDomainReasonHasAnXksAnswerWithAGenericMessage(ErrorReason reason) {
        KmsException domain = new KmsException(reason, "key key-abcdefghijklmnopqrstuvwxyz principal xks:s", Map.of());
        XksException answer = XksErrors.of(domain);
        assertNotNull(answer.error());
        assertEquals(answer.error().defaultMessage(), answer.getMessage(), "Coffre's ids never reach AWS's logs");
        assertSame(domain, answer.getCause());
        assertEquals(reason, XksErrors.auditedReason(answer), "the audit keeps the domain's own reason");
    }

    @Test
    void theSpecsCasesMapAsDocumented() {
        Map<ErrorReason, XksError> expected = Map.of(
                ErrorReason.KEY_NOT_FOUND, XksError.KEY_NOT_FOUND,
                ErrorReason.KEY_DISABLED, XksError.INVALID_STATE,
                ErrorReason.KEY_PENDING_DELETION, XksError.INVALID_STATE,
                ErrorReason.KEY_DESTROYED, XksError.INVALID_STATE,
                ErrorReason.DECRYPTION_FAILED, XksError.INVALID_CIPHERTEXT,
                ErrorReason.PERMISSION_DENIED, XksError.ACCESS_DENIED,
                ErrorReason.HSM_UNAVAILABLE, XksError.DEPENDENCY_TIMEOUT,
                ErrorReason.INTERNAL_ERROR, XksError.INTERNAL,
                ErrorReason.AUDIT_UNAVAILABLE, XksError.INTERNAL,
                ErrorReason.RATE_LIMITED, XksError.THROTTLING);
        expected.forEach((reason, error) -> assertEquals(error, XksErrors.of(new KmsException(reason, "x")).error(),
                reason.name()));
    }

    @Test
    void refusalsOfThePolicyAreAccessDeniedOrInvalidKeyUsage() {
        assertEquals(XksError.ACCESS_DENIED, XksErrors.of(new AccessRefusal(AccessRefusal.Kind.DENIED_BY_RULE, "m",
                "rules[1]")).error());
        assertEquals(XksError.ACCESS_DENIED, XksErrors.of(new AccessRefusal(AccessRefusal.Kind.CONDITIONS_UNMET, "m"))
                .error());
        assertEquals(XksError.INVALID_KEY_USAGE, XksErrors.of(new AccessRefusal(AccessRefusal.Kind.NOT_PERMITTED, "m"))
                .error());
    }

    @ParameterizedTest
    @EnumSource(XksError.class)
    void everyEdgeErrorIsAuditedAsARefusalOrAFailure(XksError error) {
        ErrorReason reason = XksErrors.auditedReason(new XksException(error, "m"));
        AuditDecision decision = AuditDecision.of(reason);
        switch (error) {
            case AUTHENTICATION_FAILED, ACCESS_DENIED, INVALID_KEY_USAGE, INVALID_STATE, INVALID_CIPHERTEXT, THROTTLING ->
                    assertEquals(AuditDecision.DENIED, decision, error.name());
            case VALIDATION, KEY_NOT_FOUND, INVALID_URI_PATH, UNSUPPORTED_OPERATION ->
                    assertEquals(AuditDecision.INVALID, decision, error.name());
            case DEPENDENCY_TIMEOUT, INTERNAL -> assertEquals(AuditDecision.FAILED, decision, error.name());
        }
    }
}
