package coffre.kms.server.store;

import coffre.kms.v1.audit.AuditChainEncoding;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.flywaydb.core.api.migration.Context;

/**
 * Migration V8: the audit log is stored as batch rows ({@code kms_audit_batch}: one row per group
 * of consecutive events of a chain, the events as {@link AuditRecords}) instead of one row per event
 * ({@code kms_audit_event}, V6). Measured on the embedded store under load: inserting every event
 * as a row with its indexes took about a fifth of the server's CPU; a batch row costs about a
 * microsecond per event.
 *
 * <p>Existing events move as they are stored — hashes included, edited ones too, so that
 * verification still finds what was tampered with — in batches of {@value #MOVE_BATCH}; then the
 * old table is dropped. In Java because SQL cannot build the records. Portable (H2, PostgreSQL).
 */
final class AuditBatchesMigration extends JavaCodedMigration {
    private static final int MOVE_BATCH = 1_000;
    private static final System.Logger LOG = System.getLogger(AuditBatchesMigration.class.getName());

    AuditBatchesMigration() {
        super("8", "audit batches");
    }

    @Override
    public void migrate(Context context) throws SQLException {
        Connection connection = context.getConnection();
        try (Statement st = connection.createStatement()) {
            st.execute("""
                    CREATE TABLE kms_audit_batch (
                        node_id     VARCHAR(64) NOT NULL,
                        first_seq   BIGINT      NOT NULL,
                        last_seq    BIGINT      NOT NULL,
                        min_micros  BIGINT      NOT NULL,
                        max_micros  BIGINT      NOT NULL,
                        events      BYTEA       NOT NULL,
                        PRIMARY KEY (node_id, first_seq)
                    )""");
            // Queries are bounded by time: batches are found by the range of their events' times.
            st.execute("CREATE INDEX kms_audit_batch_by_min ON kms_audit_batch (min_micros)");
            st.execute("CREATE INDEX kms_audit_batch_by_max ON kms_audit_batch (max_micros)");
        }
        long moved = 0;
        try (PreparedStatement select = connection.prepareStatement("SELECT node_id, seq, event_micros, event_type, "
                + "principal, key_id, key_version, decision, reason, request_id, target, detail, context_sha256, "
                + "latency_micros, prev_hash, hash FROM kms_audit_event ORDER BY node_id, seq")) {
            select.setFetchSize(MOVE_BATCH);
            try (ResultSet rs = select.executeQuery()) {
                List<AuditRecords.Stored> batch = new ArrayList<>();
                String node = null;
                while (rs.next()) {
                    AuditChainEncoding.Fields f = new AuditChainEncoding.Fields(rs.getString(1), rs.getLong(2),
                            rs.getLong(3), rs.getString(4), rs.getString(5), rs.getString(6), rs.getInt(7),
                            rs.getString(8), rs.getString(9), rs.getString(10), rs.getString(11), rs.getString(12),
                            rs.getString(13), rs.getLong(14));
                    if (!batch.isEmpty() && (!f.node().equals(node) || batch.size() == MOVE_BATCH
                            || f.sequence() != batch.get(batch.size() - 1).fields().sequence() + 1)) {
                        moved += insert(connection, node, batch);
                        batch.clear();
                    }
                    node = f.node();
                    batch.add(new AuditRecords.Stored(f, rs.getString(15), rs.getString(16)));
                }
                if (!batch.isEmpty()) {
                    moved += insert(connection, node, batch);
                }
            }
        }
        try (Statement st = connection.createStatement()) {
            st.execute("DROP TABLE kms_audit_event");
        }
        if (moved > 0) {
            LOG.log(System.Logger.Level.INFO, "moved {0} audit event(s) into batch rows", moved);
        }
    }

    private static int insert(Connection connection, String node, List<AuditRecords.Stored> batch) throws SQLException {
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        for (AuditRecords.Stored s : batch) {
            min = Math.min(min, s.fields().timeMicros());
            max = Math.max(max, s.fields().timeMicros());
        }
        JdbcAuditStore.insertBatch(connection, AuditBatch.stored(node, batch.get(0).fields().sequence(),
                batch.get(batch.size() - 1).fields().sequence(), min, max, AuditRecords.write(batch), batch.size()));
        return batch.size();
    }
}
