package coffre.kms.cli.approvals;

import static org.junit.jupiter.api.Assertions.assertEquals;

import coffre.kms.v1.ApprovalRequest;
import coffre.kms.v1.ApprovalState;
import coffre.kms.v1.ApprovalVote;
import coffre.kms.v1.Decision;
import coffre.kms.v1.Officer;
import coffre.kms.v1.OfficerStatus;
import coffre.kms.v1.QuorumRule;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The words for a request's progress against its rule, for each shape of rule and vote: the
 * operators named are those with an active officer and fewer approvals than the rule asks.
 */
class QuorumProgressTest {

    private static final List<Officer> OFFICERS = List.of(
            officer("alice", "op-a", OfficerStatus.OFFICER_ACTIVE),
            officer("bob", "op-a", OfficerStatus.OFFICER_ACTIVE),
            officer("carol", "op-b", OfficerStatus.OFFICER_ACTIVE),
            officer("dave", "op-c", OfficerStatus.OFFICER_ACTIVE),
            officer("erin", "op-d", OfficerStatus.OFFICER_SUSPENDED));

    private static Officer officer(String id, String operator, OfficerStatus status) {
        return Officer.newBuilder().setId(id).setOperator(operator).setStatus(status).build();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "nothing yet, 1 from each of 3 operators|PENDING |2|1|''              |0/2; needs 3 more, from op-a, op-b and op-c",
        "one operator done                      |PENDING |2|1|alice           |1/2; needs 2 more, from op-b and op-c",
        "two from op-a: the count alone is met  |PENDING |2|1|alice bob       |2/2; needs 2 more, from op-b and op-c",
        "threshold above what operators need    |PENDING |5|1|alice           |1/5; needs 4 more, at least 1 from op-b and 1 from op-c",
        "two per operator                       |PENDING |3|2|alice carol     |2/3; needs 4 more: 1 from op-a, 1 from op-b and 2 from op-c",
        "no per-operator rule                   |PENDING |2|0|alice           |1/2; needs 1 more, from any officer",
        "operators done, count short            |PENDING |4|1|alice carol dave|3/4; needs 1 more, from any officer",
        "met, not yet executed                  |PENDING |2|1|alice carol dave|3/2; the rule is met",
        "executed with one more than needed     |EXECUTED|2|1|alice bob carol |3 (2 needed)",
        "expired short                          |EXPIRED |2|1|alice           |1/2",
        "a rejection does not count             |PENDING |1|0|!alice          |0/1; needs 1 more, from any officer",
    })
    void describesWhatIsStillNeeded(String name, ApprovalState state, int threshold, int minPerOperator, String votes,
            String expected) {
        ApprovalRequest.Builder request = ApprovalRequest.newBuilder().setState(state)
                .setRule(QuorumRule.newBuilder().setThreshold(threshold).setMinPerOperator(minPerOperator));
        Arrays.stream(votes.split(" ")).filter(v -> !v.isEmpty()).forEach(v -> request.addVotes(ApprovalVote.newBuilder()
                .setOfficerId(v.replace("!", "")).setCounted(true)
                .setDecision(v.startsWith("!") ? Decision.REJECT : Decision.APPROVE)));

        assertEquals(expected, QuorumProgress.describe(request.build(), Optional.of(OFFICERS)));
    }
}
