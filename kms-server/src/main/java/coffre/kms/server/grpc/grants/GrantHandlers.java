package coffre.kms.server.grpc.grants;

import coffre.kms.server.access.GrantRecord;
import coffre.kms.server.access.GrantRegistry;
import coffre.kms.server.approval.ApprovalGate;
import coffre.kms.server.approval.SignedDocumentCodec;
import coffre.kms.server.codec.QuorumMessages;
import coffre.kms.server.keys.KeyId;
import coffre.kms.server.keys.KeyLifecycle;
import coffre.kms.server.keys.KeyReference;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.domain.Operation;
import coffre.kms.server.grpc.OfficerSignatures;
import coffre.kms.server.grpc.Unary;
import coffre.kms.server.grpc.UnaryHandler;
import coffre.kms.v1.CreateGrantOperation;
import coffre.kms.v1.CreateGrantResponse;
import coffre.kms.v1.GrantOperation;
import coffre.kms.v1.KeyServiceGrpc;
import coffre.kms.v1.ListGrantsResponse;
import coffre.kms.v1.RevokeGrantResponse;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;

/**
 * Grants on {@code KeyService}: creating one widens access, so it is an approval request (checked
 * in full first); revoking narrows, so it acts at once on one officer's signature.
 */
public final class GrantHandlers {
    private GrantHandlers() {
    }

    public static List<UnaryHandler<?, ?>> all(GrantRegistry grants, KeyLifecycle lifecycle, ApprovalGate approvals,
                                               Clock clock) {
        SecureRandom random = new SecureRandom();
        return List.of(
                new Unary<>(KeyServiceGrpc.getCreateGrantMethod(), Operation.CREATE_GRANT, (caller, r) -> {
                    approvals.requireInitialized();
                    GrantRecord.create(SignedDocumentCodec.grantTerms(r.getGrant()), clock.instant(), random);
                    KeyLifecycle.requireNotDestroyed(lifecycle.get(new KeyReference.ById(new KeyId(r.getGrant().getKeyId()))));
                    return CreateGrantResponse.newBuilder().setApprovalRequest(QuorumMessages.request(approvals.submit(
                            coffre.kms.v1.Operation.newBuilder().setCreateGrant(
                                    CreateGrantOperation.newBuilder().setGrant(r.getGrant())).build(), caller))).build();
                }),
                new Unary<>(KeyServiceGrpc.getListGrantsMethod(), Operation.LIST_GRANTS, (caller, r) ->
                        ListGrantsResponse.newBuilder().addAllGrants(grants.list(
                                        r.getKeyId().isEmpty() ? null : r.getKeyId(), r.getIncludeRevoked())
                                .stream().map(GrantMessages::toProto).toList()).build()),
                new Unary<>(KeyServiceGrpc.getRevokeGrantMethod(), Operation.REVOKE_GRANT, (caller, r) -> {
                    approvals.requireInitialized();
                    if (r.getGrantId().isEmpty()) {
                        throw KmsException.missing("grant_id");
                    }
                    approvals.verifyActNow(coffre.kms.v1.Operation.newBuilder()
                                    .setRevokeGrant(GrantOperation.newBuilder().setGrantId(r.getGrantId())).build(),
                            OfficerSignatures.required(r.hasSignature(), r.getSignature()));
                    return RevokeGrantResponse.newBuilder()
                            .setGrant(GrantMessages.toProto(grants.revoke(r.getGrantId()))).build();
                }));
    }
}
