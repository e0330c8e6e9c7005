package coffre.kms.server.grpc.crypto;

import coffre.kms.server.crypto.CryptoOperations;
import coffre.kms.server.keys.KeyReference;
import coffre.kms.server.domain.Operation;
import coffre.kms.server.domain.Principal;
import coffre.kms.server.grpc.Reply;
import coffre.kms.server.grpc.UnaryHandler;
import coffre.kms.v1.CryptoServiceGrpc;
import coffre.kms.v1.GenerateDataKeyRequest;
import coffre.kms.v1.GenerateDataKeyResponse;
import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.MethodDescriptor;

/** {@code CryptoService.GenerateDataKey}. The plaintext is zeroed once the reply is written. */
public final class GenerateDataKeyHandler implements UnaryHandler<GenerateDataKeyRequest, GenerateDataKeyResponse> {
    private final CryptoOperations crypto;

    public GenerateDataKeyHandler(CryptoOperations crypto) {
        this.crypto = crypto;
    }

    @Override
    public MethodDescriptor<GenerateDataKeyRequest, GenerateDataKeyResponse> method() {
        return CryptoServiceGrpc.getGenerateDataKeyMethod();
    }

    @Override
    public Operation operation() {
        return Operation.GENERATE_DATA_KEY;
    }

    @Override
    public Reply<GenerateDataKeyResponse> handle(Principal caller, GenerateDataKeyRequest request) {
        KeyReference key = KeyReference.parse(request.getKeyId(), "key_id");
        CryptoOperations.DataKey dataKey = crypto.generateDataKey(caller, key, request.getLengthBytes(),
                request.getEncryptionContextMap());
        return Reply.withSecret(GenerateDataKeyResponse.newBuilder()
                .setPlaintext(UnsafeByteOperations.unsafeWrap(dataKey.plaintext().reveal()))
                .setEnvelope(ByteString.copyFrom(dataKey.wrapped().envelope()))
                .setKeyId(dataKey.wrapped().keyId().value())
                .setKeyVersion(dataKey.wrapped().keyVersion())
                .build(), dataKey.plaintext());
    }
}
