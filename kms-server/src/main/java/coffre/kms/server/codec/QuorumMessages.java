package coffre.kms.server.codec;

import coffre.kms.server.approval.Approval;
import coffre.kms.server.approval.OfficerRecord;
import coffre.kms.server.approval.OfficerSignature;
import coffre.kms.server.approval.QuorumRule;
import coffre.kms.server.approval.SignedTime;
import coffre.kms.v1.ApprovalRequest;
import coffre.kms.v1.ApprovalState;
import coffre.kms.v1.ApprovalVote;
import coffre.kms.v1.Officer;
import coffre.kms.v1.OfficerStatus;
import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import java.time.Instant;

/**
 * The protobuf forms of the approval engine's records: the {@code coffre.kms.v1} messages that
 * the gRPC edge answers with and that the approval store keeps as its rows' bodies (one encoding
 * for both, as before the engine had types of its own). Decoding gives back every field that
 * encoding wrote, so a record read from the store and written again keeps its stored form.
 */
public final class QuorumMessages {
    private QuorumMessages() {
    }

    public static ApprovalRequest request(Approval approval) {
        ApprovalRequest.Builder message = ApprovalRequest.newBuilder()
                .setId(approval.id())
                .setOperation(ByteString.copyFrom(approval.operation()))
                .setDigest(ByteString.copyFrom(approval.digest()))
                .setRequester(approval.requester())
                .setCreateTime(timestamp(approval.createTime()))
                .setExpireTime(timestamp(approval.expireTime()))
                .setRule(rule(approval.rule()))
                .setState(state(approval.state()))
                .setResult(approval.result())
                .setFailureReason(approval.failureReason())
                .setFailureMessage(approval.failureMessage())
                .setSummary(approval.summary());
        for (Approval.Vote vote : approval.votes()) {
            SignedTime signed = vote.signature().signedTime();
            message.addVotes(ApprovalVote.newBuilder()
                    .setOfficerId(vote.officerId())
                    .setDecision(vote.decision())
                    .setSignedTime(Timestamp.newBuilder().setSeconds(signed.seconds()).setNanos(signed.nanos()))
                    .setSignature(ByteString.copyFrom(vote.signature().signature()))
                    .setCounted(vote.counted()));
        }
        if (approval.closeTime() != null) {
            message.setCloseTime(timestamp(approval.closeTime()));
        }
        return message.build();
    }

    /** @throws IllegalArgumentException if the message holds no state (no request is ever stored so) */
    public static Approval approval(ApprovalRequest message) {
        return new Approval(message.getId(), message.getOperation().toByteArray(), message.getDigest().toByteArray(),
                message.getRequester(), instant(message.getCreateTime()), instant(message.getExpireTime()),
                QuorumRule.of(message.getRule()), state(message.getState()),
                message.getVotesList().stream().map(v -> new Approval.Vote(new OfficerSignature(v.getOfficerId(),
                        signedTime(v.getSignedTime()), v.getSignature().toByteArray()), v.getDecision(), v.getCounted()))
                        .toList(),
                message.getResult(), message.getFailureReason(), message.getFailureMessage(),
                message.hasCloseTime() ? instant(message.getCloseTime()) : null, message.getSummary());
    }

    public static Officer officer(OfficerRecord officer) {
        return Officer.newBuilder()
                .setId(officer.id())
                .setDisplayName(officer.displayName())
                .setOperator(officer.operator())
                .setPrincipal(officer.principal())
                .setPublicKey(officer.publicKey())
                .setStatus(switch (officer.status()) {
                    case ACTIVE -> OfficerStatus.OFFICER_ACTIVE;
                    case SUSPENDED -> OfficerStatus.OFFICER_SUSPENDED;
                    case REMOVED -> OfficerStatus.OFFICER_REMOVED;
                })
                .setFingerprint(officer.fingerprint())
                .setCreateTime(timestamp(officer.createTime()))
                .build();
    }

    /** @throws IllegalArgumentException if the message holds no status (no officer is ever stored so) */
    public static OfficerRecord officer(Officer message) {
        OfficerRecord.Status status = switch (message.getStatus()) {
            case OFFICER_ACTIVE -> OfficerRecord.Status.ACTIVE;
            case OFFICER_SUSPENDED -> OfficerRecord.Status.SUSPENDED;
            case OFFICER_REMOVED -> OfficerRecord.Status.REMOVED;
            case OFFICER_STATUS_UNSPECIFIED, UNRECOGNIZED ->
                    throw new IllegalArgumentException("officer " + message.getId() + " has no status");
        };
        return new OfficerRecord(message.getId(), message.getDisplayName(), message.getOperator(),
                message.getPrincipal(), message.getPublicKey(), status, message.getFingerprint(),
                instant(message.getCreateTime()));
    }

    public static coffre.kms.v1.QuorumRule rule(QuorumRule rule) {
        return coffre.kms.v1.QuorumRule.newBuilder()
                .setThreshold(rule.threshold()).setMinPerOperator(rule.minPerOperator()).build();
    }

    public static ApprovalState state(Approval.State state) {
        return switch (state) {
            case PENDING -> ApprovalState.PENDING;
            case EXECUTED -> ApprovalState.EXECUTED;
            case FAILED -> ApprovalState.FAILED;
            case REJECTED -> ApprovalState.REJECTED;
            case EXPIRED -> ApprovalState.EXPIRED;
        };
    }

    /** @throws IllegalArgumentException for {@code APPROVAL_STATE_UNSPECIFIED} and unknown values */
    public static Approval.State state(ApprovalState state) {
        return switch (state) {
            case PENDING -> Approval.State.PENDING;
            case EXECUTED -> Approval.State.EXECUTED;
            case FAILED -> Approval.State.FAILED;
            case REJECTED -> Approval.State.REJECTED;
            case EXPIRED -> Approval.State.EXPIRED;
            case APPROVAL_STATE_UNSPECIFIED, UNRECOGNIZED ->
                    throw new IllegalArgumentException("not an approval state: " + state);
        };
    }

    /** A signed time exactly as a message holds it (see {@link SignedTime}). */
    public static SignedTime signedTime(Timestamp t) {
        return new SignedTime(t.getSeconds(), t.getNanos());
    }

    private static Timestamp timestamp(Instant at) {
        return Timestamp.newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano()).build();
    }

    private static Instant instant(Timestamp t) {
        return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
    }
}
