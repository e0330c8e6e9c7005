package coffre.kms.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.audit.AuditDecision;
import coffre.kms.server.audit.AuditEvent;
import coffre.kms.server.audit.AuditEventType;
import coffre.kms.server.audit.ChainHash;
import coffre.kms.server.audit.ChainedEvent;
import coffre.kms.server.domain.ErrorReason;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The audit write-ahead journal of the embedded store, and the store catching up from it after a crash. */
class AuditJournalTest {
    @TempDir
    Path dir;

    private static List<ChainedEvent> chain(String node, long from, int count, String previous) {
        List<ChainedEvent> events = new ArrayList<>();
        for (long seq = from; seq < from + count; seq++) {
            AuditEvent e = new AuditEvent(Instant.parse("2026-11-28T10:00:00Z").plusSeconds(seq), AuditEventType.UNWRAP,
                    "spiffe://t/é" + seq, "key-" + seq, 2, seq % 2 == 0 ? AuditDecision.DENIED : AuditDecision.ALLOWED,
                    seq % 2 == 0 ? ErrorReason.DECRYPTION_FAILED : null, "r" + seq, "", "d", "", seq);
            ChainedEvent c = ChainHash.chain(previous, node, seq, e);
            previous = c.hash();
            events.add(c);
        }
        return events;
    }

    @Test
    void eventsComeBackExactlyAndATornTailIsCutOff() throws Exception {
        Path file = dir.resolve("j");
        List<ChainedEvent> written = chain("n1", 1, 5, ChainHash.GENESIS);
        try (AuditJournal journal = new AuditJournal(file)) {
            journal.append(AuditRecords.encode(written.subList(0, 3)));
            journal.append(AuditRecords.encode(written.subList(3, 5)));
        }
        long whole = Files.size(file);
        // A crash in the middle of the next append: half a record at the end.
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[] {0, 0, 1, 0, 9, 9, 9}));
        }
        try (AuditJournal journal = new AuditJournal(file)) {
            assertEquals(written, journal.readAll());
            assertEquals(whole, Files.size(file), "the torn tail is cut off");
            journal.reset();
            assertTrue(journal.readAll().isEmpty());
        }
    }

    @Test
    void theStoreWritesWhatOnlyTheJournalHeldAndNothingTwice() throws Exception {
        Path db = dir.resolve("db");
        Path file = dir.resolve("db.audit-journal");
        List<ChainedEvent> all = chain("n1", 1, 8, ChainHash.GENESIS);
        try (Storage storage = StoreFactoryAccess.openH2WithoutAuditJournal(db)) {
            new JdbcAuditStore(storage.dataSource()).append(all.subList(0, 5));
        }
        // Acknowledged (journaled) but not yet in the database when the process died: 4..8.
        try (AuditJournal journal = new AuditJournal(file)) {
            journal.append(AuditRecords.encode(all.subList(3, 8)));
        }
        try (Storage storage = StoreFactoryAccess.openH2(db);
             JdbcAuditStore store = new JdbcAuditStore(storage.dataSource(), file)) {
            assertEquals(all, store.chain("n1", 0, 100));
            assertEquals(0, Files.size(file), "emptied once the database holds it all");
            List<ChainedEvent> more = chain("n1", 9, 3, all.get(7).hash());
            store.append(more);
            assertEquals(11, store.lastEvent("n1").orElseThrow().sequence(), "reads see journaled events at once");
        }
        try (Storage storage = StoreFactoryAccess.openH2WithoutAuditJournal(db)) {
            assertEquals(11, new JdbcAuditStore(storage.dataSource()).chain("n1", 0, 100).size(), "close wrote them all");
        }
    }
}
