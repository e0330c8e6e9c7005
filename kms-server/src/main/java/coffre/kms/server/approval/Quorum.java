package coffre.kms.server.approval;

import coffre.kms.server.domain.Principal;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The quorum as every edge sees it: approval requests, votes, officers and the init ceremony, in
 * the approval engine's own types (an edge maps its wire format to these). Officer and rule
 * changes are not here: they run only once approved (see {@link ApprovedOperations}).
 */
public interface Quorum extends ApprovalGate {

    /** The request, each vote marked counted or not by its officer's current status. */
    Approval get(String requestId);

    /**
     * @param states    empty: every state
     * @param pageSize  0: the default size
     * @param pageToken empty: the first page; else a token of a previous page
     */
    ApprovalPage list(Set<Approval.State> states, int pageSize, String pageToken);

    /** Verifies and records a vote; executes the operation (once) when the rule then holds. */
    Approval vote(Ballot ballot, Principal caller);

    /**
     * Sends the matching pending requests now, then every matching creation or change, until the
     * returned subscription is closed.
     *
     * @param states empty: every state
     */
    AutoCloseable watch(Set<Approval.State> states, Consumer<Approval> listener);

    CeremonyStatus status();

    /** Registers the first officers and the rule, once, on every one of those officers' signatures. */
    OfficerSet initCeremony(SignedCeremony ceremony);

    /** Every officer ever registered, removed ones included, with canonical fingerprints. */
    List<OfficerRecord> officers();

    /** The rule in force ({@link QuorumRule#NONE} before the init ceremony). */
    QuorumRule rule();

    /** Closes pending requests past their expiry and interrupted executions; returns how many. */
    int expireDue();

    /** Narrowing: one active officer's act-now signature suspends an officer at once. */
    OfficerRecord suspend(String officerId, OfficerSignature signature);
}
