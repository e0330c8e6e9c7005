package coffre.kms.server.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import coffre.kms.server.approval.Approval;
import coffre.kms.server.approval.OfficerRecord;
import coffre.kms.server.approval.QuorumRule;
import coffre.kms.v1.ApprovalRequest;
import coffre.kms.v1.ApprovalState;
import coffre.kms.v1.ApprovalVote;
import coffre.kms.v1.Decision;
import coffre.kms.v1.Officer;
import coffre.kms.v1.OfficerPublicKey;
import coffre.kms.v1.OfficerStatus;
import coffre.kms.v1.SignatureAlgorithm;
import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The protobuf forms of the quorum's records, which the gRPC edge answers with and the approval
 * store keeps: every field survives message → record → message, so a stored request or officer is
 * written back exactly as it was read, and a client sees what the engine holds.
 */
class QuorumMessagesTest {
    private static Timestamp ts(long seconds, int nanos) {
        return Timestamp.newBuilder().setSeconds(seconds).setNanos(nanos).build();
    }

    private static ApprovalRequest.Builder fullRequest() {
        return ApprovalRequest.newBuilder()
                .setId("apr-abcdefghijklmnopqrstuvwxyz")
                .setOperation(ByteString.copyFrom(new byte[] {0x12, 0x02, 0x0a, 0x00}))
                .setDigest(ByteString.copyFrom(new byte[32]))
                .setRequester("spiffe://coffre.test/admin")
                .setCreateTime(ts(1_780_000_000L, 123_456_789))
                .setExpireTime(ts(1_780_086_400L, 123_456_789))
                .setRule(coffre.kms.v1.QuorumRule.newBuilder().setThreshold(2).setMinPerOperator(1))
                .setState(ApprovalState.FAILED)
                .addVotes(ApprovalVote.newBuilder().setOfficerId("alice").setDecision(Decision.APPROVE)
                        .setSignedTime(ts(1_780_000_010L, 5)).setSignature(ByteString.copyFrom(new byte[64]))
                        .setCounted(true))
                .addVotes(ApprovalVote.newBuilder().setOfficerId("carol").setDecision(Decision.APPROVE)
                        // As an officer's tool may send it: nanos out of range. Signed so, kept so.
                        .setSignedTime(ts(1_780_000_011L, 1_500_000_000)).setSignature(ByteString.copyFrom(new byte[64])))
                .setResult("")
                .setFailureReason("KEY_DESTROYED")
                .setFailureMessage("key key-x was destroyed")
                .setCloseTime(ts(1_780_000_012L, 0))
                .setSummary("enable key key-x");
    }

    @Test
    void aRequestSurvivesEveryFieldAndByte() {
        ApprovalRequest message = fullRequest().build();
        Approval approval = QuorumMessages.approval(message);
        assertEquals(message, QuorumMessages.request(approval));
        assertArrayEquals(message.toByteArray(), QuorumMessages.request(approval).toByteArray());
        assertEquals(new QuorumRule(2, 1), approval.rule());
        assertEquals(Approval.State.FAILED, approval.state());
        assertEquals(1_500_000_000, approval.votes().get(1).signature().signedTime().nanos(), "the signed time is not normalised");
        assertFalse(approval.votes().get(1).counted());
    }

    @Test
    void aPendingRequestHasNoCloseTime() {
        ApprovalRequest message = fullRequest().setState(ApprovalState.PENDING).clearCloseTime().clearVotes()
                .setFailureReason("").setFailureMessage("").build();
        Approval approval = QuorumMessages.approval(message);
        assertNull(approval.closeTime());
        assertEquals(message, QuorumMessages.request(approval));
        assertFalse(QuorumMessages.request(approval).hasCloseTime());
    }

    @Test
    void aRequestWithoutAStateIsNoRecord() {
        assertThrows(IllegalArgumentException.class,
                () -> QuorumMessages.approval(fullRequest().setState(ApprovalState.APPROVAL_STATE_UNSPECIFIED).build()));
    }

    @ParameterizedTest
    @EnumSource(Approval.State.class)
    void everyStateHasItsApiName(Approval.State state) {
        ApprovalState api = QuorumMessages.state(state);
        assertEquals(state.name(), api.name());
        assertEquals(state, QuorumMessages.state(api));
    }

    @Test
    void everyApiStateButUnspecifiedIsAState() {
        for (ApprovalState api : EnumSet.complementOf(EnumSet.of(ApprovalState.APPROVAL_STATE_UNSPECIFIED,
                ApprovalState.UNRECOGNIZED))) {
            assertEquals(api, QuorumMessages.state(QuorumMessages.state(api)));
        }
        assertThrows(IllegalArgumentException.class, () -> QuorumMessages.state(ApprovalState.UNRECOGNIZED));
    }

    @ParameterizedTest
    @EnumSource(value = OfficerStatus.class, names = {"OFFICER_ACTIVE", "OFFICER_SUSPENDED", "OFFICER_REMOVED"})
    void anOfficerSurvivesEveryField(OfficerStatus status) {
        Officer message = Officer.newBuilder().setId("carol").setDisplayName("Carol Petit").setOperator("op-b")
                .setPrincipal("spiffe://coffre.test/officer/carol")
                .setPublicKey(OfficerPublicKey.newBuilder().setAlgorithm(SignatureAlgorithm.ED25519)
                        .setSpkiDer(ByteString.copyFrom(new byte[44])))
                .setStatus(status)
                .setFingerprint("ab".repeat(32))
                .setCreateTime(ts(1_780_000_000L, 42))
                .build();
        OfficerRecord officer = QuorumMessages.officer(message);
        assertEquals(status.name(), "OFFICER_" + officer.status().name());
        assertEquals(message, QuorumMessages.officer(officer));
    }

    @Test
    void anOfficerWithoutAStatusIsNoRecord() {
        assertThrows(IllegalArgumentException.class, () -> QuorumMessages.officer(Officer.newBuilder().setId("x")
                .setCreateTime(ts(1, 0)).build()));
    }

    @Test
    void aRuleKeepsItsNumbers() {
        coffre.kms.v1.QuorumRule message = coffre.kms.v1.QuorumRule.newBuilder().setThreshold(3).setMinPerOperator(2).build();
        assertEquals(message, QuorumMessages.rule(QuorumRule.of(message)));
        assertEquals("3 approvals, at least 2 from each operator", QuorumRule.of(message).describe());
        assertEquals("1 approvals", new QuorumRule(1, 0).describe());
    }
}
