package coffre.kms.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
        List<ChainedEvent> events = new ArrayList<>();
        for (long seq = from; seq < from + count; seq++) {
            AuditEvent e = new AuditEvent(Instant.parse("2026-11-29T10:00:00Z").plusMillis(1_000 - seq),
                    AuditEventType.WRAP, "spiffe://t/p", "key-1", 1, AuditDecision.ALLOWED, null, "r" + seq, "", "", "", 1);
            events.add(ChainHash.chain(ChainHash.GENESIS, node, seq, e));
        }
        return events;
    }

    private static JdbcAuditStore.Batch batch(String node, long from, int count) {
        return JdbcAuditStore.Batch.of(events(node, from, count));
    }

    @Test
    void runsOfOneChainBecomeOneRowEachAndKeepTheirRecords() {
        List<JdbcAuditStore.Batch> rows = JdbcAuditStore.Batch.rows(List.of(batch("n1", 1, 3), batch("n1", 4, 3),
                batch("n1", 8, 2), batch("n2", 10, 1), batch("n2", 11, 1)));
        assertEquals(3, rows.size());
        assertEquals(List.of(1L, 8L, 10L), rows.stream().map(JdbcAuditStore.Batch::firstSequence).toList());
        assertEquals(List.of(6L, 9L, 11L), rows.stream().map(JdbcAuditStore.Batch::lastSequence).toList());
        assertEquals(List.of(6, 2, 2), rows.stream().map(JdbcAuditStore.Batch::events).toList());
        JdbcAuditStore.Batch first = rows.get(0);
        assertEquals(events("n1", 1, 6), AuditRecords.chained(AuditRecords.read(first.records()), "n1", 1));
        // Times run backwards in these events: the row's range covers them all.
        assertEquals(ChainHash.micros(events("n1", 6, 1).get(0).event().time()), first.minMicros());
        assertEquals(ChainHash.micros(events("n1", 1, 1).get(0).event().time()), first.maxMicros());
    }

    @Test
    void aRowHoldsAtMostItsLimitOfEvents() {
        List<JdbcAuditStore.Batch> pending = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            pending.add(batch("n1", 1 + i * 1_000L, 1_000));
        }
        List<JdbcAuditStore.Batch> rows = JdbcAuditStore.Batch.rows(pending);
        assertEquals(List.of(JdbcAuditStore.ROW_EVENTS, JdbcAuditStore.ROW_EVENTS, 2_000),
                rows.stream().map(JdbcAuditStore.Batch::events).toList());
        assertEquals(List.of(1L, 5_001L, 10_001L), rows.stream().map(JdbcAuditStore.Batch::firstSequence).toList());
        assertEquals(2_000, AuditRecords.read(rows.get(2).records()).size());
    }
}
