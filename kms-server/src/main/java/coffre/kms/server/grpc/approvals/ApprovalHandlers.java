package coffre.kms.server.grpc.approvals;

import coffre.kms.server.approval.Quorum;
import coffre.kms.server.codec.QuorumMessages;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.domain.Operation;
import coffre.kms.server.domain.Principal;
import coffre.kms.server.grpc.StreamHandler;
import coffre.kms.server.grpc.Unary;
import coffre.kms.server.grpc.UnaryHandler;
import coffre.kms.v1.ApprovalRequest;
import coffre.kms.v1.ApprovalServiceGrpc;
import coffre.kms.v1.GetApprovalRequestResponse;
import coffre.kms.v1.VoteResponse;
import coffre.kms.v1.WatchApprovalRequestsRequest;
import io.grpc.MethodDescriptor;
import java.util.List;
import java.util.function.Consumer;

/** {@code ApprovalService}: one handler per RPC, each a single call into the {@link Quorum}. */
public final class ApprovalHandlers {
    private ApprovalHandlers() {
    }

    public static List<UnaryHandler<?, ?>> unary(Quorum quorum) {
        return List.of(
                new Unary<>(ApprovalServiceGrpc.getListApprovalRequestsMethod(), Operation.LIST_APPROVALS,
                        (caller, r) -> ApprovalMessages.page(quorum.list(ApprovalMessages.states(r.getStatesList()),
                                r.getPageSize(), r.getPageToken()))),
                new Unary<>(ApprovalServiceGrpc.getGetApprovalRequestMethod(), Operation.GET_APPROVAL,
                        (caller, r) -> GetApprovalRequestResponse.newBuilder()
                                .setRequest(QuorumMessages.request(quorum.get(required(r.getRequestId(), "request_id"))))
                                .build()),
                new Unary<>(ApprovalServiceGrpc.getVoteMethod(), Operation.VOTE,
                        (caller, r) -> VoteResponse.newBuilder()
                                .setRequest(QuorumMessages.request(quorum.vote(ApprovalMessages.ballot(r), caller)))
                                .build()));
    }

    /** {@code ApprovalService.Watch}: the pending requests, then every change, as they happen. */
    public static StreamHandler<WatchApprovalRequestsRequest, ApprovalRequest> watch(Quorum quorum) {
        return new StreamHandler<>() {
            @Override
            public MethodDescriptor<WatchApprovalRequestsRequest, ApprovalRequest> method() {
                return ApprovalServiceGrpc.getWatchMethod();
            }

            @Override
            public Operation operation() {
                return Operation.WATCH_APPROVALS;
            }

            @Override
            public AutoCloseable open(Principal caller, WatchApprovalRequestsRequest request,
                                      Consumer<ApprovalRequest> emit) {
                return quorum.watch(ApprovalMessages.states(request.getStatesList()),
                        approval -> emit.accept(QuorumMessages.request(approval)));
            }
        };
    }

    private static String required(String value, String field) {
        if (value.isEmpty()) {
            throw KmsException.missing(field);
        }
        return value;
    }
}
