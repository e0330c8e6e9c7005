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
    void eventsComeBackExactlyAndATornTailIsOverwrittenByTheNextAppend() throws Exception {
        Path file = dir.resolve("j");
        List<ChainedEvent> written = chain("n1", 1, 8, ChainHash.GENESIS);
        long whole;
        try (AuditJournal journal = new AuditJournal(file)) {
            journal.readAll();
            journal.append(AuditRecords.encode(written.subList(0, 3)));
            journal.append(AuditRecords.encode(written.subList(3, 5)));
            whole = journal.size();
        }
        // A crash in the middle of the next append: half a record after the last whole one.
        writeAt(file, whole, new byte[] {0, 0, 1, 0, 9, 9, 9});
        try (AuditJournal journal = new AuditJournal(file)) {
            assertEquals(written.subList(0, 5), journal.readAll());
            assertEquals(whole, journal.size(), "the torn tail is not counted");
            journal.append(AuditRecords.encode(written.subList(5, 8)));
        }
        try (AuditJournal journal = new AuditJournal(file)) {
            assertEquals(written, journal.readAll(), "the next append went where the torn record began");
            journal.reset();
            assertTrue(journal.readAll().isEmpty());
            assertEquals(0, journal.size());
        }
    }

    @Test
    void withoutDirectIoAppendsAcrossBlocksComeBackExactly() throws Exception {
        Path file = dir.resolve("j");
        List<ChainedEvent> events = chain("n1", 1, 300, ChainHash.GENESIS);
        try (AuditJournal journal = new AuditJournal(file, false)) {
            journal.readAll();
            journal.reset();
            for (int i = 0; i < events.size(); i += 30) {
                journal.append(AuditRecords.encode(events.subList(i, i + 30)));
            }
        }
        try (AuditJournal journal = new AuditJournal(file, false)) {
            assertEquals(events, journal.readAll());
            journal.reset();
            assertTrue(journal.readAll().isEmpty());
        }
    }

    @Test
    void recordsLeftFromBeforeTheJournalWasEmptiedAreNotReadAgain() throws Exception {
        Path file = dir.resolve("j");
        List<ChainedEvent> old = chain("n1", 1, 60, ChainHash.GENESIS);
        List<ChainedEvent> next = chain("n1", 61, 2, old.get(59).hash());
        byte[] oldRecords = AuditRecords.encode(old);
        try (AuditJournal journal = new AuditJournal(file)) {
            journal.readAll();
            journal.append(oldRecords);
            journal.reset();
            journal.append(AuditRecords.encode(next));
            // The worst case: a whole old record (a good CRC) begins right after the new ones.
            byte[] stale = AuditRecords.encode(old.subList(30, 31));
            writeAt(file, journal.size(), stale);
        }
        try (AuditJournal journal = new AuditJournal(file)) {
            assertEquals(next, journal.readAll(), "the stale record does not continue the chain of the new ones");
        }
    }

    @Test
    void readInPiecesOfAnySizeTheSameRecordsComeBackAndAppendsGoOnFromThem() throws Exception {
        Path file = dir.resolve("j");
        List<ChainedEvent> events = chain("n1", 1, 320, ChainHash.GENESIS);
        List<ChainedEvent> old = chain("n1", 1, 40, ChainHash.GENESIS);
        long whole;
        try (AuditJournal journal = new AuditJournal(file)) {
            journal.readAll();
            journal.append(AuditRecords.encode(old));
            journal.reset();
            for (int i = 0; i < 300; i += 25) {
                journal.append(AuditRecords.encode(events.subList(i, i + 25)));
            }
            whole = journal.size();
        }
        // After the records: a whole record left from before the reset (a good CRC, another chain).
        writeAt(file, whole, AuditRecords.encode(old.subList(7, 8)));
        for (int piece : new int[] {1, 8, 9, 100, 333, 4096, 1 << 20}) {
            try (AuditJournal journal = new AuditJournal(file)) {
                assertEquals(events.subList(0, 300), journal.readAll(piece), "pieces of " + piece + " bytes");
                assertEquals(whole, journal.size(), "pieces of " + piece + " bytes");
            }
        }
        // Read in small pieces, the journal still holds its last partial block for the next append.
        try (AuditJournal journal = new AuditJournal(file)) {
            journal.readAll(100);
            journal.append(AuditRecords.encode(events.subList(300, 320)));
        }
        try (AuditJournal journal = new AuditJournal(file)) {
            assertEquals(events, journal.readAll());
        }
    }

    @Test
    void theFileIsZeroFilledAheadSoThatAppendsDoNotGrowIt() throws Exception {
        Path file = dir.resolve("j");
        List<ChainedEvent> events = chain("n1", 1, 40, ChainHash.GENESIS);
        try (AuditJournal journal = new AuditJournal(file)) {
            journal.readAll();
            journal.reset();
            long size = Files.size(file);
            assertTrue(size >= AuditJournal.PREALLOCATED_BYTES, "zero-filled ahead: " + size);
            for (int i = 0; i < events.size(); i += 4) {
                journal.append(AuditRecords.encode(events.subList(i, i + 4)));
            }
            assertEquals(size, Files.size(file));
        }
    }

    @Test
    void appendsOfAnySizeAcrossBlocksAndPastThePreallocatedBytesComeBackExactly() throws Exception {
        Path file = dir.resolve("j");
        List<ChainedEvent> events = chain("n1", 1, 90_000, ChainHash.GENESIS);
        List<Integer> sizes = List.of(1, 2, 3, 17, 1, 250, 4_000, 1, 9, 30);
        long bytes = 0;
        try (AuditJournal journal = new AuditJournal(file)) {
            journal.readAll();
            journal.reset();
            int from = 0;
            for (int round = 0; from < events.size(); round++) {
                int to = Math.min(events.size(), from + sizes.get(round % sizes.size()));
                byte[] records = AuditRecords.encode(events.subList(from, to));
                journal.append(records);
                bytes += records.length;
                from = to;
            }
            assertEquals(bytes, journal.size());
        }
        assertTrue(bytes > AuditJournal.PREALLOCATED_BYTES, "the test writes past the preallocated bytes: " + bytes);
        try (AuditJournal journal = new AuditJournal(file)) {
            assertEquals(events, journal.readAll());
        }
    }

    @Test
    void aJournalWrittenByAppendingToTheFileIsReadAndContinued() throws Exception {
        Path file = dir.resolve("j");
        List<ChainedEvent> events = chain("n1", 1, 7, ChainHash.GENESIS);
        // As journals were written before they were zero-filled ahead: records, then the end of the file.
        Files.write(file, AuditRecords.encode(events.subList(0, 5)));
        try (AuditJournal journal = new AuditJournal(file)) {
            assertEquals(events.subList(0, 5), journal.readAll());
            journal.append(AuditRecords.encode(events.subList(5, 7)));
        }
        try (AuditJournal journal = new AuditJournal(file)) {
            assertEquals(events, journal.readAll());
        }
    }

    /** Writes {@code events} to the database at {@code db} directly (no journal), as a node that synced them. */
    private static void databaseHolding(Path db, List<ChainedEvent> events) {
        try (Storage storage = StoreFactoryAccess.openH2WithoutAuditJournal(db)) {
            new JdbcAuditStore(storage.dataSource()).append(events);
        }
    }

    private static void writeAt(Path file, long position, byte[] bytes) throws Exception {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(bytes), position);
        }
    }

    @Test
    void theStoreWritesWhatOnlyTheJournalHeldAndNothingTwice() throws Exception {
        Path db = dir.resolve("db");
        Path file = dir.resolve("db.audit-journal");
        List<ChainedEvent> all = chain("n1", 1, 8, ChainHash.GENESIS);
        databaseHolding(db, all.subList(0, 5));
        // Acknowledged (journaled) but not yet in the database when the process died: 4..8.
        try (AuditJournal journal = new AuditJournal(file)) {
            journal.append(AuditRecords.encode(all.subList(3, 8)));
        }
        try (Storage storage = StoreFactoryAccess.openH2(db);
             JdbcAuditStore store = new JdbcAuditStore(storage.dataSource(), file)) {
            assertEquals(all, store.chain("n1", 0, 100));
            try (AuditJournal journal = new AuditJournal(file)) {
                assertTrue(journal.readAll().isEmpty(), "emptied once the database holds it all");
            }
            List<ChainedEvent> more = chain("n1", 9, 3, all.get(7).hash());
            store.append(more);
            assertEquals(11, store.lastEvent("n1").orElseThrow().sequence(), "reads see journaled events at once");
        }
        try (Storage storage = StoreFactoryAccess.openH2WithoutAuditJournal(db)) {
            assertEquals(11, new JdbcAuditStore(storage.dataSource()).chain("n1", 0, 100).size(), "close wrote them all");
        }
    }

    @Test
    void afterACrashTheStoreTakesWhatEitherJournalHeldInOrderAndOnce() throws Exception {
        Path db = dir.resolve("db");
        Path file = dir.resolve("db.audit-journal");
        List<ChainedEvent> all = chain("n1", 1, 8, ChainHash.GENESIS);
        databaseHolding(db, all.subList(0, 3));
        // Died after a swap, before the database's sync: the first journal still holds 1..5 (4 and 5
        // lost by the database), the second the appends since, 6..8.
        try (AuditJournal first = new AuditJournal(file);
             AuditJournal second = new AuditJournal(dir.resolve("db.audit-journal-2"))) {
            first.readAll();
            first.append(AuditRecords.encode(all.subList(0, 5)));
            second.readAll();
            second.append(AuditRecords.encode(all.subList(5, 8)));
        }
        try (Storage storage = StoreFactoryAccess.openH2(db);
             JdbcAuditStore store = new JdbcAuditStore(storage.dataSource(), file)) {
            assertEquals(all, store.chain("n1", 0, 100));
        }
    }

    @Test
    void appendsGoOnWhileTheJournalsAreSwappedAndEmptiedAndNothingIsLost() throws Exception {
        Path db = dir.resolve("db");
        Path file = dir.resolve("db.audit-journal");
        Path second = dir.resolve("db.audit-journal-2");
        List<ChainedEvent> all = chain("n1", 1, 400, ChainHash.GENESIS);
        int emptiedSeen = 0;
        try (Storage storage = StoreFactoryAccess.openH2(db);
             JdbcAuditStore store = new JdbcAuditStore(storage.dataSource(), file, 0)) {
            for (int i = 0; i < all.size(); i += 50) {
                store.append(all.subList(i, i + 50));
                Thread.sleep(250); // the indexer runs every 100 ms, and swaps each time (interval 0)
                if (journaledEvents(file) + journaledEvents(second) < i + 50) {
                    emptiedSeen++;
                }
            }
            assertEquals(all, store.chain("n1", 0, 1_000));
        }
        assertTrue(emptiedSeen >= 3, "the journals were swapped and emptied as events came: " + emptiedSeen);
        try (Storage storage = StoreFactoryAccess.openH2WithoutAuditJournal(db)) {
            assertEquals(all, new JdbcAuditStore(storage.dataSource()).chain("n1", 0, 1_000));
        }
    }

    private static int journaledEvents(Path file) {
        try (AuditJournal journal = new AuditJournal(file)) {
            return journal.readAll().size();
        }
    }
}
