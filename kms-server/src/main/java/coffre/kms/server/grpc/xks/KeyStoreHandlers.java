package coffre.kms.server.grpc.xks;

import coffre.kms.server.approval.Approval;
import coffre.kms.server.approval.ApprovalGate;
import coffre.kms.server.codec.QuorumMessages;
import coffre.kms.server.domain.Operation;
import coffre.kms.server.domain.Principal;
import coffre.kms.server.grpc.OfficerSignatures;
import coffre.kms.server.grpc.Unary;
import coffre.kms.server.grpc.UnaryHandler;
import coffre.kms.server.keystores.ExternalKeyStore;
import coffre.kms.server.keystores.ExternalKeyStores;
import coffre.kms.server.keystores.KeyStorePage;
import coffre.kms.server.keystores.NewCredential;
import coffre.kms.v1.CreateXksKeyStoreOperation;
import coffre.kms.v1.CreateXksKeyStoreRequest;
import coffre.kms.v1.CreateXksKeyStoreResponse;
import coffre.kms.v1.DisableXksKeyStoreRequest;
import coffre.kms.v1.DisableXksKeyStoreResponse;
import coffre.kms.v1.EnableXksKeyStoreResponse;
import coffre.kms.v1.GetXksKeyStoreResponse;
import coffre.kms.v1.ListXksKeyStoresResponse;
import coffre.kms.v1.XksAdminServiceGrpc;
import coffre.kms.v1.XksKeyStore;
import coffre.kms.v1.XksKeyStoreOperation;
import java.util.List;

/**
 * The key stores of {@code XksAdminService}: CreateKeyStore (an approval request, and the first
 * credential's secret, once), GetKeyStore, ListKeyStores, EnableKeyStore (an approval request) and
 * DisableKeyStore (at once, on one officer's signature). One {@link Unary} each.
 */
public final class KeyStoreHandlers {
    private KeyStoreHandlers() {
    }

    public static List<UnaryHandler<?, ?>> all(ExternalKeyStores stores, ApprovalGate approvals) {
        return List.of(
                new Unary<>(XksAdminServiceGrpc.getCreateKeyStoreMethod(), Operation.CREATE_XKS_KEY_STORE,
                        (caller, r) -> create(stores, approvals, caller, r)),
                new Unary<>(XksAdminServiceGrpc.getGetKeyStoreMethod(), Operation.GET_XKS_KEY_STORE, (caller, r) ->
                        GetXksKeyStoreResponse.newBuilder().setKeyStore(proto(stores, stores.get(r.getKeyStoreId())))
                                .build()),
                new Unary<>(XksAdminServiceGrpc.getListKeyStoresMethod(), Operation.LIST_XKS_KEY_STORES, (caller, r) -> {
                    KeyStorePage<ExternalKeyStore> page = stores.list(r.getPageSize(), r.getPageToken());
                    return ListXksKeyStoresResponse.newBuilder()
                            .addAllKeyStores(page.items().stream().map(s -> proto(stores, s)).toList())
                            .setNextPageToken(page.nextPageToken()).build();
                }),
                new Unary<>(XksAdminServiceGrpc.getEnableKeyStoreMethod(), Operation.ENABLE_XKS_KEY_STORE, (caller, r) -> {
                    approvals.requireInitialized();
                    ExternalKeyStore store = stores.get(r.getKeyStoreId());
                    return EnableXksKeyStoreResponse.newBuilder().setApprovalRequest(QuorumMessages.request(approvals.submit(
                            coffre.kms.v1.Operation.newBuilder().setEnableXksKeyStore(
                                    XksKeyStoreOperation.newBuilder().setKeyStoreId(store.id())).build(), caller))).build();
                }),
                new Unary<>(XksAdminServiceGrpc.getDisableKeyStoreMethod(), Operation.DISABLE_XKS_KEY_STORE,
                        (caller, r) -> disable(stores, approvals, r)));
    }

    /**
     * Checks the store, makes its first credential (secret into the HSM, pending), asks officers,
     * and answers with the request and the secret; if no request could be made, the credential is
     * discarded. The secret is in this answer only.
     */
    static CreateXksKeyStoreResponse create(ExternalKeyStores stores, ApprovalGate approvals, Principal caller,
                                            CreateXksKeyStoreRequest request) {
        approvals.requireInitialized();
        try (NewCredential credential = stores.requestKeyStore(request.getName(), request.getUriPath(), request.getRegion())) {
            Approval approval;
            try {
                approval = approvals.submit(coffre.kms.v1.Operation.newBuilder().setCreateXksKeyStore(
                        CreateXksKeyStoreOperation.newBuilder()
                                .setKeyStoreId(credential.keyStoreId())
                                .setName(request.getName())
                                .setUriPath(request.getUriPath())
                                .setRegion(request.getRegion())
                                .setAccessKeyId(credential.accessKeyId())).build(), caller);
            } catch (RuntimeException e) {
                stores.discard(credential);
                throw e;
            }
            return CreateXksKeyStoreResponse.newBuilder()
                    .setApprovalRequest(QuorumMessages.request(approval))
                    .setKeyStoreId(credential.keyStoreId())
                    .setCredential(XksMessages.secret(credential))
                    .build();
        }
    }

    /**
     * The XKS kill switch: one active officer's signature, and the store refuses the very next
     * AWS call on every node. The signature covers the key store id exactly as sent.
     */
    static DisableXksKeyStoreResponse disable(ExternalKeyStores stores, ApprovalGate approvals,
                                              DisableXksKeyStoreRequest request) {
        approvals.requireInitialized();
        stores.get(request.getKeyStoreId());
        approvals.verifyActNow(coffre.kms.v1.Operation.newBuilder().setDisableXksKeyStore(
                        XksKeyStoreOperation.newBuilder().setKeyStoreId(request.getKeyStoreId())).build(),
                OfficerSignatures.required(request.hasSignature(), request.getSignature()));
        return DisableXksKeyStoreResponse.newBuilder()
                .setKeyStore(proto(stores, stores.disable(request.getKeyStoreId()))).build();
    }

    static XksKeyStore proto(ExternalKeyStores stores, ExternalKeyStore store) {
        return XksMessages.toProto(store, stores.credentials(store.id()));
    }
}
