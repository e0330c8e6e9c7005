package coffre.kms.server.grpc.keys;

import coffre.kms.server.domain.KeyLifecycle;
import coffre.kms.server.domain.KeyReference;
import coffre.kms.server.domain.Operation;
import coffre.kms.server.domain.Principal;
import coffre.kms.server.grpc.Reply;
import coffre.kms.server.grpc.UnaryHandler;
import coffre.kms.v1.CancelKeyDeletionRequest;
import coffre.kms.v1.CancelKeyDeletionResponse;
import coffre.kms.v1.KeyServiceGrpc;
import io.grpc.MethodDescriptor;

/** {@code KeyService.CancelKeyDeletion}. */
public final class CancelKeyDeletionHandler implements UnaryHandler<CancelKeyDeletionRequest, CancelKeyDeletionResponse> {
    private final KeyLifecycle lifecycle;

    public CancelKeyDeletionHandler(KeyLifecycle lifecycle) {
        this.lifecycle = lifecycle;
    }

    @Override
    public MethodDescriptor<CancelKeyDeletionRequest, CancelKeyDeletionResponse> method() {
        return KeyServiceGrpc.getCancelKeyDeletionMethod();
    }

    @Override
    public Operation operation() {
        return Operation.CANCEL_KEY_DELETION;
    }

    @Override
    public Reply<CancelKeyDeletionResponse> handle(Principal caller, CancelKeyDeletionRequest request) {
        KeyReference key = KeyReference.parse(request.getKeyId(), "key_id");
        return Reply.of(CancelKeyDeletionResponse.newBuilder().setKey(KeyMessages.toProto(lifecycle.cancelDeletion(key))).build());
    }
}
