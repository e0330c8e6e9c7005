package coffre.kms.server.access;

import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.domain.Operation;
import coffre.kms.server.domain.Principal;
import coffre.kms.server.domain.PrincipalPattern;
import java.util.List;

/**
 * The coarse gate at the service edge, from the server configuration: which principals may call
 * which services at all. Administrators request changes, officers (and administrators) review and
 * carry signed decisions, clients use keys. Finer decisions — a key's access policy and grants,
 * and the officers' signatures that every change needs — are made behind this gate.
 */
public final class AccessControl {
    private final List<PrincipalPattern> administrators;
    private final List<PrincipalPattern> officers;
    private final List<PrincipalPattern> clients;

    public AccessControl(List<PrincipalPattern> administrators, List<PrincipalPattern> officers,
                         List<PrincipalPattern> clients) {
        this.administrators = List.copyOf(administrators);
        this.officers = List.copyOf(officers);
        this.clients = List.copyOf(clients);
    }

    /** @throws KmsException {@link ErrorReason#PERMISSION_DENIED} when not allowed */
    public void check(Principal principal, Operation operation) {
        boolean allowed = switch (operation.kind()) {
            case DATA -> matches(clients, principal);
            case ADMIN -> matches(administrators, principal);
            case OFFICER -> matches(administrators, principal) || matches(officers, principal);
        };
        if (allowed) {
            return;
        }
        throw new KmsException(ErrorReason.PERMISSION_DENIED,
                "principal " + principal + " may not perform " + operation);
    }

    private static boolean matches(List<PrincipalPattern> patterns, Principal principal) {
        for (PrincipalPattern pattern : patterns) {
            if (pattern.matches(principal)) {
                return true;
            }
        }
        return false;
    }
}
