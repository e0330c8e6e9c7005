package coffre.kms.server.approval;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.testing.TestOfficers;
import coffre.kms.server.approval.OfficerRecord.Status;
import coffre.kms.v1.Decision;
import coffre.kms.v1.Officer;
import coffre.kms.v1.OfficerPublicKey;
import coffre.kms.v1.SignatureAlgorithm;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The quorum's pure rules: counting, per-operator minimums, meetable rules, valid officers. */
class OfficerRulesTest {
    private static final QuorumRule TWO_OF_FOUR_ONE_EACH = new QuorumRule(2, 1);
    private static final Instant NOW = Instant.parse("2026-03-01T10:15:30Z");

    /** An officer as a signed document proposes it. */
    private static Officer proposed(String id, String operator) {
        return TestOfficers.newOfficer(id, operator, SignatureAlgorithm.ED25519, "spiffe://t/" + id).officer();
    }

    private static OfficerRecord officer(String id, String operator, Status status) {
        return record(proposed(id, operator)).withStatus(status);
    }

    private static OfficerRecord record(Officer officer) {
        return OfficerRecord.admitted(officer, NOW);
    }

    private static Map<String, OfficerRecord> fourOfficers() {
        Map<String, OfficerRecord> officers = new LinkedHashMap<>();
        for (OfficerRecord o : List.of(officer("a1", "A", Status.ACTIVE), officer("a2", "A", Status.ACTIVE),
                officer("b1", "B", Status.ACTIVE), officer("b2", "B", Status.ACTIVE))) {
            officers.put(o.id(), o);
        }
        return officers;
    }

    private static Approval approvedBy(String requester, String... ids) {
        return approvedBy(TWO_OF_FOUR_ONE_EACH, requester, ids);
    }

    private static Approval approvedBy(QuorumRule rule, String requester, String... ids) {
        Approval request = Approval.pending("apr-test", new byte[0], new byte[32], requester, NOW, NOW.plusSeconds(3600),
                rule, "");
        for (String id : ids) {
            request = request.withVote(new Approval.Vote(new OfficerSignature(id, SignedTime.of(NOW), new byte[64]),
                    Decision.APPROVE, false));
        }
        return request;
    }

    @Test
    void twoFromOneOperatorAreNotEnoughWhenEachOperatorMustApprove() {
        Map<String, OfficerRecord> officers = fourOfficers();
        assertFalse(OfficerRules.holds(approvedBy("admin", "a1", "a2"), officers));
        assertTrue(OfficerRules.holds(approvedBy("admin", "a1", "b1"), officers));
        assertFalse(OfficerRules.holds(approvedBy("admin", "a1"), officers));
    }

    @Test
    void suspendedOfficersAndTheRequesterDoNotCount() {
        Map<String, OfficerRecord> officers = fourOfficers();
        officers.put("b1", officers.get("b1").withStatus(Status.SUSPENDED));
        assertFalse(OfficerRules.holds(approvedBy("admin", "a1", "b1"), officers));
        assertTrue(OfficerRules.holds(approvedBy("admin", "a1", "b2"), officers));
        assertFalse(OfficerRules.holds(approvedBy("spiffe://t/b2", "a1", "b2"), officers));
    }

    @Test
    void anOperatorWithNoActiveOfficerImposesNoMinimum() {
        Map<String, OfficerRecord> officers = fourOfficers();
        officers.put("b1", officers.get("b1").withStatus(Status.REMOVED));
        officers.put("b2", officers.get("b2").withStatus(Status.REMOVED));
        assertTrue(OfficerRules.holds(approvedBy("admin", "a1", "a2"), officers));
    }

    @Test
    void rulesMustBeMeetableByTheActiveOfficers() {
        Map<String, OfficerRecord> officers = fourOfficers();
        assertDoesNotThrow(() -> OfficerRules.requireMeetable(TWO_OF_FOUR_ONE_EACH, officers.values()));
        assertEquals(ErrorReason.INVALID_QUORUM_RULE, assertThrows(KmsException.class, () -> OfficerRules.requireMeetable(
                new QuorumRule(5, 0), officers.values())).reason());
        assertEquals(ErrorReason.INVALID_QUORUM_RULE, assertThrows(KmsException.class, () -> OfficerRules.requireMeetable(
                new QuorumRule(2, 3), officers.values())).reason());
        assertEquals(ErrorReason.INVALID_QUORUM_RULE, assertThrows(KmsException.class, () -> OfficerRules.requireMeetable(
                new QuorumRule(0, 0), officers.values())).reason());
    }

    @Test
    void officerRecordsAreValidated() {
        Officer good = proposed("ok", "A");
        assertDoesNotThrow(() -> OfficerRules.validate(record(good)));
        for (Officer bad : List.of(good.toBuilder().setId("Bad Id").build(), good.toBuilder().setDisplayName("").build(),
                good.toBuilder().setOperator(" ").build(),
                good.toBuilder().setPublicKey(good.getPublicKey().toBuilder().setSpkiDer(com.google.protobuf.ByteString.copyFromUtf8("junk"))).build(),
                good.toBuilder().setPublicKey(good.getPublicKey().toBuilder().setAlgorithm(SignatureAlgorithm.ECDSA_P256_SHA256)).build())) {
            assertEquals(ErrorReason.INVALID_OFFICER, assertThrows(KmsException.class, () -> OfficerRules.validate(record(bad))).reason(),
                    bad.getId());
        }
        Officer twin = good.toBuilder().setId("twin").build();
        assertEquals(ErrorReason.OFFICER_ALREADY_EXISTS, assertThrows(KmsException.class,
                () -> OfficerRules.validateSet(List.of(record(good), record(twin)))).reason());
    }

    /** The key of {@code officer} re-encoded with an explicit NULL algorithm parameter (the same key). */
    private static OfficerRecord sameKeyOtherEncoding(OfficerRecord officer, String id) {
        return withKey(officer, id, TestOfficers.withNullAlgorithmParameter(officer.publicKey()));
    }

    private static OfficerRecord withKey(OfficerRecord officer, String id, OfficerPublicKey key) {
        return new OfficerRecord(id, officer.displayName(), officer.operator(), "spiffe://t/" + id, key,
                officer.status(), officer.fingerprint(), officer.createTime());
    }

    @Test
    void oneKeyUnderTwoNamesApprovesOnce() {
        Map<String, OfficerRecord> officers = fourOfficers();
        // As a store written before keys were compared canonically could hold: b1's key again as "b3".
        OfficerRecord b3 = sameKeyOtherEncoding(officers.get("b1"), "b3");
        officers.put("b3", b3);
        Approval twoOfB = approvedBy(new QuorumRule(3, 1), "admin", "a1", "b1", "b3");
        assertFalse(OfficerRules.holds(twoOfB, officers), "b1 and b3 are one person: two approvals, not three");
        Approval three = approvedBy(new QuorumRule(3, 1), "admin", "a1", "b1", "b2");
        assertTrue(OfficerRules.holds(three, officers));
    }

    @Test
    void twoOfficersWithOneKeyInAnyEncodingAreRefusedAndNamed() {
        Map<String, OfficerRecord> officers = fourOfficers();
        OfficerRecord twin = sameKeyOtherEncoding(officers.get("a2"), "a3");
        officers.put("a3", twin);
        KmsException e = assertThrows(KmsException.class, () -> OfficerRules.requireDistinctKeys(officers.values()));
        assertEquals(ErrorReason.OFFICER_ALREADY_EXISTS, e.reason());
        assertTrue(e.getMessage().contains("a2") && e.getMessage().contains("a3"), e.getMessage());
        // Once one of them is removed, the set is sound again.
        officers.put("a3", twin.withStatus(Status.REMOVED));
        assertDoesNotThrow(() -> OfficerRules.requireDistinctKeys(officers.values()));
        // And a set offered for the ceremony with such twins is refused as a duplicate, not as two officers.
        assertEquals(ErrorReason.OFFICER_ALREADY_EXISTS, assertThrows(KmsException.class,
                () -> OfficerRules.validateSet(List.of(officers.get("a2"),
                        withKey(twin, twin.id(), officers.get("a2").publicKey())))).reason());
    }

    @Test
    void aNonCanonicalKeyEncodingIsAnInvalidOfficer() {
        OfficerRecord good = officer("ok", "A", Status.ACTIVE);
        KmsException e = assertThrows(KmsException.class, () -> OfficerRules.validate(sameKeyOtherEncoding(good, "ok2")));
        assertEquals(ErrorReason.INVALID_OFFICER, e.reason());
        assertTrue(e.getMessage().contains("canonical"), e.getMessage());
    }

    @Test
    void officerPrincipalsMustBeCanonical() {
        Officer good = proposed("ok", "A");
        for (String principal : List.of("SPIFFE://t/ok", "spiffe://T/ok", "spiffe://t/%6Fk", "spiffe://t//ok",
                "spiffe://t/./ok", "spiffe://t/x/../ok", " spiffe://t/ok", "\uff41lice")) {
            assertEquals(ErrorReason.INVALID_OFFICER, assertThrows(KmsException.class,
                    () -> OfficerRules.validate(record(good.toBuilder().setPrincipal(principal).build()))).reason(), principal);
        }
    }
}
