package coffre.kms.server.grpc.xks;

import coffre.kms.server.approval.ApprovalGate;
import coffre.kms.server.grpc.UnaryHandler;
import coffre.kms.server.keystores.ExternalKeyStores;
import java.util.ArrayList;
import java.util.List;

/** Every RPC of {@code XksAdminService}, for the wiring to bind in one go. */
public final class XksAdminHandlers {
    private XksAdminHandlers() {
    }

    public static List<UnaryHandler<?, ?>> all(ExternalKeyStores stores, ApprovalGate approvals) {
        List<UnaryHandler<?, ?>> all = new ArrayList<>();
        all.addAll(KeyStoreHandlers.all(stores, approvals));
        all.addAll(CredentialHandlers.all(stores, approvals));
        all.addAll(KeyMappingHandlers.all(stores, approvals));
        return List.copyOf(all);
    }
}
