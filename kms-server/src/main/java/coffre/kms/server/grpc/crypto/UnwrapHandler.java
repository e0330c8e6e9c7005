package coffre.kms.server.grpc.crypto;

import coffre.kms.server.crypto.CryptoOperations;
import coffre.kms.server.domain.Operation;
import coffre.kms.server.domain.Principal;
import coffre.kms.server.grpc.Reply;
import coffre.kms.server.grpc.UnaryHandler;
import coffre.kms.v1.CryptoServiceGrpc;
import coffre.kms.v1.UnwrapRequest;
import coffre.kms.v1.UnwrapResponse;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.MethodDescriptor;

/** {@code CryptoService.Unwrap}. The plaintext is zeroed once the reply is written. */
public final class UnwrapHandler implements UnaryHandler<UnwrapRequest, UnwrapResponse> {
    private final CryptoOperations crypto;

    public UnwrapHandler(CryptoOperations crypto) {
        this.crypto = crypto;
    }

    @Override
    public MethodDescriptor<UnwrapRequest, UnwrapResponse> method() {
        return CryptoServiceGrpc.getUnwrapMethod();
    }

    @Override
    public Operation operation() {
        return Operation.UNWRAP;
    }

    @Override
    public Reply<UnwrapResponse> handle(Principal caller, UnwrapRequest request) {
        CryptoOperations.Unwrapped opened = crypto.unwrap(caller, request.getEnvelope().toByteArray(),
                request.getEncryptionContextMap());
        // Wrapped without a copy so the only plaintext copy is the one zeroed after sending.
        return Reply.withSecret(UnwrapResponse.newBuilder()
                .setPlaintext(UnsafeByteOperations.unsafeWrap(opened.plaintext().reveal()))
                .setKeyId(opened.keyId().value())
                .setKeyVersion(opened.keyVersion())
                .build(), opened.plaintext());
    }
}
