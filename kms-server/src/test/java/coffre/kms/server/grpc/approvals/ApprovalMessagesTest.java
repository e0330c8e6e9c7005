package coffre.kms.server.grpc.approvals;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import coffre.kms.server.approval.Approval;
import coffre.kms.server.approval.ApprovalPage;
import coffre.kms.server.approval.Ballot;
import coffre.kms.server.approval.QuorumRule;
import coffre.kms.server.approval.SignedTime;
import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import coffre.kms.v1.ApprovalState;
import coffre.kms.v1.Decision;
import coffre.kms.v1.ListApprovalRequestsResponse;
import coffre.kms.v1.VoteRequest;
import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@code ApprovalService}'s messages to and from the approval engine's types. */
class ApprovalMessagesTest {
    private static final Instant NOW = Instant.parse("2026-03-01T10:15:30.123456789Z");

    @Test
    void aVoteBecomesABallotWithItsFieldsAsSent() {
        VoteRequest vote = VoteRequest.newBuilder().setRequestId("apr-a").setOfficerId("alice")
                .setDecision(Decision.REJECT)
                .setSignedTime(Timestamp.newBuilder().setSeconds(NOW.getEpochSecond()).setNanos(2_000_000_001))
                .setSignature(ByteString.copyFrom(new byte[] {1, 2, 3})).build();
        Ballot ballot = ApprovalMessages.ballot(vote);
        assertEquals("apr-a", ballot.requestId());
        assertEquals("alice", ballot.officerId());
        assertEquals(Decision.REJECT, ballot.decision());
        // The signature covers the seconds and nanos as sent: they are not normalised.
        assertEquals(new SignedTime(NOW.getEpochSecond(), 2_000_000_001), ballot.signature().signedTime());
        assertArrayEquals(new byte[] {1, 2, 3}, ballot.signature().signature());
    }

    @Test
    void aVoteMissingFieldsBecomesABallotThatNamesTheFirst() {
        Ballot empty = ApprovalMessages.ballot(VoteRequest.getDefaultInstance());
        assertNull(empty.signature().signedTime());
        KmsException e = assertThrows(KmsException.class, empty::requireComplete);
        assertEquals(ErrorReason.MISSING_FIELD, e.reason());
        assertEquals(List.of("request_id", "officer_id", "decision", "signed_time", "signature"),
                List.of(missing(VoteRequest.newBuilder()), missing(VoteRequest.newBuilder().setRequestId("apr-a")),
                        missing(VoteRequest.newBuilder().setRequestId("apr-a").setOfficerId("alice")),
                        missing(VoteRequest.newBuilder().setRequestId("apr-a").setOfficerId("alice")
                                .setDecision(Decision.APPROVE)),
                        missing(VoteRequest.newBuilder().setRequestId("apr-a").setOfficerId("alice")
                                .setDecision(Decision.APPROVE).setSignedTime(Timestamp.getDefaultInstance()))));
    }

    private static String missing(VoteRequest.Builder vote) {
        KmsException e = assertThrows(KmsException.class, () -> ApprovalMessages.ballot(vote.build()).requireComplete());
        return e.metadata().get("field");
    }

    @Test
    void statesMapOneToOneAndUnspecifiedIsRefused() {
        assertEquals(EnumSet.allOf(Approval.State.class), ApprovalMessages.states(List.of(ApprovalState.PENDING,
                ApprovalState.EXECUTED, ApprovalState.FAILED, ApprovalState.REJECTED, ApprovalState.EXPIRED)));
        assertEquals(Set.of(), ApprovalMessages.states(List.of()));
        for (ApprovalState bad : List.of(ApprovalState.APPROVAL_STATE_UNSPECIFIED, ApprovalState.UNRECOGNIZED)) {
            assertEquals(ErrorReason.INVALID_PAGINATION, assertThrows(KmsException.class,
                    () -> ApprovalMessages.states(List.of(ApprovalState.PENDING, bad))).reason());
        }
    }

    @Test
    void aPageKeepsItsOrderAndToken() {
        Approval first = Approval.pending("apr-1", new byte[0], new byte[32], "admin", NOW, NOW.plusSeconds(60),
                new QuorumRule(1, 0), "first");
        Approval second = Approval.pending("apr-2", new byte[0], new byte[32], "admin", NOW, NOW.plusSeconds(60),
                new QuorumRule(1, 0), "second");
        ListApprovalRequestsResponse response = ApprovalMessages.page(new ApprovalPage(List.of(first, second), "YTE6Mg"));
        assertEquals(List.of("apr-1", "apr-2"), response.getRequestsList().stream().map(r -> r.getId()).toList());
        assertEquals("YTE6Mg", response.getNextPageToken());
        assertEquals("", ApprovalMessages.page(new ApprovalPage(List.of(), "")).getNextPageToken());
    }
}
