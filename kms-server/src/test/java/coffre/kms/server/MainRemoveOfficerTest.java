package coffre.kms.server;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.approval.OfficerRecord;
import coffre.kms.server.approval.QuorumRule;
import coffre.kms.server.approval.QuorumService;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.store.Storage;
import coffre.kms.server.store.StoreFactoryAccess;
import coffre.kms.server.testing.TestOfficers;
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
        OfficerRecord alice = TestOfficers.newOfficer("alice", "op-a", SignatureAlgorithm.ED25519, "").record(Instant.now());
        OfficerRecord twin = new OfficerRecord("alice-2", alice.displayName(), alice.operator(), alice.principal(),
                alice.publicKey(), alice.status(), alice.fingerprint(), alice.createTime());
        OfficerRecord carol = TestOfficers.newOfficer("carol", "op-b", SignatureAlgorithm.ED25519, "").record(Instant.now());
        try (Storage storage = StoreFactoryAccess.openH2(dir.resolve("db"))) {
            storage.approvals().initialize(new QuorumRule(1, 0), "0".repeat(64),
                    List.of(alice, twin, carol), Instant.now());
            assertThrows(KmsException.class, () -> QuorumService.open(storage.approvals(), null, Duration.ofHours(1),
                    Clock.systemUTC()));

            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            assertEquals(2, Main.removeOfficer(storage.approvals(), "nobody", print(out), print(err)));
            assertTrue(err.toString(StandardCharsets.UTF_8).contains("no officer nobody"));

            assertEquals(0, Main.removeOfficer(storage.approvals(), "alice-2", print(out), print(err)));
            assertTrue(out.toString(StandardCharsets.UTF_8).contains("officer alice-2 (fingerprint "));
            assertEquals(OfficerRecord.Status.REMOVED, storage.approvals().officers().stream()
                    .filter(o -> o.id().equals("alice-2")).findFirst().orElseThrow().status());
            assertDoesNotThrow(() -> QuorumService.open(storage.approvals(), null, Duration.ofHours(1), Clock.systemUTC()));
        }
    }

    private static PrintStream print(ByteArrayOutputStream bytes) {
        return new PrintStream(bytes, true, StandardCharsets.UTF_8);
    }
}
