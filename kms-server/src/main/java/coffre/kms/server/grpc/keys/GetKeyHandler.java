package coffre.kms.server.grpc.keys;

import coffre.kms.server.keys.KeyLifecycle;
import coffre.kms.server.keys.KeyReference;
import coffre.kms.server.domain.Operation;
import coffre.kms.server.domain.Principal;
import coffre.kms.server.grpc.Reply;
import coffre.kms.server.grpc.UnaryHandler;
import coffre.kms.v1.GetKeyRequest;
import coffre.kms.v1.GetKeyResponse;
import coffre.kms.v1.KeyServiceGrpc;
import io.grpc.MethodDescriptor;

/** {@code KeyService.GetKey}. */
public final class GetKeyHandler implements UnaryHandler<GetKeyRequest, GetKeyResponse> {
    private final KeyLifecycle lifecycle;

    public GetKeyHandler(KeyLifecycle lifecycle) {
        this.lifecycle = lifecycle;
    }

    @Override
    public MethodDescriptor<GetKeyRequest, GetKeyResponse> method() {
        return KeyServiceGrpc.getGetKeyMethod();
    }

    @Override
    public Operation operation() {
        return Operation.GET_KEY;
    }

    @Override
    public Reply<GetKeyResponse> handle(Principal caller, GetKeyRequest request) {
        KeyReference key = KeyReference.parse(request.getKeyId(), "key_id");
        return Reply.of(GetKeyResponse.newBuilder().setKey(KeyMessages.toProto(lifecycle.get(key))).build());
    }
}
