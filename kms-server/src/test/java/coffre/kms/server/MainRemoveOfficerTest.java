package coffre.kms.server;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.approval.QuorumService;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.store.Storage;
import coffre.kms.server.store.StoreFactoryAccess;
import coffre.kms.server.testing.TestOfficers;
import coffre.kms.v1.Officer;
import coffre.kms.v1.OfficerStatus;
import coffre.kms.v1.QuorumRule;
import coffre.kms.v1.SignatureAlgorithm;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code coffre-server --remove-officer ID}: the way out of a store holding one key twice. */
class MainRemoveOfficerTest {
    @TempDir
    Path dir;

    @Test
    void removingOneOfTwoTwinsLetsTheStoreBeServedAgain() {
        Officer alice = TestOfficers.newOfficer("alice", "op-a", SignatureAlgorithm.ED25519, "").officer()
                .toBuilder().setStatus(OfficerStatus.OFFICER_ACTIVE).build();
        Officer twin = alice.toBuilder().setId("alice-2").build();
        Officer carol = TestOfficers.newOfficer("carol", "op-b", SignatureAlgorithm.ED25519, "").officer()
                .toBuilder().setStatus(OfficerStatus.OFFICER_ACTIVE).build();
        try (Storage storage = StoreFactoryAccess.openH2(dir.resolve("db"))) {
            storage.approvals().initialize(QuorumRule.newBuilder().setThreshold(1).build(), "0".repeat(64),
                    List.of(alice, twin, carol), Instant.now());
            assertThrows(KmsException.class, () -> QuorumService.open(storage.approvals(), null, Duration.ofHours(1),
                    Clock.systemUTC()));

            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            assertEquals(2, Main.removeOfficer(storage.approvals(), "nobody", print(out), print(err)));
            assertTrue(err.toString(StandardCharsets.UTF_8).contains("no officer nobody"));

            assertEquals(0, Main.removeOfficer(storage.approvals(), "alice-2", print(out), print(err)));
            assertTrue(out.toString(StandardCharsets.UTF_8).contains("officer alice-2 (fingerprint "));
            assertEquals(OfficerStatus.OFFICER_REMOVED, storage.approvals().officers().stream()
                    .filter(o -> o.getId().equals("alice-2")).findFirst().orElseThrow().getStatus());
            assertDoesNotThrow(() -> QuorumService.open(storage.approvals(), null, Duration.ofHours(1), Clock.systemUTC()));
        }
    }

    private static PrintStream print(ByteArrayOutputStream bytes) {
        return new PrintStream(bytes, true, StandardCharsets.UTF_8);
    }
}
