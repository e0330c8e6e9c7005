package coffre.kms.server.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.audit.AuditDecision;
import coffre.kms.server.audit.AuditEvent;
import coffre.kms.server.audit.AuditEventType;
import coffre.kms.server.audit.ChainHash;
import coffre.kms.server.audit.ChainedEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How the embedded store's indexer turns the appends it has pending into batch rows. */
class AuditBatchRowsTest {

    private static List<ChainedEvent> events(String node, long from, int count) {
        return events(node, from, count, "");
    }

    private static List<ChainedEvent> events(String node, long from, int count, String detail) {
        List<ChainedEvent> events = new ArrayList<>();
        for (long seq = from; seq < from + count; seq++) {
            AuditEvent e = new AuditEvent(Instant.parse("2026-11-29T10:00:00Z").plusMillis(1_000 - seq),
                    AuditEventType.WRAP, "spiffe://t/p", "key-1", 1, AuditDecision.ALLOWED, null, "r" + seq, "", detail, "", 1);
            events.add(ChainHash.chain(ChainHash.GENESIS, node, seq, e));
        }
        return events;
    }

    private static AuditBatch batch(String node, long from, int count) {
        return AuditBatch.of(events(node, from, count));
    }

    @Test
    void runsOfOneChainBecomeOneRowEachAndKeepTheirRecords() {
        List<AuditBatch> rows = AuditBatch.rows(List.of(batch("n1", 1, 3), batch("n1", 4, 3),
                batch("n1", 8, 2), batch("n2", 10, 1), batch("n2", 11, 1)));
        assertEquals(3, rows.size());
        assertEquals(List.of(1L, 8L, 10L), rows.stream().map(AuditBatch::firstSequence).toList());
        assertEquals(List.of(6L, 9L, 11L), rows.stream().map(AuditBatch::lastSequence).toList());
        assertEquals(List.of(6, 2, 2), rows.stream().map(AuditBatch::events).toList());
        AuditBatch first = rows.get(0);
        assertEquals(events("n1", 1, 6), AuditRecords.chained(AuditRecords.read(first.records()), "n1", 1));
        // Times run backwards in these events: the row's range covers them all.
        assertEquals(ChainHash.micros(events("n1", 6, 1).get(0).event().time()), first.minMicros());
        assertEquals(ChainHash.micros(events("n1", 1, 1).get(0).event().time()), first.maxMicros());
    }

    @Test
    void freshlyChainedEventsGiveTheSameRecordsWithoutBeingEncodedAgain() {
        List<ChainedEvent> events = events("n1", 1, 5);
        ChainHash.Chained chained = ChainHash.chainAll(ChainHash.GENESIS, "n1", 1,
                events.stream().map(ChainedEvent::event).toList());
        AuditBatch fresh = AuditBatch.of(chained);
        AuditBatch reencoded = AuditBatch.of(chained.events());
        assertArrayEquals(reencoded.records(), fresh.records());
        assertEquals(List.of(1L, 5L, 5L), List.of(fresh.firstSequence(), fresh.lastSequence(), (long) fresh.events()));
        assertEquals(chained.events(), AuditRecords.chained(AuditRecords.read(fresh.records()), "n1", 1));
    }

    @Test
    void aRowHoldsAtMostItsLimitOfEvents() {
        List<AuditBatch> pending = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            pending.add(batch("n1", 1 + i * 200L, 200));
        }
        List<AuditBatch> rows = AuditBatch.rows(pending);
        assertEquals(List.of(AuditBatch.ROW_EVENTS, AuditBatch.ROW_EVENTS, 400),
                rows.stream().map(AuditBatch::events).toList());
        assertEquals(List.of(1L, 1_001L, 2_001L), rows.stream().map(AuditBatch::firstSequence).toList());
        assertEquals(400, AuditRecords.read(rows.get(2).records()).size());
    }

    @Test
    void aRowHoldsAtMostItsLimitOfBytes() {
        List<AuditBatch> pending = new ArrayList<>();
        String detail = "d".repeat(2_000);
        for (int i = 0; i < 40; i++) {
            pending.add(AuditBatch.of(events("n1", 1 + i * 20L, 20, detail)));
        }
        int batchBytes = pending.get(0).records().length;
        int perRow = AuditBatch.ROW_BYTES / batchBytes;
        assertTrue(perRow * 20 < AuditBatch.ROW_EVENTS && perRow < 40, "the byte limit binds in this test");
        List<AuditBatch> rows = AuditBatch.rows(pending);
        for (AuditBatch row : rows) {
            assertTrue(row.records().length <= AuditBatch.ROW_BYTES, "row of " + row.records().length + " bytes");
        }
        assertEquals(perRow * 20, rows.get(0).events());
        assertEquals(800, rows.stream().mapToInt(AuditBatch::events).sum());
    }

    @Test
    void aRowNeverSpansMoreThanASecondOfEventTime() {
        // One append whose events lie 400 ms apart (a backlog written late): cut, never copied wrongly.
        List<ChainedEvent> events = new ArrayList<>();
        for (long seq = 1; seq <= 10; seq++) {
            AuditEvent e = new AuditEvent(Instant.parse("2026-11-29T10:00:00Z").plusMillis(seq * 400), AuditEventType.WRAP,
                    "spiffe://t/p", "key-" + seq % 2, 1, AuditDecision.ALLOWED, null, "r" + seq, "", "", "", 1);
            events.add(ChainHash.chain(ChainHash.GENESIS, "n1", seq, e));
        }
        List<AuditBatch> rows = AuditBatch.rows(List.of(AuditBatch.of(events.subList(0, 4)), AuditBatch.of(events.subList(4, 10))));
        for (AuditBatch row : rows) {
            assertTrue(row.maxMicros() - row.minMicros() <= AuditBatch.MAX_SPAN_MICROS, row.toString());
        }
        // 400 ms apart: three events (800 ms) per row at most.
        assertEquals(List.of(1L, 4L, 7L, 10L), rows.stream().map(AuditBatch::firstSequence).toList());
        List<ChainedEvent> read = new ArrayList<>();
        for (AuditBatch row : rows) {
            read.addAll(AuditRecords.chained(AuditRecords.read(row.records()), "n1", row.firstSequence()));
            assertEquals(row.events(), AuditRecords.read(row.records()).size());
        }
        assertEquals(events, read);
        assertEquals(java.util.Set.of(new AuditBatch.Term('n', "n1"), new AuditBatch.Term('t', "WRAP"),
                new AuditBatch.Term('k', "key-0"), new AuditBatch.Term('k', "key-1"), new AuditBatch.Term('p', "spiffe://t/p")),
                rows.get(0).distinctTerms());
    }
}
