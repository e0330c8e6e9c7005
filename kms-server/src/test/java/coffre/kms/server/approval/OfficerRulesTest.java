package coffre.kms.server.approval;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.testing.TestOfficers;
import coffre.kms.v1.ApprovalRequest;
import coffre.kms.v1.ApprovalVote;
import coffre.kms.v1.Decision;
import coffre.kms.v1.Officer;
import coffre.kms.v1.OfficerStatus;
import coffre.kms.v1.QuorumRule;
import coffre.kms.v1.SignatureAlgorithm;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The quorum's pure rules: counting, per-operator minimums, meetable rules, valid officers. */
class OfficerRulesTest {
    private static final QuorumRule TWO_OF_FOUR_ONE_EACH = QuorumRule.newBuilder().setThreshold(2).setMinPerOperator(1).build();

    private static Officer officer(String id, String operator, OfficerStatus status) {
        return TestOfficers.newOfficer(id, operator, SignatureAlgorithm.ED25519, "spiffe://t/" + id).officer()
                .toBuilder().setStatus(status).build();
    }

    private static Map<String, Officer> fourOfficers() {
        Map<String, Officer> officers = new LinkedHashMap<>();
        for (Officer o : List.of(officer("a1", "A", OfficerStatus.OFFICER_ACTIVE), officer("a2", "A", OfficerStatus.OFFICER_ACTIVE),
                officer("b1", "B", OfficerStatus.OFFICER_ACTIVE), officer("b2", "B", OfficerStatus.OFFICER_ACTIVE))) {
            officers.put(o.getId(), o);
        }
        return officers;
    }

    private static ApprovalRequest approvedBy(String requester, String... ids) {
        ApprovalRequest.Builder request = ApprovalRequest.newBuilder().setRule(TWO_OF_FOUR_ONE_EACH).setRequester(requester);
        for (String id : ids) {
            request.addVotes(ApprovalVote.newBuilder().setOfficerId(id).setDecision(Decision.APPROVE));
        }
        return request.build();
    }

    @Test
    void twoFromOneOperatorAreNotEnoughWhenEachOperatorMustApprove() {
        Map<String, Officer> officers = fourOfficers();
        assertFalse(OfficerRules.holds(approvedBy("admin", "a1", "a2"), officers));
        assertTrue(OfficerRules.holds(approvedBy("admin", "a1", "b1"), officers));
        assertFalse(OfficerRules.holds(approvedBy("admin", "a1"), officers));
    }

    @Test
    void suspendedOfficersAndTheRequesterDoNotCount() {
        Map<String, Officer> officers = fourOfficers();
        officers.put("b1", officers.get("b1").toBuilder().setStatus(OfficerStatus.OFFICER_SUSPENDED).build());
        assertFalse(OfficerRules.holds(approvedBy("admin", "a1", "b1"), officers));
        assertTrue(OfficerRules.holds(approvedBy("admin", "a1", "b2"), officers));
        assertFalse(OfficerRules.holds(approvedBy("spiffe://t/b2", "a1", "b2"), officers));
    }

    @Test
    void anOperatorWithNoActiveOfficerImposesNoMinimum() {
        Map<String, Officer> officers = fourOfficers();
        officers.put("b1", officers.get("b1").toBuilder().setStatus(OfficerStatus.OFFICER_REMOVED).build());
        officers.put("b2", officers.get("b2").toBuilder().setStatus(OfficerStatus.OFFICER_REMOVED).build());
        assertTrue(OfficerRules.holds(approvedBy("admin", "a1", "a2"), officers));
    }

    @Test
    void rulesMustBeMeetableByTheActiveOfficers() {
        Map<String, Officer> officers = fourOfficers();
        assertDoesNotThrow(() -> OfficerRules.requireMeetable(TWO_OF_FOUR_ONE_EACH, officers.values()));
        assertEquals(ErrorReason.INVALID_QUORUM_RULE, assertThrows(KmsException.class, () -> OfficerRules.requireMeetable(
                QuorumRule.newBuilder().setThreshold(5).build(), officers.values())).reason());
        assertEquals(ErrorReason.INVALID_QUORUM_RULE, assertThrows(KmsException.class, () -> OfficerRules.requireMeetable(
                QuorumRule.newBuilder().setThreshold(2).setMinPerOperator(3).build(), officers.values())).reason());
        assertEquals(ErrorReason.INVALID_QUORUM_RULE, assertThrows(KmsException.class, () -> OfficerRules.requireMeetable(
                QuorumRule.newBuilder().setThreshold(0).build(), officers.values())).reason());
    }

    @Test
    void officerRecordsAreValidated() {
        Officer good = officer("ok", "A", OfficerStatus.OFFICER_ACTIVE);
        assertDoesNotThrow(() -> OfficerRules.validate(good));
        for (Officer bad : List.of(good.toBuilder().setId("Bad Id").build(), good.toBuilder().setDisplayName("").build(),
                good.toBuilder().setOperator(" ").build(),
                good.toBuilder().setPublicKey(good.getPublicKey().toBuilder().setSpkiDer(com.google.protobuf.ByteString.copyFromUtf8("junk"))).build(),
                good.toBuilder().setPublicKey(good.getPublicKey().toBuilder().setAlgorithm(SignatureAlgorithm.ECDSA_P256_SHA256)).build())) {
            assertEquals(ErrorReason.INVALID_OFFICER, assertThrows(KmsException.class, () -> OfficerRules.validate(bad)).reason(),
                    bad.getId());
        }
        Officer twin = good.toBuilder().setId("twin").build();
        assertEquals(ErrorReason.OFFICER_ALREADY_EXISTS, assertThrows(KmsException.class,
                () -> OfficerRules.validateSet(List.of(good, twin))).reason());
    }

    /** The key of {@code officer} re-encoded with an explicit NULL algorithm parameter (the same key). */
    private static Officer sameKeyOtherEncoding(Officer officer, String id) {
        return officer.toBuilder().setId(id).setPrincipal("spiffe://t/" + id)
                .setPublicKey(TestOfficers.withNullAlgorithmParameter(officer.getPublicKey())).build();
    }

    @Test
    void oneKeyUnderTwoNamesApprovesOnce() {
        Map<String, Officer> officers = fourOfficers();
        // As a store written before keys were compared canonically could hold: b1's key again as "b3".
        Officer b3 = sameKeyOtherEncoding(officers.get("b1"), "b3");
        officers.put("b3", b3);
        ApprovalRequest twoOfB = approvedBy("admin", "a1", "b1", "b3")
                .toBuilder().setRule(QuorumRule.newBuilder().setThreshold(3).setMinPerOperator(1)).build();
        assertFalse(OfficerRules.holds(twoOfB, officers), "b1 and b3 are one person: two approvals, not three");
        ApprovalRequest three = approvedBy("admin", "a1", "b1", "b2")
                .toBuilder().setRule(QuorumRule.newBuilder().setThreshold(3).setMinPerOperator(1)).build();
        assertTrue(OfficerRules.holds(three, officers));
    }

    @Test
    void twoOfficersWithOneKeyInAnyEncodingAreRefusedAndNamed() {
        Map<String, Officer> officers = fourOfficers();
        Officer twin = sameKeyOtherEncoding(officers.get("a2"), "a3");
        officers.put("a3", twin);
        KmsException e = assertThrows(KmsException.class, () -> OfficerRules.requireDistinctKeys(officers.values()));
        assertEquals(ErrorReason.OFFICER_ALREADY_EXISTS, e.reason());
        assertTrue(e.getMessage().contains("a2") && e.getMessage().contains("a3"), e.getMessage());
        // Once one of them is removed, the set is sound again.
        officers.put("a3", twin.toBuilder().setStatus(OfficerStatus.OFFICER_REMOVED).build());
        assertDoesNotThrow(() -> OfficerRules.requireDistinctKeys(officers.values()));
        // And a set offered for the ceremony with such twins is refused as a duplicate, not as two officers.
        assertEquals(ErrorReason.OFFICER_ALREADY_EXISTS, assertThrows(KmsException.class,
                () -> OfficerRules.validateSet(List.of(officers.get("a2"), twin.toBuilder()
                        .setPublicKey(officers.get("a2").getPublicKey()).build()))).reason());
    }

    @Test
    void aNonCanonicalKeyEncodingIsAnInvalidOfficer() {
        Officer good = officer("ok", "A", OfficerStatus.OFFICER_ACTIVE);
        KmsException e = assertThrows(KmsException.class, () -> OfficerRules.validate(sameKeyOtherEncoding(good, "ok2")));
        assertEquals(ErrorReason.INVALID_OFFICER, e.reason());
        assertTrue(e.getMessage().contains("canonical"), e.getMessage());
    }

    @Test
    void officerPrincipalsMustBeCanonical() {
        Officer good = officer("ok", "A", OfficerStatus.OFFICER_ACTIVE);
        for (String principal : List.of("SPIFFE://t/ok", "spiffe://T/ok", "spiffe://t/%6Fk", "spiffe://t//ok",
                "spiffe://t/./ok", "spiffe://t/x/../ok", " spiffe://t/ok", "\uff41lice")) {
            assertEquals(ErrorReason.INVALID_OFFICER, assertThrows(KmsException.class,
                    () -> OfficerRules.validate(good.toBuilder().setPrincipal(principal).build())).reason(), principal);
        }
    }
}
