package coffre.kms.server.access;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.domain.Operation;
import coffre.kms.server.domain.Principal;
import coffre.kms.server.domain.PrincipalPattern;
import java.util.List;
import org.junit.jupiter.api.Test;

class AccessControlTest {

    @Test
    void globsMatchWholeNamesOnly() {
        PrincipalPattern pattern = PrincipalPattern.of("spiffe://coffre.dev/service/*");
        assertTrue(pattern.matches(new Principal("spiffe://coffre.dev/service/billing")));
        assertTrue(pattern.matches(new Principal("spiffe://coffre.dev/service/a/b")));
        assertFalse(pattern.matches(new Principal("spiffe://coffre.dev/admin")));
        assertFalse(pattern.matches(new Principal("xspiffe://coffre.dev/service/billing")));
        assertTrue(PrincipalPattern.of("svc-?").matches(new Principal("svc-1")));
        assertFalse(PrincipalPattern.of("svc-?").matches(new Principal("svc-12")));
        // regex metacharacters are literal
        assertFalse(PrincipalPattern.of("a.b").matches(new Principal("axb")));
    }

    @Test
    void administratorsManageAndClientsUse() {
        AccessControl access = new AccessControl(List.of(PrincipalPattern.of("admin")),
                List.of(PrincipalPattern.of("officer-*")), List.of(PrincipalPattern.of("svc-*")));
        assertDoesNotThrow(() -> access.check(new Principal("admin"), Operation.CREATE_KEY));
        assertDoesNotThrow(() -> access.check(new Principal("svc-1"), Operation.UNWRAP));
        assertEquals(ErrorReason.PERMISSION_DENIED, assertThrows(KmsException.class,
                () -> access.check(new Principal("admin"), Operation.UNWRAP)).reason());
        assertEquals(ErrorReason.PERMISSION_DENIED, assertThrows(KmsException.class,
                () -> access.check(new Principal("svc-1"), Operation.DISABLE_KEY)).reason());
        assertDoesNotThrow(() -> access.check(new Principal("officer-a"), Operation.VOTE));
        assertDoesNotThrow(() -> access.check(new Principal("admin"), Operation.VOTE));
        assertEquals(ErrorReason.PERMISSION_DENIED, assertThrows(KmsException.class,
                () -> access.check(new Principal("officer-a"), Operation.CREATE_KEY)).reason());
    }
}
