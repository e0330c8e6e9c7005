package coffre.kms.server.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.flywaydb.core.api.migration.Context;

/**
 * Migration V9: audit queries become index ranges. Adds {@link AuditTermIndex}'s table, replaces
 * the two single-column time indexes by one on (min_micros, node_id, first_seq) — the order pages
 * are read in, so that a page's position is an index bound — and brings existing batch rows to the
 * form that needs: each indexed under its terms, and none spanning more than
 * {@link AuditBatch#MAX_SPAN_MICROS} of event time (a wider row is cut between records, its bytes
 * kept exactly as stored, so verification still names what was tampered with).
 *
 * <p>Reads every batch row once, a few at a time through the primary key (memory does not grow
 * with the log). In Java because SQL cannot decode the records. Portable (H2, PostgreSQL).
 */
final class AuditTermsMigration extends JavaCodedMigration {
    private static final System.Logger LOG = System.getLogger(AuditTermsMigration.class.getName());
    private static final int ROWS_PER_READ = 16;

    AuditTermsMigration() {
        super("9", "audit terms");
    }

    @Override
    public void migrate(Context context) throws SQLException {
        Connection connection = context.getConnection();
        boolean h2 = connection.getMetaData().getDatabaseProductName().startsWith("H2");
        try (Statement st = connection.createStatement()) {
            st.execute("""
                    CREATE TABLE kms_audit_term (
                        kind        CHAR(1)     NOT NULL,
                        term        VARCHAR(80) NOT NULL,
                        min_micros  BIGINT      NOT NULL,
                        max_micros  BIGINT      NOT NULL,
                        node_id     VARCHAR(64) NOT NULL,
                        first_seq   BIGINT      NOT NULL,
                        PRIMARY KEY (kind, term, min_micros, node_id, first_seq)
                    )""");
            st.execute("CREATE INDEX kms_audit_batch_by_time ON kms_audit_batch (min_micros, node_id, first_seq)");
            st.execute("DROP INDEX kms_audit_batch_by_min");
            st.execute("DROP INDEX kms_audit_batch_by_max");
        }
        long rows = 0;
        long cut = 0;
        for (String node : nodes(connection, h2)) {
            long after = Long.MIN_VALUE;
            while (true) {
                List<AuditBatch> batch = read(connection, node, after);
                for (AuditBatch row : batch) {
                    List<AuditBatch> pieces = pieces(row);
                    if (pieces.size() > 1) {
                        delete(connection, row);
                        for (AuditBatch piece : pieces) {
                            JdbcAuditStore.insertBatch(connection, piece);
                        }
                        cut++;
                    }
                    for (AuditBatch piece : pieces) {
                        AuditTermIndex.insert(connection, node, piece.firstSequence(), piece.minMicros(),
                                piece.maxMicros(), piece.distinctTerms());
                    }
                    after = row.firstSequence();
                    rows++;
                }
                if (batch.size() < ROWS_PER_READ) {
                    break;
                }
            }
        }
        if (rows > 0) {
            LOG.log(System.Logger.Level.INFO, "indexed {0} audit batch row(s) by term; cut {1} that spanned too long",
                    rows, cut);
        }
    }

    private static List<String> nodes(Connection connection, boolean h2) throws SQLException {
        List<String> nodes = new ArrayList<>();
        try (PreparedStatement st = connection.prepareStatement(JdbcAuditStore.NEXT_BATCH_NODE_SQL)) {
            String after = "";
            while (true) {
                st.setString(1, JdbcAuditStore.nodeBound(after, h2));
                st.setString(2, after);
                try (ResultSet rs = st.executeQuery()) {
                    if (!rs.next()) {
                        return nodes;
                    }
                    after = rs.getString(1);
                    nodes.add(after);
                }
            }
        }
    }

    private static List<AuditBatch> read(Connection connection, String node, long after) throws SQLException {
        List<AuditBatch> rows = new ArrayList<>();
        try (PreparedStatement st = connection.prepareStatement("SELECT first_seq, last_seq, min_micros, max_micros, "
                + "events FROM kms_audit_batch WHERE node_id = ? AND first_seq > ? ORDER BY node_id, first_seq LIMIT "
                + ROWS_PER_READ)) {
            st.setString(1, node);
            st.setLong(2, after);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    byte[] records = rs.getBytes(5);
                    rows.add(AuditBatch.stored(node, rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4),
                            records, AuditRecords.storedEnds(records).length));
                }
            }
        }
        return rows;
    }

    private static void delete(Connection connection, AuditBatch row) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement(
                "DELETE FROM kms_audit_batch WHERE node_id = ? AND first_seq = ?")) {
            st.setString(1, row.node());
            st.setLong(2, row.firstSequence());
            st.executeUpdate();
        }
    }

    /**
     * The row cut where its readable events would span too long, with the terms of each piece;
     * records that no longer decode stay with the piece they are in (they have no time). A row
     * with no readable event is kept whole, with its stored range.
     */
    static List<AuditBatch> pieces(AuditBatch row) {
        List<AuditRecords.Stored> stored = AuditRecords.read(row.records());
        int[] ends = AuditRecords.storedEnds(row.records());
        List<AuditBatch> pieces = new ArrayList<>();
        int from = 0;
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        Set<AuditBatch.Term> terms = new LinkedHashSet<>();
        for (int i = 0; i < stored.size(); i++) {
            var fields = stored.get(i).fields();
            if (fields == null) {
                continue;
            }
            long micros = fields.timeMicros();
            if (min != Long.MAX_VALUE && Math.max(max, micros) - Math.min(min, micros) > AuditBatch.MAX_SPAN_MICROS) {
                pieces.add(piece(row, ends, from, i, min, max, terms));
                from = i;
                min = Long.MAX_VALUE;
                max = Long.MIN_VALUE;
                terms = new LinkedHashSet<>();
            }
            min = Math.min(min, micros);
            max = Math.max(max, micros);
            terms.addAll(AuditBatch.terms(row.node(), fields.type(), fields.keyId(), fields.principal()));
        }
        if (min == Long.MAX_VALUE) {
            // Nothing readable: the row keeps its stored range, and has no term to be found by.
            return List.of(new AuditBatch(row.node(), row.firstSequence(), row.lastSequence(), row.minMicros(),
                    row.maxMicros(), row.records(), row.events(), null, null, List.of()));
        }
        pieces.add(piece(row, ends, from, stored.size(), min, max, terms));
        return pieces;
    }

    private static AuditBatch piece(AuditBatch row, int[] ends, int from, int to, long min, long max,
                                    Set<AuditBatch.Term> terms) {
        int start = from == 0 ? 0 : ends[from - 1];
        byte[] records = from == 0 && to == ends.length ? row.records()
                : java.util.Arrays.copyOfRange(row.records(), start, ends[to - 1]);
        long last = to == ends.length ? row.lastSequence() : row.firstSequence() + to - 1;
        return new AuditBatch(row.node(), row.firstSequence() + from, last, min, max, records, to - from, null, null,
                List.of(List.copyOf(terms)));
    }
}
