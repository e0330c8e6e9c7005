package coffre.kms.server.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The reads of audit queries, one statement each: the one place where a read meets the database,
 * so that every one of them is bounded the same way.
 */
class AuditStatements {
    static final String RECORDS_SQL = "SELECT events FROM kms_audit_batch WHERE node_id = ? AND first_seq = ?";

    /** Prepares {@code sql}; the place to bound the statement (see subclasses). */
    PreparedStatement prepare(Connection connection, String sql) throws SQLException {
        return connection.prepareStatement(sql);
    }

    /** Runs {@code st} (already bound); the place to watch it while it runs. */
    ResultSet execute(PreparedStatement st) throws SQLException {
        return st.executeQuery();
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
