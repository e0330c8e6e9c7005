package coffre.kms.cli.approvals;

import coffre.kms.client.CoffreStubs;
import coffre.kms.v1.ApprovalRequest;
import coffre.kms.v1.ApprovalState;
import coffre.kms.v1.ApprovalVote;
import coffre.kms.v1.Decision;
import coffre.kms.v1.ListOfficersRequest;
import coffre.kms.v1.Officer;
import coffre.kms.v1.OfficerStatus;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * How far a request is from its rule, in words: "1/2; needs 1 more, from op-b". A bare count
 * misleads: two approvals from one operator read "2/2" while the rule still waits for the other
 * operator, and the approval that completes the rule reads "3/2".
 *
 * <p>The rule is the server's (at least {@code threshold} counted approvals, and at least
 * {@code min_per_operator} from every operator that has an active officer); this class only
 * explains it. Officers' operators come from {@code ListOfficers}; without them (the caller may
 * not list officers, or the call failed) the words say that the per-operator part is unknown.
 */
final class QuorumProgress {

    private QuorumProgress() {
    }

    /**
     * The officers {@link #describe} needs for {@code request}: listed only while it is pending
     * under a per-operator rule (otherwise no call is made). A failed listing is not the
     * command's failure: the request is still shown, with the per-operator part left open.
     */
    static Optional<List<Officer>> officersFor(ApprovalRequest request, CoffreStubs rpc) {
        if (request.getState() != ApprovalState.PENDING || request.getRule().getMinPerOperator() == 0) {
            return Optional.empty();
        }
        try {
            return Optional.of(rpc.officers().listOfficers(ListOfficersRequest.getDefaultInstance()).getOfficersList());
        } catch (StatusRuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * The progress of {@code request}: the count and, while it is pending, what it still needs.
     *
     * @param officers the registered officers, or empty if they could not be listed
     */
    static String describe(ApprovalRequest request, Optional<List<Officer>> officers) {
        int threshold = request.getRule().getThreshold();
        int minPerOperator = request.getRule().getMinPerOperator();
        List<String> approvers = request.getVotesList().stream()
                .filter(v -> v.getCounted() && v.getDecision() == Decision.APPROVE)
                .map(ApprovalVote::getOfficerId)
                .toList();
        int approvals = approvers.size();
        if (request.getState() != ApprovalState.PENDING) {
            // Closed: past approvals are history, and more than the threshold is no overshoot to fix.
            return approvals > threshold ? approvals + " (" + threshold + " needed)" : approvals + "/" + threshold;
        }
        String count = approvals + "/" + threshold;
        if (minPerOperator == 0) {
            int more = Math.max(0, threshold - approvals);
            return more == 0 ? count + "; the rule is met" : count + "; needs " + more + " more, from any officer";
        }
        if (officers.isEmpty()) {
            int more = Math.max(0, threshold - approvals);
            return count + "; needs " + (more == 0 ? "no more in number" : "at least " + more + " more")
                    + ", and " + minPerOperator + " from each operator (coffre could not list the officers to say which)";
        }
        Map<String, String> operatorOf = new TreeMap<>();
        Map<String, Integer> missing = new TreeMap<>();
        for (Officer officer : officers.get()) {
            operatorOf.put(officer.getId(), officer.getOperator());
            if (officer.getStatus() == OfficerStatus.OFFICER_ACTIVE) {
                missing.put(officer.getOperator(), minPerOperator);
            }
        }
        for (String approver : approvers) {
            missing.computeIfPresent(operatorOf.getOrDefault(approver, ""), (operator, n) -> n - 1);
        }
        missing.values().removeIf(n -> n <= 0);
        int fromOperators = missing.values().stream().mapToInt(Integer::intValue).sum();
        int more = Math.max(threshold - approvals, fromOperators);
        if (more == 0) {
            return count + "; the rule is met";
        }
        if (fromOperators == 0) {
            return count + "; needs " + more + " more, from any officer";
        }
        boolean counts = missing.values().stream().anyMatch(n -> n > 1);
        if (fromOperators < more) {
            return count + "; needs " + more + " more, at least " + operatorList(missing, true);
        }
        return count + "; needs " + more + " more" + (counts ? ": " : ", from ") + operatorList(missing, counts);
    }

    /** "op-b", "op-a and op-b", or with counts "1 from op-b", "2 from op-a and 1 from op-b". */
    private static String operatorList(Map<String, Integer> missing, boolean counts) {
        List<String> parts = new ArrayList<>();
        missing.forEach((operator, n) -> parts.add(counts ? n + " from " + operator : operator));
        return parts.size() == 1 ? parts.get(0)
                : String.join(", ", parts.subList(0, parts.size() - 1)) + " and " + parts.get(parts.size() - 1);
    }
}
