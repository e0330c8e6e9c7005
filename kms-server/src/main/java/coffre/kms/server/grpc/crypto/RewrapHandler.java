package coffre.kms.server.grpc.crypto;

import coffre.kms.server.crypto.CryptoOperations;
import coffre.kms.server.keys.KeyReference;
import coffre.kms.server.domain.Operation;
import coffre.kms.server.domain.Principal;
import coffre.kms.server.grpc.Reply;
import coffre.kms.server.grpc.UnaryHandler;
import coffre.kms.v1.CryptoServiceGrpc;
import coffre.kms.v1.RewrapRequest;
import coffre.kms.v1.RewrapResponse;
import com.google.protobuf.ByteString;
import io.grpc.MethodDescriptor;

/** {@code CryptoService.Rewrap}: the plaintext stays inside the server and is zeroed. */
public final class RewrapHandler implements UnaryHandler<RewrapRequest, RewrapResponse> {
    private final CryptoOperations crypto;

    public RewrapHandler(CryptoOperations crypto) {
        this.crypto = crypto;
    }

    @Override
    public MethodDescriptor<RewrapRequest, RewrapResponse> method() {
        return CryptoServiceGrpc.getRewrapMethod();
    }

    @Override
    public Operation operation() {
        return Operation.REWRAP;
    }

    @Override
    public Reply<RewrapResponse> handle(Principal caller, RewrapRequest request) {
        KeyReference target = request.getTargetKeyId().isEmpty()
                ? null : KeyReference.parse(request.getTargetKeyId(), "target_key_id");
        CryptoOperations.Rewrapped rewrapped = crypto.rewrap(caller, request.getEnvelope().toByteArray(),
                request.getEncryptionContextMap(), target);
        return Reply.of(RewrapResponse.newBuilder()
                .setEnvelope(ByteString.copyFrom(rewrapped.wrapped().envelope()))
                .setKeyId(rewrapped.wrapped().keyId().value())
                .setKeyVersion(rewrapped.wrapped().keyVersion())
                .setSourceKeyId(rewrapped.sourceKeyId().value())
                .setSourceKeyVersion(rewrapped.sourceKeyVersion())
                .build());
    }
}
