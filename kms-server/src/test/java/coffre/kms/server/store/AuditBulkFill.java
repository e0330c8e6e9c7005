package coffre.kms.server.store;

import coffre.kms.server.audit.AuditDecision;
import coffre.kms.server.audit.AuditEvent;
import coffre.kms.server.audit.AuditEventType;
import coffre.kms.server.audit.ChainHash;
import coffre.kms.server.audit.ChainedEvent;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a long, valid audit chain straight into a migrated store, rows and term index as the
 * store writes them, far faster than through a node: for tests of the log at volume.
 *
 * <p>The {@code i}th event written (from 1) is at {@code start + i} ms; every {@value #RARE_EVERY}th
 * is a {@code DISABLE_KEY} of {@value #RARE_KEY}, the others UNWRAP (odd {@code i}) or WRAP (even)
 * over four keys.
 */
public final class AuditBulkFill {
    public static final int RARE_EVERY = 10_000;
    public static final String RARE_KEY = "key-rare";
    public static final String PRINCIPAL = "spiffe://coffre.test/service/load";
    private static final int PER_ROW = 1_000;
    private static final int ROWS_PER_COMMIT = 50;

    private AuditBulkFill() {
    }

    /**
     * Appends {@code events} events to {@code node}'s chain, after its last stored event if it has
     * one (nothing else may write it meanwhile); returns the sequence of the first one written.
     */
    public static long fill(Connection c, String node, long events, Instant start) throws SQLException {
        return fill(c, node, events, start, PER_ROW);
    }

    /** As above, {@code perRow} events per batch row (PostgreSQL's rows are group commits: tens of events). */
    public static long fill(Connection c, String node, long events, Instant start, int perRow) throws SQLException {
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        String previous = ChainHash.GENESIS;
        long seq = 0;
        try (PreparedStatement tail = c.prepareStatement(JdbcAuditStore.TAIL_SQL)) {
            tail.setString(1, node);
            try (java.sql.ResultSet rs = tail.executeQuery()) {
                if (rs.next()) {
                    List<ChainedEvent> last = AuditRecords.chained(AuditRecords.read(rs.getBytes(2)), node, rs.getLong(1));
                    seq = last.get(last.size() - 1).sequence();
                    previous = last.get(last.size() - 1).hash();
                }
            }
        }
        long first = seq + 1;
        long end = seq + events;
        int rows = 0;
        try (PreparedStatement batch = c.prepareStatement("INSERT INTO kms_audit_batch (node_id, first_seq, last_seq, "
                + "min_micros, max_micros, events) VALUES (?, ?, ?, ?, ?, ?)");
             PreparedStatement terms = c.prepareStatement(AuditTermIndex.INSERT_SQL)) {
            while (seq < end) {
                List<ChainedEvent> row = new ArrayList<>(perRow);
                while (row.size() < perRow && seq < end) {
                    seq++;
                    long i = seq - first + 1;
                    boolean rare = i % RARE_EVERY == 0;
                    AuditEvent e = new AuditEvent(start.plusMillis(i),
                            rare ? AuditEventType.DISABLE_KEY : i % 2 == 0 ? AuditEventType.WRAP : AuditEventType.UNWRAP,
                            PRINCIPAL, rare ? RARE_KEY : "key-" + seq % 4, 1, AuditDecision.ALLOWED, null, "r" + seq,
                            "", "", "", 100);
                    ChainedEvent chained = ChainHash.chain(previous, node, seq, e);
                    previous = chained.hash();
                    row.add(chained);
                }
                AuditBatch b = AuditBatch.of(row);
                batch.setString(1, node);
                batch.setLong(2, b.firstSequence());
                batch.setLong(3, b.lastSequence());
                batch.setLong(4, b.minMicros());
                batch.setLong(5, b.maxMicros());
                batch.setBytes(6, b.records());
                batch.addBatch();
                for (AuditBatch.Term t : b.distinctTerms()) {
                    terms.setString(1, String.valueOf(t.kind()));
                    terms.setString(2, AuditTermIndex.value(t.value()));
                    terms.setLong(3, b.minMicros());
                    terms.setLong(4, b.maxMicros());
                    terms.setString(5, node);
                    terms.setLong(6, b.firstSequence());
                    terms.addBatch();
                }
                if (++rows % ROWS_PER_COMMIT == 0 || seq == end) {
                    batch.executeBatch();
                    terms.executeBatch();
                    c.commit();
                }
            }
        } finally {
            c.setAutoCommit(autoCommit);
        }
        return first;
    }
}
