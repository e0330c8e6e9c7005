package coffre.kms.server.grpc.approvals;

import coffre.kms.server.approval.Approval;
import coffre.kms.server.approval.ApprovalPage;
import coffre.kms.server.approval.Ballot;
import coffre.kms.server.approval.OfficerSignature;
import coffre.kms.server.codec.QuorumMessages;
import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import coffre.kms.v1.ApprovalState;
import coffre.kms.v1.ListApprovalRequestsResponse;
import coffre.kms.v1.VoteRequest;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * {@code ApprovalService}'s messages to and from the approval engine's types. Fields are carried
 * as received, empty ones included: the engine checks them, in its order.
 */
public final class ApprovalMessages {
    private ApprovalMessages() {
    }

    public static Ballot ballot(VoteRequest vote) {
        return new Ballot(vote.getRequestId(), vote.getDecision(), new OfficerSignature(vote.getOfficerId(),
                vote.hasSignedTime() ? QuorumMessages.signedTime(vote.getSignedTime()) : null,
                vote.getSignature().toByteArray()));
    }

    /**
     * @throws KmsException {@link ErrorReason#INVALID_PAGINATION} for an unspecified or unknown
     *                      state (the filter would then silently match nothing)
     */
    public static Set<Approval.State> states(List<ApprovalState> requested) {
        Set<Approval.State> states = EnumSet.noneOf(Approval.State.class);
        for (ApprovalState state : requested) {
            if (state == ApprovalState.APPROVAL_STATE_UNSPECIFIED || state == ApprovalState.UNRECOGNIZED) {
                throw new KmsException(ErrorReason.INVALID_PAGINATION,
                        "states may only list PENDING, EXECUTED, FAILED, REJECTED, EXPIRED");
            }
            states.add(QuorumMessages.state(state));
        }
        return states;
    }

    public static ListApprovalRequestsResponse page(ApprovalPage page) {
        return ListApprovalRequestsResponse.newBuilder()
                .addAllRequests(page.requests().stream().map(QuorumMessages::request).toList())
                .setNextPageToken(page.nextPageToken())
                .build();
    }
}
