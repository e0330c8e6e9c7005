package coffre.kms.server.grpc.keys;

import coffre.kms.server.domain.KeyLifecycle;
import coffre.kms.server.domain.KeyReference;
import coffre.kms.server.domain.Operation;
import coffre.kms.server.domain.Principal;
import coffre.kms.server.grpc.Reply;
import coffre.kms.server.grpc.UnaryHandler;
import coffre.kms.v1.RotateKeyRequest;
import coffre.kms.v1.RotateKeyResponse;
import coffre.kms.v1.KeyServiceGrpc;
import io.grpc.MethodDescriptor;

/** {@code KeyService.RotateKey}. */
public final class RotateKeyHandler implements UnaryHandler<RotateKeyRequest, RotateKeyResponse> {
    private final KeyLifecycle lifecycle;

    public RotateKeyHandler(KeyLifecycle lifecycle) {
        this.lifecycle = lifecycle;
    }

    @Override
    public MethodDescriptor<RotateKeyRequest, RotateKeyResponse> method() {
        return KeyServiceGrpc.getRotateKeyMethod();
    }

    @Override
    public Operation operation() {
        return Operation.ROTATE_KEY;
    }

    @Override
    public Reply<RotateKeyResponse> handle(Principal caller, RotateKeyRequest request) {
        KeyReference key = KeyReference.parse(request.getKeyId(), "key_id");
        return Reply.of(RotateKeyResponse.newBuilder().setKey(KeyMessages.toProto(lifecycle.rotate(key))).build());
    }
}
