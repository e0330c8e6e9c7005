package coffre.kms.server.grpc.keys;

import coffre.kms.server.access.KeyAccessPolicy;
import coffre.kms.server.approval.ApprovalGate;
import coffre.kms.server.codec.QuorumMessages;
import coffre.kms.server.keys.Alias;
import coffre.kms.server.keys.KeyAttributes;
import coffre.kms.server.keys.KeyLifecycle;
import coffre.kms.server.domain.Operation;
import coffre.kms.server.domain.Principal;
import coffre.kms.server.grpc.Reply;
import coffre.kms.server.grpc.UnaryHandler;
import coffre.kms.v1.CreateKeyOperation;
import coffre.kms.v1.CreateKeyRequest;
import coffre.kms.v1.CreateKeyResponse;
import coffre.kms.v1.KeyServiceGrpc;
import io.grpc.MethodDescriptor;

/**
 * {@code KeyService.CreateKey}: validates everything now (so a bad request fails at once rather
 * than after officers approved it) and answers with the approval request; the key is generated in
 * the HSM when officers approve, and its id is the request's result.
 */
public final class CreateKeyHandler implements UnaryHandler<CreateKeyRequest, CreateKeyResponse> {
    private final KeyLifecycle lifecycle;
    private final ApprovalGate approvals;

    public CreateKeyHandler(KeyLifecycle lifecycle, ApprovalGate approvals) {
        this.lifecycle = lifecycle;
        this.approvals = approvals;
    }

    @Override
    public MethodDescriptor<CreateKeyRequest, CreateKeyResponse> method() {
        return KeyServiceGrpc.getCreateKeyMethod();
    }

    @Override
    public Operation operation() {
        return Operation.CREATE_KEY;
    }

    @Override
    public Reply<CreateKeyResponse> handle(Principal caller, CreateKeyRequest request) {
        approvals.requireInitialized();
        Alias alias = request.getAlias().isEmpty() ? null : new Alias(request.getAlias());
        new KeyAttributes(alias, request.getDescription(), request.getLabelsMap(), request.getAccessPolicy(),
                request.getApprovalPolicy().getRequireUnwrapApproval());
        KeyAccessPolicy.fromProto(request.getAccessPolicy());
        lifecycle.requireAliasFree(alias);
        coffre.kms.v1.Operation create = coffre.kms.v1.Operation.newBuilder().setCreateKey(CreateKeyOperation.newBuilder()
                .setAlias(request.getAlias())
                .setDescription(request.getDescription())
                .putAllLabels(request.getLabelsMap())
                .setAccessPolicy(request.getAccessPolicy())
                .setApprovalPolicy(request.getApprovalPolicy())).build();
        return Reply.of(CreateKeyResponse.newBuilder()
                .setApprovalRequest(QuorumMessages.request(approvals.submit(create, caller))).build());
    }
}
