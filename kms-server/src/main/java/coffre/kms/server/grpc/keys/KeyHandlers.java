package coffre.kms.server.grpc.keys;

import coffre.kms.server.approval.ApprovalGate;
import coffre.kms.server.approval.SignedDocumentCodec;
import coffre.kms.server.codec.QuorumMessages;

import coffre.kms.server.domain.Operation;
import coffre.kms.server.domain.Principal;
import coffre.kms.server.grpc.OfficerSignatures;
import coffre.kms.server.grpc.Unary;
import coffre.kms.server.grpc.UnaryHandler;
import coffre.kms.server.keys.Alias;
import coffre.kms.server.keys.KeyAccessPolicy;
import coffre.kms.server.keys.KeyAttributes;
import coffre.kms.server.keys.KeyLifecycle;
import coffre.kms.server.keys.KeyReference;
import coffre.kms.v1.CreateKeyOperation;
import coffre.kms.v1.CreateKeyRequest;
import coffre.kms.v1.CreateKeyResponse;
import coffre.kms.v1.DisableKeyRequest;
import coffre.kms.v1.DisableKeyResponse;
import coffre.kms.v1.GetKeyResponse;
import coffre.kms.v1.KeyOperation;
import coffre.kms.v1.KeyServiceGrpc;
import java.util.List;

/**
 * {@code KeyService.CreateKey}, {@code GetKey} and {@code DisableKey}: one {@link Unary} each, whose
 * body is the method below (the calls on an existing key that officers approve are
 * {@link KeyChangeHandlers}; {@code ListKeys} is {@link ListKeysHandler}).
 */
public final class KeyHandlers {
    private KeyHandlers() {
    }

    public static List<UnaryHandler<?, ?>> all(KeyLifecycle lifecycle, ApprovalGate approvals) {
        return List.of(
                new Unary<>(KeyServiceGrpc.getCreateKeyMethod(), Operation.CREATE_KEY,
                        (caller, r) -> createKey(lifecycle, approvals, caller, r)),
                new Unary<>(KeyServiceGrpc.getGetKeyMethod(), Operation.GET_KEY, (caller, r) -> GetKeyResponse.newBuilder()
                        .setKey(KeyMessages.toProto(lifecycle.get(KeyReference.parse(r.getKeyId(), "key_id")))).build()),
                new Unary<>(KeyServiceGrpc.getDisableKeyMethod(), Operation.DISABLE_KEY,
                        (caller, r) -> disableKey(lifecycle, approvals, r)));
    }

    /**
     * Validates everything now (so a bad request fails at once rather than after officers approved
     * it) and answers with the approval request; the key is generated in the HSM when officers
     * approve, and its id is the request's result.
     */
    static CreateKeyResponse createKey(KeyLifecycle lifecycle, ApprovalGate approvals, Principal caller,
                                       CreateKeyRequest request) {
        approvals.requireInitialized();
        Alias alias = request.getAlias().isEmpty() ? null : new Alias(request.getAlias());
        // Description and labels first, then the policy, then the spec and usage (and whether the
        // policy fits them): the order in which the API reports errors.
        new KeyAttributes(alias, request.getDescription(), request.getLabelsMap());
        KeyAccessPolicy policy = SignedDocumentCodec.accessPolicy(request.getAccessPolicy());
        new KeyAttributes(alias, request.getDescription(), request.getLabelsMap(), policy,
                request.getApprovalPolicy().getRequireUnwrapApproval(),
                SignedDocumentCodec.keySpec(request.getKeySpec(), request.getKeySpecValue()),
                SignedDocumentCodec.keyUsage(request.getKeyUsage(), request.getKeyUsageValue()));
        lifecycle.requireAliasFree(alias);
        coffre.kms.v1.Operation create = coffre.kms.v1.Operation.newBuilder().setCreateKey(CreateKeyOperation.newBuilder()
                .setAlias(request.getAlias())
                .setDescription(request.getDescription())
                .putAllLabels(request.getLabelsMap())
                .setAccessPolicy(request.getAccessPolicy())
                .setApprovalPolicy(request.getApprovalPolicy())
                .setKeySpecValue(request.getKeySpecValue())
                .setKeyUsageValue(request.getKeyUsageValue())).build();
        return CreateKeyResponse.newBuilder()
                .setApprovalRequest(QuorumMessages.request(approvals.submit(create, caller))).build();
    }

    /**
     * The kill switch: one active officer's signature, and the key refuses the very next call. The
     * signature covers the key id exactly as sent (id or alias).
     */
    static DisableKeyResponse disableKey(KeyLifecycle lifecycle, ApprovalGate approvals, DisableKeyRequest request) {
        approvals.requireInitialized();
        KeyReference key = KeyReference.parse(request.getKeyId(), "key_id");
        approvals.verifyActNow(coffre.kms.v1.Operation.newBuilder()
                        .setDisableKey(KeyOperation.newBuilder().setKeyId(request.getKeyId())).build(),
                OfficerSignatures.required(request.hasSignature(), request.getSignature()));
        return DisableKeyResponse.newBuilder().setKey(KeyMessages.toProto(lifecycle.disable(key))).build();
    }
}
