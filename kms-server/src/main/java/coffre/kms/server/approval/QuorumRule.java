package coffre.kms.server.approval;

/**
 * How many officers must approve: {@code threshold} of the active officers, and at least
 * {@code minPerOperator} from every operator that has an active officer (0: no per-operator
 * minimum). Whether a rule can be met is {@link OfficerRules#requireMeetable}'s question, not
 * this value's: a stored or proposed rule is carried as it is, then judged.
 *
 * <p>Both numbers are the unsigned 32-bit values of the API held in an {@code int}, as the
 * API's Java binding holds them: a value above {@code Integer.MAX_VALUE} reads as negative, and a
 * negative threshold is refused like 0.
 */
public record QuorumRule(int threshold, int minPerOperator) {
    /** No rule yet (before the init ceremony): nothing can meet it. */
    public static final QuorumRule NONE = new QuorumRule(0, 0);

    /** The rule of a signed document: the init ceremony's or a rule change's. */
    public static QuorumRule of(coffre.kms.v1.QuorumRule signed) {
        return new QuorumRule(signed.getThreshold(), signed.getMinPerOperator());
    }

    /** In words, for summaries and logs: "2 approvals, at least 1 from each operator". */
    public String describe() {
        return threshold + " approvals" + (minPerOperator == 0 ? ""
                : ", at least " + minPerOperator + " from each operator");
    }
}
