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
import coffre.kms.v1.Officer;
import coffre.kms.v1.OfficerStatus;
import coffre.kms.v1.QuorumRule;
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
        Officer alice = TestOfficers.newOfficer("alice", "op-a", SignatureAlgorithm.ED25519, "spiffe://t/alice").officer()
                .toBuilder().setStatus(OfficerStatus.OFFICER_ACTIVE).build();
        Officer carol = TestOfficers.newOfficer("carol", "op-b", SignatureAlgorithm.ED25519, "spiffe://t/carol").officer()
                .toBuilder().setStatus(OfficerStatus.OFFICER_ACTIVE).build();
        Officer alias = alice.toBuilder().setId("alice-2").setPrincipal("spiffe://t/alice-2")
                .setPublicKey(TestOfficers.withNullAlgorithmParameter(alice.getPublicKey())).build();
        try (Storage storage = StoreFactoryAccess.openH2(dir.resolve("db"))) {
            storage.approvals().initialize(QuorumRule.newBuilder().setThreshold(2).setMinPerOperator(1).build(),
                    "0".repeat(64), List.of(alice, carol, alias), Instant.now());
            KmsException e = assertThrows(KmsException.class, () -> QuorumService.open(storage.approvals(),
                    null, Duration.ofHours(1), Clock.systemUTC()));
            assertEquals(ErrorReason.OFFICER_ALREADY_EXISTS, e.reason());
            assertTrue(e.getMessage().contains("alice") && e.getMessage().contains("alice-2"), e.getMessage());

            storage.approvals().saveOfficer(alias.toBuilder().setStatus(OfficerStatus.OFFICER_REMOVED).build());
            assertDoesNotThrow(() -> QuorumService.open(storage.approvals(), null, Duration.ofHours(1),
                    Clock.systemUTC()));
        }
    }
}
