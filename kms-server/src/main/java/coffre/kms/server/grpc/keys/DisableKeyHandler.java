package coffre.kms.server.grpc.keys;

import coffre.kms.server.approval.ApprovalGate;
import coffre.kms.server.keys.KeyLifecycle;
import coffre.kms.server.keys.KeyReference;
import coffre.kms.server.domain.Operation;
import coffre.kms.server.domain.Principal;
import coffre.kms.server.grpc.OfficerSignatures;
import coffre.kms.server.grpc.Reply;
import coffre.kms.server.grpc.UnaryHandler;
import coffre.kms.v1.DisableKeyRequest;
import coffre.kms.v1.DisableKeyResponse;
import coffre.kms.v1.KeyOperation;
import coffre.kms.v1.KeyServiceGrpc;
import io.grpc.MethodDescriptor;

/**
 * {@code KeyService.DisableKey}, the kill switch: one active officer's signature, and the key
 * refuses the very next call. The signature covers the key id exactly as sent (id or alias).
 */
public final class DisableKeyHandler implements UnaryHandler<DisableKeyRequest, DisableKeyResponse> {
    private final KeyLifecycle lifecycle;
    private final ApprovalGate approvals;

    public DisableKeyHandler(KeyLifecycle lifecycle, ApprovalGate approvals) {
        this.lifecycle = lifecycle;
        this.approvals = approvals;
    }

    @Override
    public MethodDescriptor<DisableKeyRequest, DisableKeyResponse> method() {
        return KeyServiceGrpc.getDisableKeyMethod();
    }

    @Override
    public Operation operation() {
        return Operation.DISABLE_KEY;
    }

    @Override
    public Reply<DisableKeyResponse> handle(Principal caller, DisableKeyRequest request) {
        approvals.requireInitialized();
        KeyReference key = KeyReference.parse(request.getKeyId(), "key_id");
        approvals.verifyActNow(coffre.kms.v1.Operation.newBuilder()
                        .setDisableKey(KeyOperation.newBuilder().setKeyId(request.getKeyId())).build(),
                OfficerSignatures.required(request.hasSignature(), request.getSignature()));
        return Reply.of(DisableKeyResponse.newBuilder().setKey(KeyMessages.toProto(lifecycle.disable(key))).build());
    }
}
