package coffre.kms.server.domain;

import java.util.List;

/**
 * Decides whether a principal may perform an operation. For now the rule comes from the server
 * configuration: administrators manage keys, clients use them; per-key access policies and
 * officer approval come with the quorum work.
 */
public final class AccessControl {
    private final List<PrincipalPattern> administrators;
    private final List<PrincipalPattern> clients;

    public AccessControl(List<PrincipalPattern> administrators, List<PrincipalPattern> clients) {
        this.administrators = List.copyOf(administrators);
        this.clients = List.copyOf(clients);
    }

    /** @throws KmsException {@link ErrorReason#PERMISSION_DENIED} when not allowed */
    public void check(Principal principal, Operation operation) {
        List<PrincipalPattern> allowed = operation.kind() == Operation.Kind.ADMIN ? administrators : clients;
        for (PrincipalPattern pattern : allowed) {
            if (pattern.matches(principal)) {
                return;
            }
        }
        throw new KmsException(ErrorReason.PERMISSION_DENIED,
                "principal " + principal + " may not perform " + operation);
    }
}
