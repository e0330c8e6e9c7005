package coffre.kms.server.store;

import coffre.kms.server.domain.StoreException;
import java.lang.System.Logger.Level;
import java.lang.System.Logger;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * One database transaction around a piece of JDBC work, shared by the stores: commit on success,
 * roll back on any failure, and report SQL failures as {@link StoreException} (naming the
 * SQLState, never the statement's values).
 *
 * <p>A pooled connection can turn out dead when used (the database restarted since it was last
 * checked). If it breaks before the commit is sent, the server has rolled the transaction back,
 * so the work runs once more on a fresh connection (the pool drops broken ones) and the caller
 * sees no error for a restart that is already over. A connection lost <em>during</em> the commit
 * leaves the outcome unknown: that is reported, never retried, so nothing is done twice.
 */
final class Transactions {
    /** JDBC work inside a transaction. */
    @FunctionalInterface
    interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    private static final Logger LOG = System.getLogger(Transactions.class.getName());

    private final DataSource dataSource;
    private final String storeName;

    Transactions(DataSource dataSource, String storeName) {
        this.dataSource = dataSource;
        this.storeName = storeName;
    }

    <T> T run(Work<T> work) {
        for (int attempt = 1; ; attempt++) {
            boolean connected = false;
            boolean committing = false;
            try (Connection connection = dataSource.getConnection()) {
                connected = true;
                connection.setAutoCommit(false);
                try {
                    T result = work.run(connection);
                    committing = true;
                    connection.commit();
                    return result;
                } catch (SQLException | RuntimeException e) {
                    rollback(connection, e);
                    throw e;
                }
            } catch (SQLException e) {
                if (attempt == 1 && connected && !committing && isConnectionLost(e)) {
                    LOG.log(Level.DEBUG, "{0}: connection lost (SQLState {1}); retrying on a fresh one",
                            storeName, e.getSQLState());
                    continue;
                }
                throw new StoreException(storeName + " operation failed (SQLState " + e.getSQLState() + ")", e);
            }
        }
    }

    private static void rollback(Connection connection, Exception cause) {
        try {
            connection.rollback();
        } catch (SQLException e) {
            // A broken connection cannot roll back (the server already has): keep the first failure.
            cause.addSuppressed(e);
        }
    }

    /** SQLState class 08 (connection exception) and 57P01-57P03 (server shutting down or restarting). */
    static boolean isConnectionLost(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                String state = sql.getSQLState();
                if (state.startsWith("08") || state.equals("57P01") || state.equals("57P02") || state.equals("57P03")) {
                    return true;
                }
            }
        }
        return false;
    }
}
