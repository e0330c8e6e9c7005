package coffre.kms.server.grpc.keys;

import coffre.kms.server.domain.Alias;
import coffre.kms.server.domain.KeyAttributes;
import coffre.kms.server.domain.KeyLifecycle;
import coffre.kms.server.domain.Operation;
import coffre.kms.server.domain.Principal;
import coffre.kms.server.grpc.Reply;
import coffre.kms.server.grpc.UnaryHandler;
import coffre.kms.v1.CreateKeyRequest;
import coffre.kms.v1.CreateKeyResponse;
import coffre.kms.v1.KeyServiceGrpc;
import io.grpc.MethodDescriptor;

/** {@code KeyService.CreateKey}. */
public final class CreateKeyHandler implements UnaryHandler<CreateKeyRequest, CreateKeyResponse> {
    private final KeyLifecycle lifecycle;

    public CreateKeyHandler(KeyLifecycle lifecycle) {
        this.lifecycle = lifecycle;
    }

    @Override
    public MethodDescriptor<CreateKeyRequest, CreateKeyResponse> method() {
        return KeyServiceGrpc.getCreateKeyMethod();
    }

    @Override
    public Operation operation() {
        return Operation.CREATE_KEY;
    }

    @Override
    public Reply<CreateKeyResponse> handle(Principal caller, CreateKeyRequest request) {
        Alias alias = request.getAlias().isEmpty() ? null : new Alias(request.getAlias());
        KeyAttributes attributes = new KeyAttributes(alias, request.getDescription(), request.getLabelsMap());
        return Reply.of(CreateKeyResponse.newBuilder().setKey(KeyMessages.toProto(lifecycle.create(attributes))).build());
    }
}
