package coffre.kms.server.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.Operation;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class AuditEventTypeTest {

    @ParameterizedTest
    @EnumSource(Operation.class)
    void everyOperationHasARequestEventType(Operation operation) {
        AuditEventType type = AuditEventType.of(operation);
        assertEquals(operation.name(), type.name());
        assertFalse(type.isSystem());
    }

    @ParameterizedTest
    @EnumSource(AuditEventType.class)
    void everyTypeIsAnOperationAnXksCallADkeCallOrASystemAction(AuditEventType type) {
        boolean isOperation = Arrays.stream(Operation.values()).anyMatch(o -> o.name().equals(type.name()));
        assertEquals(1, (isOperation ? 1 : 0) + (type.isXks() ? 1 : 0) + (type.isDke() ? 1 : 0)
                + (type.isSystem() ? 1 : 0), type.name());
        assertEquals(type.name().startsWith("XKS_"), type.isXks(), type.name());
        assertEquals(type.name().startsWith("DKE_"), type.isDke(), type.name());
    }

    @ParameterizedTest
    @EnumSource(ErrorReason.class)
    void everyErrorReasonHasADecisionOtherThanAllowed(ErrorReason reason) {
        AuditDecision decision = AuditDecision.of(reason);
        assertNotNull(decision);
        assertTrue(decision != AuditDecision.ALLOWED);
    }

    @ParameterizedTest
    @EnumSource(value = ErrorReason.class, names = {"PERMISSION_DENIED", "UNAUTHENTICATED_PRINCIPAL", "RATE_LIMITED",
            "DECRYPTION_FAILED", "INVALID_SIGNATURE", "KEY_DISABLED", "CONTEXT_NOT_ALLOWED"})
    void refusalsBySecurityRulesAreDenials(ErrorReason reason) {
        assertEquals(AuditDecision.DENIED, AuditDecision.of(reason));
    }

    @ParameterizedTest
    @EnumSource(value = ErrorReason.class, names = {"HSM_UNAVAILABLE", "STORE_UNAVAILABLE", "AUDIT_UNAVAILABLE", "INTERNAL_ERROR"})
    void serverSideFailuresAreFailures(ErrorReason reason) {
        assertEquals(AuditDecision.FAILED, AuditDecision.of(reason));
    }
}
