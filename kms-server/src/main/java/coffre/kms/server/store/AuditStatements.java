package coffre.kms.server.store;

import coffre.kms.server.domain.CallBounds;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The reads of audit queries and chain walks, one statement each: the one place where a read meets
 * the database, so that every one of them stops when its call is over ({@link CallBounds}). Before
 * a statement the call is checked; while it runs, cancelling the call cancels the statement
 * ({@link Statement#cancel()}: H2 stops at its next row, PostgreSQL on a cancel request); on
 * PostgreSQL the time left is also the statement's time-out. Not on H2, whose
 * {@code setQueryTimeout} sets the time-out of the pooled session, where it would outlive the call.
 */
final class AuditStatements {
    static final String RECORDS_SQL = "SELECT events FROM kms_audit_batch WHERE node_id = ? AND first_seq = ?";
    private static final System.Logger LOG = System.getLogger(AuditStatements.class.getName());

    private final CallBounds bounds;

    AuditStatements(CallBounds bounds) {
        this.bounds = bounds;
    }

    PreparedStatement prepare(Connection connection, String sql) throws SQLException {
        bounds.check();
        PreparedStatement st = connection.prepareStatement(sql);
        long left = bounds.remainingMillis();
        if (left > 0 && !connection.getMetaData().getDatabaseProductName().startsWith("H2")) {
            st.setQueryTimeout((int) Math.min(Integer.MAX_VALUE, (left + 999) / 1_000));
        }
        return st;
    }

    /** Runs {@code st} (already bound), cancelling it if the call is cancelled meanwhile. */
    ResultSet execute(PreparedStatement st) throws SQLException {
        try (CallBounds.Registration ignored = bounds.whileRunning(() -> cancel(st))) {
            bounds.check();
            return st.executeQuery();
        } catch (SQLException e) {
            // A cancelled or timed-out statement: report why the call stopped, not a store failure.
            bounds.check();
            throw e;
        }
    }

    private static void cancel(Statement st) {
        try {
            st.cancel();
        } catch (SQLException e) {
            LOG.log(System.Logger.Level.DEBUG, "cannot cancel an audit statement (SQLState {0})", e.getSQLState());
        }
    }

    List<AuditQueries.RowKey> keys(Connection connection, String sql, List<Object> args) throws SQLException {
        try (PreparedStatement st = prepare(connection, sql)) {
            bind(st, args);
            List<AuditQueries.RowKey> keys = new ArrayList<>();
            try (ResultSet rs = execute(st)) {
                while (rs.next()) {
                    keys.add(new AuditQueries.RowKey(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getLong(4)));
                }
            }
            return keys;
        }
    }

    /** The records of one batch row, or null if it is gone (pruned since its key was read). */
    byte[] records(Connection connection, String node, long firstSequence) throws SQLException {
        try (PreparedStatement st = prepare(connection, RECORDS_SQL)) {
            bind(st, List.of(node, firstSequence));
            try (ResultSet rs = execute(st)) {
                return rs.next() ? rs.getBytes(1) : null;
            }
        }
    }

    long count(Connection connection, String sql, List<Object> args) throws SQLException {
        try (PreparedStatement st = prepare(connection, sql)) {
            bind(st, args);
            try (ResultSet rs = execute(st)) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    static void bind(PreparedStatement st, List<?> args) throws SQLException {
        for (int i = 0; i < args.size(); i++) {
            st.setObject(i + 1, args.get(i));
        }
    }
}
