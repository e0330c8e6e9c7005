package coffre.kms.server.grpc.crypto;

import coffre.kms.server.crypto.AsymmetricOperations;
import coffre.kms.server.domain.Operation;
import coffre.kms.server.domain.Principal;
import coffre.kms.server.grpc.Reply;
import coffre.kms.server.grpc.UnaryHandler;
import coffre.kms.server.keys.KeyReference;
import coffre.kms.v1.AsymmetricDecryptRequest;
import coffre.kms.v1.AsymmetricDecryptResponse;
import coffre.kms.v1.CryptoServiceGrpc;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.MethodDescriptor;

/** {@code CryptoService.AsymmetricDecrypt}. The plaintext is zeroed once the reply is written. */
public final class AsymmetricDecryptHandler
        implements UnaryHandler<AsymmetricDecryptRequest, AsymmetricDecryptResponse> {
    private final AsymmetricOperations asymmetric;

    public AsymmetricDecryptHandler(AsymmetricOperations asymmetric) {
        this.asymmetric = asymmetric;
    }

    @Override
    public MethodDescriptor<AsymmetricDecryptRequest, AsymmetricDecryptResponse> method() {
        return CryptoServiceGrpc.getAsymmetricDecryptMethod();
    }

    @Override
    public Operation operation() {
        return Operation.ASYMMETRIC_DECRYPT;
    }

    @Override
    public Reply<AsymmetricDecryptResponse> handle(Principal caller, AsymmetricDecryptRequest request) {
        KeyReference key = KeyReference.parse(request.getKeyId(), "key_id");
        AsymmetricMessages.requireOaep(request.getAlgorithm(), request.getAlgorithmValue());
        AsymmetricOperations.Decrypted opened = asymmetric.decrypt(caller, key, request.getKeyVersion(),
                request.getCiphertext().toByteArray(), null);
        // Wrapped without a copy so the only plaintext copy is the one zeroed after sending.
        return Reply.withSecret(AsymmetricDecryptResponse.newBuilder()
                .setPlaintext(UnsafeByteOperations.unsafeWrap(opened.plaintext().reveal()))
                .setKeyId(opened.keyId().value())
                .setKeyVersion(opened.keyVersion())
                .build(), opened.plaintext());
    }
}
