package coffre.kms.server.grpc.crypto;

import coffre.kms.server.crypto.AsymmetricOperations;
import coffre.kms.server.domain.Operation;
import coffre.kms.server.domain.Principal;
import coffre.kms.server.grpc.Reply;
import coffre.kms.server.grpc.UnaryHandler;
import coffre.kms.server.keys.KeyReference;
import coffre.kms.v1.CryptoServiceGrpc;
import coffre.kms.v1.VerifyRequest;
import coffre.kms.v1.VerifyResponse;
import io.grpc.MethodDescriptor;

/**
 * {@code CryptoService.Verify}: checked on the server with the version's public key. A signature
 * that does not verify is the answer {@code valid = false}, not an error.
 */
public final class VerifyHandler implements UnaryHandler<VerifyRequest, VerifyResponse> {
    private final AsymmetricOperations asymmetric;

    public VerifyHandler(AsymmetricOperations asymmetric) {
        this.asymmetric = asymmetric;
    }

    @Override
    public MethodDescriptor<VerifyRequest, VerifyResponse> method() {
        return CryptoServiceGrpc.getVerifyMethod();
    }

    @Override
    public Operation operation() {
        return Operation.VERIFY;
    }

    @Override
    public Reply<VerifyResponse> handle(Principal caller, VerifyRequest request) {
        KeyReference key = KeyReference.parse(request.getKeyId(), "key_id");
        AsymmetricOperations.Verified verified = asymmetric.verify(caller, key, request.getKeyVersion(),
                AsymmetricMessages.input(request.hasMessage(), request.getMessage(), request.hasDigest(),
                        request.getDigest()),
                AsymmetricMessages.algorithm(request.getAlgorithm(), request.getAlgorithmValue()),
                request.getSignature().toByteArray(), null);
        return Reply.of(VerifyResponse.newBuilder()
                .setValid(verified.valid())
                .setKeyId(verified.keyId().value())
                .setKeyVersion(verified.keyVersion())
                .setAlgorithm(AsymmetricMessages.toProto(verified.algorithm()))
                .build());
    }
}
