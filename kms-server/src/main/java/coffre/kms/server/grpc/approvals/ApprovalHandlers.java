package coffre.kms.server.grpc.approvals;

import coffre.kms.server.approval.Quorum;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.domain.Operation;
import coffre.kms.server.domain.Principal;
import coffre.kms.server.grpc.StreamHandler;
import coffre.kms.server.grpc.Unary;
import coffre.kms.server.grpc.UnaryHandler;
import coffre.kms.v1.ApprovalRequest;
import coffre.kms.v1.ApprovalServiceGrpc;
import coffre.kms.v1.ApprovalState;
import coffre.kms.v1.GetApprovalRequestResponse;
import coffre.kms.v1.VoteResponse;
import coffre.kms.v1.WatchApprovalRequestsRequest;
import io.grpc.MethodDescriptor;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/** {@code ApprovalService}: one handler per RPC, each a single call into the {@link Quorum}. */
public final class ApprovalHandlers {
    private ApprovalHandlers() {
    }

    public static List<UnaryHandler<?, ?>> unary(Quorum quorum) {
        return List.of(
                new Unary<>(ApprovalServiceGrpc.getListApprovalRequestsMethod(), Operation.LIST_APPROVALS,
                        (caller, r) -> quorum.list(states(r.getStatesList()), r.getPageSize(), r.getPageToken())),
                new Unary<>(ApprovalServiceGrpc.getGetApprovalRequestMethod(), Operation.GET_APPROVAL,
                        (caller, r) -> GetApprovalRequestResponse.newBuilder()
                                .setRequest(quorum.get(required(r.getRequestId(), "request_id"))).build()),
                new Unary<>(ApprovalServiceGrpc.getVoteMethod(), Operation.VOTE,
                        (caller, r) -> VoteResponse.newBuilder().setRequest(quorum.vote(r, caller)).build()));
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
                return quorum.watch(states(request.getStatesList()), emit);
            }
        };
    }

    static Set<ApprovalState> states(List<ApprovalState> requested) {
        Set<ApprovalState> states = EnumSet.noneOf(ApprovalState.class);
        for (ApprovalState state : requested) {
            if (state == ApprovalState.APPROVAL_STATE_UNSPECIFIED || state == ApprovalState.UNRECOGNIZED) {
                throw new KmsException(coffre.kms.server.domain.ErrorReason.INVALID_PAGINATION,
                        "states may only list PENDING, EXECUTED, FAILED, REJECTED, EXPIRED");
            }
            states.add(state);
        }
        return states;
    }

    private static String required(String value, String field) {
        if (value.isEmpty()) {
            throw KmsException.missing(field);
        }
        return value;
    }
}
