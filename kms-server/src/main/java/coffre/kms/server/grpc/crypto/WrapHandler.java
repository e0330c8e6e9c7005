package coffre.kms.server.grpc.crypto;

import coffre.kms.server.crypto.CryptoOperations;
import coffre.kms.server.keys.KeyReference;
import coffre.kms.server.domain.Operation;
import coffre.kms.server.domain.Principal;
import coffre.kms.server.grpc.Reply;
import coffre.kms.server.grpc.UnaryHandler;
import coffre.kms.v1.CryptoServiceGrpc;
import coffre.kms.v1.WrapRequest;
import coffre.kms.v1.WrapResponse;
import com.google.protobuf.ByteString;
import io.grpc.MethodDescriptor;
import java.util.Arrays;

/** {@code CryptoService.Wrap}. */
public final class WrapHandler implements UnaryHandler<WrapRequest, WrapResponse> {
    private final CryptoOperations crypto;

    public WrapHandler(CryptoOperations crypto) {
        this.crypto = crypto;
    }

    @Override
    public MethodDescriptor<WrapRequest, WrapResponse> method() {
        return CryptoServiceGrpc.getWrapMethod();
    }

    @Override
    public Operation operation() {
        return Operation.WRAP;
    }

    @Override
    public Reply<WrapResponse> handle(Principal caller, WrapRequest request) {
        KeyReference key = KeyReference.parse(request.getKeyId(), "key_id");
        byte[] plaintext = request.getPlaintext().toByteArray();
        try {
            CryptoOperations.Wrapped wrapped = crypto.wrap(caller, key, plaintext, request.getEncryptionContextMap());
            return Reply.of(WrapResponse.newBuilder()
                    .setEnvelope(ByteString.copyFrom(wrapped.envelope()))
                    .setKeyId(wrapped.keyId().value())
                    .setKeyVersion(wrapped.keyVersion())
                    .build());
        } finally {
            Arrays.fill(plaintext, (byte) 0);
        }
    }
}
