package coffre.kms.server.grpc.crypto;

import coffre.kms.server.crypto.AsymmetricOperations;
import coffre.kms.server.domain.Operation;
import coffre.kms.server.domain.Principal;
import coffre.kms.server.grpc.Reply;
import coffre.kms.server.grpc.UnaryHandler;
import coffre.kms.server.keys.KeyReference;
import coffre.kms.v1.CryptoServiceGrpc;
import coffre.kms.v1.SignRequest;
import coffre.kms.v1.SignResponse;
import com.google.protobuf.ByteString;
import io.grpc.MethodDescriptor;

/** {@code CryptoService.Sign}: a message (hashed here) or a digest, signed in the HSM by the primary version. */
public final class SignHandler implements UnaryHandler<SignRequest, SignResponse> {
    private final AsymmetricOperations asymmetric;

    public SignHandler(AsymmetricOperations asymmetric) {
        this.asymmetric = asymmetric;
    }

    @Override
    public MethodDescriptor<SignRequest, SignResponse> method() {
        return CryptoServiceGrpc.getSignMethod();
    }

    @Override
    public Operation operation() {
        return Operation.SIGN;
    }

    @Override
    public Reply<SignResponse> handle(Principal caller, SignRequest request) {
        KeyReference key = KeyReference.parse(request.getKeyId(), "key_id");
        AsymmetricOperations.Signed signed = asymmetric.sign(caller, key,
                AsymmetricMessages.input(request.hasMessage(), request.getMessage(), request.hasDigest(),
                        request.getDigest()),
                AsymmetricMessages.algorithm(request.getAlgorithm(), request.getAlgorithmValue()), null);
        return Reply.of(SignResponse.newBuilder()
                .setSignature(ByteString.copyFrom(signed.signature()))
                .setKeyId(signed.keyId().value())
                .setKeyVersion(signed.keyVersion())
                .setAlgorithm(AsymmetricMessages.toProto(signed.algorithm()))
                .build());
    }
}
