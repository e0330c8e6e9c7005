package coffre.kms.server.grpc.xks;

import coffre.kms.server.approval.Approval;
import coffre.kms.server.approval.ApprovalGate;
import coffre.kms.server.codec.QuorumMessages;
import coffre.kms.server.domain.Operation;
import coffre.kms.server.grpc.OfficerSignatures;
import coffre.kms.server.grpc.Unary;
import coffre.kms.server.grpc.UnaryHandler;
import coffre.kms.server.keystores.ExternalKeyStores;
import coffre.kms.server.keystores.NewCredential;
import coffre.kms.server.keystores.XksCredential;
import coffre.kms.v1.RevokeXksCredentialRequest;
import coffre.kms.v1.RevokeXksCredentialResponse;
import coffre.kms.v1.RotateXksCredentialsResponse;
import coffre.kms.v1.XksAdminServiceGrpc;
import coffre.kms.v1.XksCredentialOperation;
import java.util.List;

/**
 * SigV4 credentials of {@code XksAdminService}: RotateCredentials makes a new one (its secret, once)
 * and asks officers to activate it; RevokeCredential cuts one off at once on one officer's signature.
 */
public final class CredentialHandlers {
    private CredentialHandlers() {
    }

    public static List<UnaryHandler<?, ?>> all(ExternalKeyStores stores, ApprovalGate approvals) {
        return List.of(
                new Unary<>(XksAdminServiceGrpc.getRotateCredentialsMethod(), Operation.ROTATE_XKS_CREDENTIALS,
                        (caller, r) -> {
                            approvals.requireInitialized();
                            try (NewCredential credential = stores.requestCredential(r.getKeyStoreId())) {
                                Approval approval;
                                try {
                                    approval = approvals.submit(coffre.kms.v1.Operation.newBuilder().setActivateXksCredential(
                                            XksCredentialOperation.newBuilder().setKeyStoreId(credential.keyStoreId())
                                                    .setAccessKeyId(credential.accessKeyId())).build(), caller);
                                } catch (RuntimeException e) {
                                    stores.discard(credential);
                                    throw e;
                                }
                                return RotateXksCredentialsResponse.newBuilder()
                                        .setApprovalRequest(QuorumMessages.request(approval))
                                        .setCredential(XksMessages.secret(credential)).build();
                            }
                        }),
                new Unary<>(XksAdminServiceGrpc.getRevokeCredentialMethod(), Operation.REVOKE_XKS_CREDENTIAL,
                        (caller, r) -> revoke(stores, approvals, r)));
    }

    /**
     * Narrowing: the credential stops authenticating on every node at once and its HSM key is
     * destroyed. The signature covers the key store id and access key id exactly as sent.
     */
    static RevokeXksCredentialResponse revoke(ExternalKeyStores stores, ApprovalGate approvals,
                                              RevokeXksCredentialRequest request) {
        approvals.requireInitialized();
        stores.checkRevoke(request.getKeyStoreId(), request.getAccessKeyId());
        approvals.verifyActNow(coffre.kms.v1.Operation.newBuilder().setRevokeXksCredential(XksCredentialOperation
                        .newBuilder().setKeyStoreId(request.getKeyStoreId()).setAccessKeyId(request.getAccessKeyId())).build(),
                OfficerSignatures.required(request.hasSignature(), request.getSignature()));
        XksCredential revoked = stores.revoke(request.getKeyStoreId(), request.getAccessKeyId());
        RevokeXksCredentialResponse.Builder response = RevokeXksCredentialResponse.newBuilder();
        stores.registry().store(revoked.keyStoreId())
                .ifPresent(store -> response.setKeyStore(KeyStoreHandlers.proto(stores, store)));
        return response.build();
    }
}
