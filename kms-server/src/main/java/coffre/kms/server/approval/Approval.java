package coffre.kms.server.approval;

import coffre.kms.v1.Decision;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One approval request: an operation that officers are asked to approve, the rule that decides
 * it, their votes, and how it ended. Immutable; each step of its life gives a new value.
 *
 * <p>{@code operation} is the canonical encoding of the {@code coffre.kms.v1.Operation} (what
 * officers' tools decode and show), {@code digest} its SHA-256 (what votes sign). Arrays are
 * copied in and out, and compared by content.
 *
 * @param rule          the rule in force when the request was made: it decides the request
 * @param result        when {@link State#EXECUTED}: what the operation produced (e.g. a key id), else empty
 * @param failureReason when {@link State#FAILED}: an {@code ErrorReason} name, else empty
 * @param closeTime     when it left {@link State#PENDING}, or null while pending
 * @param summary       the server's plain-words description (informational, never signed)
 */
public record Approval(String id, byte[] operation, byte[] digest, String requester, Instant createTime,
                       Instant expireTime, QuorumRule rule, State state, List<Vote> votes, String result,
                       String failureReason, String failureMessage, Instant closeTime, String summary) {

    /** Where a request stands, as officers see it (a request being executed is still PENDING). */
    public enum State {
        /** Waiting for votes. */
        PENDING,
        /** Approved; the operation ran and succeeded. */
        EXECUTED,
        /** Approved; the operation ran and failed (e.g. the key was destroyed meanwhile). */
        FAILED,
        /** An officer rejected it: one rejection closes a request. */
        REJECTED,
        /** Not approved before its expiry. */
        EXPIRED
    }

    /**
     * One officer's recorded vote.
     *
     * @param counted false once the officer is suspended or removed (then the vote no longer counts)
     */
    public record Vote(OfficerSignature signature, Decision decision, boolean counted) {
        public Vote {
            Objects.requireNonNull(signature.signedTime(), "signature.signedTime");
            Objects.requireNonNull(decision, "decision");
        }

        public String officerId() {
            return signature.officerId();
        }

        public Vote withCounted(boolean isCounted) {
            return new Vote(signature, decision, isCounted);
        }
    }

    public Approval {
        Objects.requireNonNull(id, "id");
        operation = operation.clone();
        digest = digest.clone();
        Objects.requireNonNull(requester, "requester");
        Objects.requireNonNull(createTime, "createTime");
        Objects.requireNonNull(expireTime, "expireTime");
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(state, "state");
        votes = List.copyOf(votes);
        Objects.requireNonNull(result, "result");
        Objects.requireNonNull(failureReason, "failureReason");
        Objects.requireNonNull(failureMessage, "failureMessage");
        Objects.requireNonNull(summary, "summary");
    }

    /** A new request, waiting for votes. */
    public static Approval pending(String id, byte[] operation, byte[] digest, String requester, Instant createTime,
                                   Instant expireTime, QuorumRule rule, String summary) {
        return new Approval(id, operation, digest, requester, createTime, expireTime, rule, State.PENDING, List.of(),
                "", "", "", null, summary);
    }

    @Override
    public byte[] operation() {
        return operation.clone();
    }

    @Override
    public byte[] digest() {
        return digest.clone();
    }

    /** The same request with {@code vote} recorded after the others. */
    public Approval withVote(Vote vote) {
        List<Vote> more = new ArrayList<>(votes);
        more.add(vote);
        return withVotes(more);
    }

    public Approval withVotes(List<Vote> newVotes) {
        return new Approval(id, operation, digest, requester, createTime, expireTime, rule, state, newVotes, result,
                failureReason, failureMessage, closeTime, summary);
    }

    /** Closed in {@code newState} at {@code at}, its votes and outcome as they are. */
    public Approval closed(State newState, Instant at) {
        return new Approval(id, operation, digest, requester, createTime, expireTime, rule, newState, votes, result,
                failureReason, failureMessage, at, summary);
    }

    /** Executed at {@code at}, with what the operation produced. */
    public Approval executed(String operationResult, Instant at) {
        return new Approval(id, operation, digest, requester, createTime, expireTime, rule, State.EXECUTED, votes,
                operationResult, failureReason, failureMessage, at, summary);
    }

    /** Failed at {@code at}, with an {@code ErrorReason} name and a message. */
    public Approval failed(String reason, String message, Instant at) {
        return new Approval(id, operation, digest, requester, createTime, expireTime, rule, State.FAILED, votes,
                result, reason, message, at, summary);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Approval a && id.equals(a.id) && Arrays.equals(operation, a.operation)
                && Arrays.equals(digest, a.digest) && requester.equals(a.requester) && createTime.equals(a.createTime)
                && expireTime.equals(a.expireTime) && rule.equals(a.rule) && state == a.state && votes.equals(a.votes)
                && result.equals(a.result) && failureReason.equals(a.failureReason)
                && failureMessage.equals(a.failureMessage) && Objects.equals(closeTime, a.closeTime)
                && summary.equals(a.summary);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, Arrays.hashCode(operation), Arrays.hashCode(digest), requester, createTime, expireTime,
                rule, state, votes, result, failureReason, failureMessage, closeTime, summary);
    }

    @Override
    public String toString() {
        return "Approval[" + id + " " + state + " by " + requester + ": " + summary + ", " + votes.size() + " vote(s)]";
    }
}
