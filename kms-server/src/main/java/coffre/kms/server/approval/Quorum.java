package coffre.kms.server.approval;

import coffre.kms.server.domain.Principal;
import coffre.kms.v1.ApprovalRequest;
import coffre.kms.v1.ApprovalState;
import coffre.kms.v1.GetCeremonyStatusResponse;
import coffre.kms.v1.InitCeremonyRequest;
import coffre.kms.v1.InitCeremonyResponse;
import coffre.kms.v1.ListApprovalRequestsResponse;
import coffre.kms.v1.Officer;
import coffre.kms.v1.OfficerSignature;
import coffre.kms.v1.QuorumRule;
import coffre.kms.v1.VoteRequest;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The quorum as the service edge sees it, in API terms: approval requests, votes, officers and
 * the init ceremony. Backed by the domain's approval engine.
 */
public interface Quorum extends ApprovalGate, ApprovedOperations.OfficerChanges {

    ApprovalRequest get(String requestId);

    /** @param states empty: every state */
    ListApprovalRequestsResponse list(Set<ApprovalState> states, int pageSize, String pageToken);

    /** Verifies and records a vote; executes the operation (once) when the rule then holds. */
    ApprovalRequest vote(VoteRequest vote, Principal caller);

    /**
     * Sends the matching pending requests now, then every matching creation or change, until the
     * returned subscription is closed.
     */
    AutoCloseable watch(Set<ApprovalState> states, Consumer<ApprovalRequest> listener);

    GetCeremonyStatusResponse status();

    InitCeremonyResponse initCeremony(InitCeremonyRequest request);

    List<Officer> officers();

    QuorumRule rule();

    /** Closes pending requests past their expiry; returns how many. */
    int expireDue();

    /** Narrowing: one active officer's act-now signature suspends an officer at once. */
    Officer suspend(String officerId, OfficerSignature signature);
}
