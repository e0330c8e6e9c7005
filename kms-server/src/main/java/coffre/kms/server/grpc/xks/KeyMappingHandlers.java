package coffre.kms.server.grpc.xks;

import coffre.kms.server.approval.ApprovalGate;
import coffre.kms.server.codec.QuorumMessages;
import coffre.kms.server.domain.Operation;
import coffre.kms.server.grpc.OfficerSignatures;
import coffre.kms.server.grpc.Unary;
import coffre.kms.server.grpc.UnaryHandler;
import coffre.kms.server.keystores.ExternalKeyMapping;
import coffre.kms.server.keystores.ExternalKeyStores;
import coffre.kms.server.keystores.KeyStorePage;
import coffre.kms.v1.ListXksKeyMappingsResponse;
import coffre.kms.v1.MapXksKeyResponse;
import coffre.kms.v1.UnmapXksKeyRequest;
import coffre.kms.v1.UnmapXksKeyResponse;
import coffre.kms.v1.XksAdminServiceGrpc;
import coffre.kms.v1.XksKeyMappingOperation;
import java.util.List;

/**
 * External key ids of {@code XksAdminService}: MapKey (an approval request, the key resolved to
 * its id now), UnmapKey (at once, on one officer's signature) and ListKeyMappings.
 */
public final class KeyMappingHandlers {
    private KeyMappingHandlers() {
    }

    public static List<UnaryHandler<?, ?>> all(ExternalKeyStores stores, ApprovalGate approvals) {
        return List.of(
                new Unary<>(XksAdminServiceGrpc.getMapKeyMethod(), Operation.MAP_XKS_KEY, (caller, r) -> {
                    approvals.requireInitialized();
                    ExternalKeyMapping proposed = stores.requestMapping(r.getKeyStoreId(), r.getExternalKeyId(), r.getKeyId());
                    return MapXksKeyResponse.newBuilder().setApprovalRequest(QuorumMessages.request(approvals.submit(
                            coffre.kms.v1.Operation.newBuilder().setMapXksKey(XksKeyMappingOperation.newBuilder()
                                    .setKeyStoreId(proposed.keyStoreId())
                                    .setExternalKeyId(proposed.externalKeyId())
                                    .setKeyId(proposed.keyId().value())).build(), caller))).build();
                }),
                new Unary<>(XksAdminServiceGrpc.getUnmapKeyMethod(), Operation.UNMAP_XKS_KEY,
                        (caller, r) -> unmap(stores, approvals, r)),
                new Unary<>(XksAdminServiceGrpc.getListKeyMappingsMethod(), Operation.LIST_XKS_KEY_MAPPINGS, (caller, r) -> {
                    KeyStorePage<ExternalKeyMapping> page = stores.mappings(r.getKeyStoreId(), r.getPageSize(),
                            r.getPageToken());
                    return ListXksKeyMappingsResponse.newBuilder()
                            .addAllMappings(page.items().stream().map(XksMessages::toProto).toList())
                            .setNextPageToken(page.nextPageToken()).build();
                }));
    }

    /**
     * Narrowing: the external key id stops resolving on every node at once. The signature covers
     * the key store id and external key id exactly as sent (the operation's key id is empty).
     */
    static UnmapXksKeyResponse unmap(ExternalKeyStores stores, ApprovalGate approvals, UnmapXksKeyRequest request) {
        approvals.requireInitialized();
        stores.checkUnmap(request.getKeyStoreId(), request.getExternalKeyId());
        approvals.verifyActNow(coffre.kms.v1.Operation.newBuilder().setUnmapXksKey(XksKeyMappingOperation.newBuilder()
                        .setKeyStoreId(request.getKeyStoreId()).setExternalKeyId(request.getExternalKeyId())).build(),
                OfficerSignatures.required(request.hasSignature(), request.getSignature()));
        return UnmapXksKeyResponse.newBuilder()
                .setMapping(XksMessages.toProto(stores.unmap(request.getKeyStoreId(), request.getExternalKeyId()))).build();
    }
}
