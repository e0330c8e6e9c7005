package coffre.kms.server.approval;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.store.Storage;
import coffre.kms.server.store.StoreFactoryAccess;
import coffre.kms.server.testing.TestOfficers;
import coffre.kms.v1.SignatureAlgorithm;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store that already holds two officers with one key (written before keys were compared by
 * their canonical encoding) must not be served: the approval engine refuses to open, naming them.
 */
class QuorumServiceStartTest {
    @TempDir
    Path dir;

    @Test
    void aStoreWithOneKeyUnderTwoOfficersIsNotServed() {
        OfficerRecord alice = TestOfficers.newOfficer("alice", "op-a", SignatureAlgorithm.ED25519, "spiffe://t/alice")
                .record(Instant.now());
        OfficerRecord carol = TestOfficers.newOfficer("carol", "op-b", SignatureAlgorithm.ED25519, "spiffe://t/carol")
                .record(Instant.now());
        OfficerRecord alias = new OfficerRecord("alice-2", alice.displayName(), alice.operator(), "spiffe://t/alice-2",
                TestOfficers.withNullAlgorithmParameter(alice.publicKey()), alice.status(), alice.fingerprint(),
                alice.createTime());
        try (Storage storage = StoreFactoryAccess.openH2(dir.resolve("db"))) {
            storage.approvals().initialize(new QuorumRule(2, 1), "0".repeat(64), List.of(alice, carol, alias),
                    Instant.now());
            KmsException e = assertThrows(KmsException.class, () -> QuorumService.open(storage.approvals(),
                    null, Duration.ofHours(1), Clock.systemUTC()));
            assertEquals(ErrorReason.OFFICER_ALREADY_EXISTS, e.reason());
            assertTrue(e.getMessage().contains("alice") && e.getMessage().contains("alice-2"), e.getMessage());

            storage.approvals().saveOfficer(alias.withStatus(OfficerRecord.Status.REMOVED));
            assertDoesNotThrow(() -> QuorumService.open(storage.approvals(), null, Duration.ofHours(1),
                    Clock.systemUTC()));
        }
    }
}
