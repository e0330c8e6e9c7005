package coffre.kms.server.grpc.crypto;

import coffre.kms.server.approval.SignedDocumentCodec;
import coffre.kms.server.crypto.AsymmetricOperations;
import coffre.kms.server.domain.Operation;
import coffre.kms.server.domain.Principal;
import coffre.kms.server.grpc.Reply;
import coffre.kms.server.grpc.UnaryHandler;
import coffre.kms.server.keys.KeyReference;
import coffre.kms.server.keys.KeyUsage;
import coffre.kms.v1.CryptoServiceGrpc;
import coffre.kms.v1.EncryptionAlgorithm;
import coffre.kms.v1.GetPublicKeyRequest;
import coffre.kms.v1.GetPublicKeyResponse;
import com.google.protobuf.ByteString;
import io.grpc.MethodDescriptor;

/** {@code CryptoService.GetPublicKey}: a version's public key, DER and PEM, and what the key does. */
public final class GetPublicKeyHandler implements UnaryHandler<GetPublicKeyRequest, GetPublicKeyResponse> {
    private final AsymmetricOperations asymmetric;

    public GetPublicKeyHandler(AsymmetricOperations asymmetric) {
        this.asymmetric = asymmetric;
    }

    @Override
    public MethodDescriptor<GetPublicKeyRequest, GetPublicKeyResponse> method() {
        return CryptoServiceGrpc.getGetPublicKeyMethod();
    }

    @Override
    public Operation operation() {
        return Operation.GET_PUBLIC_KEY;
    }

    @Override
    public Reply<GetPublicKeyResponse> handle(Principal caller, GetPublicKeyRequest request) {
        KeyReference key = KeyReference.parse(request.getKeyId(), "key_id");
        AsymmetricOperations.PublicKey found = asymmetric.publicKey(caller, key, request.getKeyVersion(), null);
        GetPublicKeyResponse.Builder response = GetPublicKeyResponse.newBuilder()
                .setKeyId(found.keyId().value())
                .setKeyVersion(found.keyVersion())
                .setKeySpec(SignedDocumentCodec.toProto(found.spec()))
                .setKeyUsage(SignedDocumentCodec.toProto(found.usage()))
                .setPublicKeyDer(ByteString.copyFrom(found.publicKey().der()))
                .setPublicKeyPem(found.publicKey().pem());
        if (found.usage() == KeyUsage.ENCRYPT_DECRYPT) {
            response.setEncryptionAlgorithm(EncryptionAlgorithm.RSAES_OAEP_SHA_256);
        } else {
            response.setSigningAlgorithm(AsymmetricMessages.toProto(found.signingAlgorithm()));
        }
        return Reply.of(response.build());
    }
}
