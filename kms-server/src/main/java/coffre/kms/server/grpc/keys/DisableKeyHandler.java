package coffre.kms.server.grpc.keys;

import coffre.kms.server.domain.KeyLifecycle;
import coffre.kms.server.domain.KeyReference;
import coffre.kms.server.domain.Operation;
import coffre.kms.server.domain.Principal;
import coffre.kms.server.grpc.Reply;
import coffre.kms.server.grpc.UnaryHandler;
import coffre.kms.v1.DisableKeyRequest;
import coffre.kms.v1.DisableKeyResponse;
import coffre.kms.v1.KeyServiceGrpc;
import io.grpc.MethodDescriptor;

/** {@code KeyService.DisableKey}. */
public final class DisableKeyHandler implements UnaryHandler<DisableKeyRequest, DisableKeyResponse> {
    private final KeyLifecycle lifecycle;

    public DisableKeyHandler(KeyLifecycle lifecycle) {
        this.lifecycle = lifecycle;
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
        KeyReference key = KeyReference.parse(request.getKeyId(), "key_id");
        return Reply.of(DisableKeyResponse.newBuilder().setKey(KeyMessages.toProto(lifecycle.disable(key))).build());
    }
}
