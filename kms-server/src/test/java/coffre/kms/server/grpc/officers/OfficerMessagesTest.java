package coffre.kms.server.grpc.officers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.approval.CeremonyStatus;
import coffre.kms.server.approval.OfficerRecord;
import coffre.kms.server.approval.OfficerSet;
import coffre.kms.server.approval.OfficerSignature;
import coffre.kms.server.approval.QuorumRule;
import coffre.kms.server.approval.SignedCeremony;
import coffre.kms.server.testing.TestOfficers;
import coffre.kms.v1.CeremonySignature;
import coffre.kms.v1.GetCeremonyStatusResponse;
import coffre.kms.v1.InitCeremonyRequest;
import coffre.kms.v1.InitCeremonyResponse;
import coffre.kms.v1.ListOfficersResponse;
import coffre.kms.v1.OfficerStatus;
import coffre.kms.v1.SignatureAlgorithm;
import com.google.protobuf.ByteString;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code OfficerService}'s messages to and from the approval engine's types. */
class OfficerMessagesTest {
    private static final Instant NOW = Instant.parse("2026-03-01T10:15:30Z");

    @Test
    void beforeTheCeremonyTheStatusHasNoRule() {
        GetCeremonyStatusResponse status = OfficerMessages.status(CeremonyStatus.notInitialized());
        assertFalse(status.getInitialized());
        assertFalse(status.hasRule());
        assertEquals(0, status.getActiveOfficers());
    }

    @Test
    void afterTheCeremonyTheStatusHasTheRuleAndTheActiveOfficers() {
        GetCeremonyStatusResponse status = OfficerMessages.status(CeremonyStatus.initialized(new QuorumRule(2, 1), 3));
        assertTrue(status.getInitialized());
        assertEquals(2, status.getRule().getThreshold());
        assertEquals(1, status.getRule().getMinPerOperator());
        assertEquals(3, status.getActiveOfficers());
    }

    @Test
    void theCeremonyIsCarriedAsSigned() {
        InitCeremonyRequest request = InitCeremonyRequest.newBuilder()
                .setDocument(ByteString.copyFrom(new byte[] {10, 0, 26, 1, 110}))
                .addSignatures(CeremonySignature.newBuilder().setOfficerId("alice")
                        .setSignature(ByteString.copyFrom(new byte[] {1})))
                .addSignatures(CeremonySignature.newBuilder().setOfficerId("alice")
                        .setSignature(ByteString.copyFrom(new byte[] {2})))
                .build();
        SignedCeremony ceremony = OfficerMessages.ceremony(request);
        assertArrayEquals(request.getDocument().toByteArray(), ceremony.document());
        // Twice the same officer stays twice: the engine refuses it, naming the officer.
        assertEquals(List.of(new OfficerSignature("alice", null, new byte[] {1}),
                new OfficerSignature("alice", null, new byte[] {2})), ceremony.signatures());
    }

    @Test
    void theOfficerSetAnswersWithEveryOfficerAndTheRule() {
        OfficerRecord alice = TestOfficers.newOfficer("alice", "op-a", SignatureAlgorithm.ED25519, "spiffe://t/alice")
                .record(NOW);
        OfficerRecord bob = TestOfficers.newOfficer("bob", "op-a", SignatureAlgorithm.ECDSA_P256_SHA256, "")
                .record(NOW).withStatus(OfficerRecord.Status.SUSPENDED);
        InitCeremonyResponse done = OfficerMessages.ceremonyDone(new OfficerSet(List.of(alice, bob), new QuorumRule(1, 0)));
        assertEquals(List.of("alice", "bob"), done.getOfficersList().stream().map(o -> o.getId()).toList());
        assertEquals(OfficerStatus.OFFICER_SUSPENDED, done.getOfficers(1).getStatus());
        assertEquals(alice.fingerprint(), done.getOfficers(0).getFingerprint());
        assertEquals(NOW.getEpochSecond(), done.getOfficers(0).getCreateTime().getSeconds());
        assertEquals(1, done.getRule().getThreshold());

        ListOfficersResponse list = OfficerMessages.officers(List.of(bob), QuorumRule.NONE);
        assertEquals("bob", list.getOfficers(0).getId());
        assertTrue(list.hasRule(), "the rule is always set, 0 of 0 before the ceremony");
        assertEquals(0, list.getRule().getThreshold());
    }
}
