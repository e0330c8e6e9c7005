package coffre.kms.server.grpc.keys;

import coffre.kms.server.domain.KeyLifecycle;
import coffre.kms.server.domain.KeyReference;
import coffre.kms.server.domain.Operation;
import coffre.kms.server.domain.Principal;
import coffre.kms.server.grpc.Reply;
import coffre.kms.server.grpc.UnaryHandler;
import coffre.kms.v1.EnableKeyRequest;
import coffre.kms.v1.EnableKeyResponse;
import coffre.kms.v1.KeyServiceGrpc;
import io.grpc.MethodDescriptor;

/** {@code KeyService.EnableKey}. */
public final class EnableKeyHandler implements UnaryHandler<EnableKeyRequest, EnableKeyResponse> {
    private final KeyLifecycle lifecycle;

    public EnableKeyHandler(KeyLifecycle lifecycle) {
        this.lifecycle = lifecycle;
    }

    @Override
    public MethodDescriptor<EnableKeyRequest, EnableKeyResponse> method() {
        return KeyServiceGrpc.getEnableKeyMethod();
    }

    @Override
    public Operation operation() {
        return Operation.ENABLE_KEY;
    }

    @Override
    public Reply<EnableKeyResponse> handle(Principal caller, EnableKeyRequest request) {
        KeyReference key = KeyReference.parse(request.getKeyId(), "key_id");
        return Reply.of(EnableKeyResponse.newBuilder().setKey(KeyMessages.toProto(lifecycle.enable(key))).build());
    }
}
