package coffre.kms.server.grpc.dke;

import coffre.kms.server.approval.ApprovalGate;
import coffre.kms.server.approval.SignedDocumentCodec;
import coffre.kms.server.codec.QuorumMessages;
import coffre.kms.server.domain.Operation;
import coffre.kms.server.grpc.OfficerSignatures;
import coffre.kms.server.grpc.Unary;
import coffre.kms.server.grpc.UnaryHandler;
import coffre.kms.server.keystores.DkeKeyMapping;
import coffre.kms.server.keystores.DkeKeyMappings;
import coffre.kms.server.keystores.KeyStorePage;
import coffre.kms.v1.DkeAdminServiceGrpc;
import coffre.kms.v1.DkeKeyMappingOperation;
import coffre.kms.v1.ListDkeKeyMappingsResponse;
import coffre.kms.v1.MapDkeKeyResponse;
import coffre.kms.v1.UnmapDkeKeyRequest;
import coffre.kms.v1.UnmapDkeKeyResponse;
import java.util.List;

/**
 * Every RPC of {@code DkeAdminService}: MapKey (an approval request, the key resolved to its id
 * now), UnmapKey (at once, on one officer's signature) and ListKeyMappings — the same shape as the
 * XKS key mappings of {@code XksAdminService}.
 */
public final class DkeAdminHandlers {
    private DkeAdminHandlers() {
    }

    public static List<UnaryHandler<?, ?>> all(DkeKeyMappings names, ApprovalGate approvals) {
        return List.of(
                new Unary<>(DkeAdminServiceGrpc.getMapKeyMethod(), Operation.MAP_DKE_KEY, (caller, r) -> {
                    approvals.requireInitialized();
                    DkeKeyMapping proposed = names.requestMapping(r.getKeyName(), r.getKeyId());
                    return MapDkeKeyResponse.newBuilder().setApprovalRequest(QuorumMessages.request(approvals.submit(
                            coffre.kms.v1.Operation.newBuilder().setMapDkeKey(DkeKeyMappingOperation.newBuilder()
                                    .setKeyName(proposed.keyName())
                                    .setKeyId(proposed.keyId().value())).build(), caller))).build();
                }),
                new Unary<>(DkeAdminServiceGrpc.getUnmapKeyMethod(), Operation.UNMAP_DKE_KEY,
                        (caller, r) -> unmap(names, approvals, r)),
                new Unary<>(DkeAdminServiceGrpc.getListKeyMappingsMethod(), Operation.LIST_DKE_KEY_MAPPINGS,
                        (caller, r) -> {
                            KeyStorePage<DkeKeyMapping> page = names.list(r.getPageSize(), r.getPageToken());
                            return ListDkeKeyMappingsResponse.newBuilder()
                                    .addAllMappings(page.items().stream().map(DkeAdminHandlers::toProto).toList())
                                    .setNextPageToken(page.nextPageToken()).build();
                        }));
    }

    /**
     * Narrowing: the name stops serving on every node at once. The signature covers the key name
     * exactly as sent (the operation's key id is empty).
     */
    static UnmapDkeKeyResponse unmap(DkeKeyMappings names, ApprovalGate approvals, UnmapDkeKeyRequest request) {
        approvals.requireInitialized();
        names.checkUnmap(request.getKeyName());
        approvals.verifyActNow(coffre.kms.v1.Operation.newBuilder().setUnmapDkeKey(DkeKeyMappingOperation.newBuilder()
                        .setKeyName(request.getKeyName())).build(),
                OfficerSignatures.required(request.hasSignature(), request.getSignature()));
        return UnmapDkeKeyResponse.newBuilder().setMapping(toProto(names.unmap(request.getKeyName()))).build();
    }

    static coffre.kms.v1.DkeKeyMapping toProto(DkeKeyMapping mapping) {
        return coffre.kms.v1.DkeKeyMapping.newBuilder()
                .setKeyName(mapping.keyName())
                .setKeyId(mapping.keyId().value())
                .setCreateTime(SignedDocumentCodec.timestamp(mapping.createTime()))
                .build();
    }
}
