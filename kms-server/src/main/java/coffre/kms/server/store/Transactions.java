package coffre.kms.server.store;

import coffre.kms.server.domain.Store;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * One database transaction around a piece of JDBC work, shared by the stores: commit on success,
 * roll back on any failure, and report SQL failures as {@link Store.StoreException} (naming the
 * SQLState, never the statement's values).
 */
final class Transactions {
    /** JDBC work inside a transaction. */
    @FunctionalInterface
    interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    private final DataSource dataSource;
    private final String storeName;

    Transactions(DataSource dataSource, String storeName) {
        this.dataSource = dataSource;
        this.storeName = storeName;
    }

    <T> T run(Work<T> work) {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                T result = work.run(connection);
                connection.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new Store.StoreException(storeName + " operation failed (SQLState " + e.getSQLState() + ")", e);
        }
    }
}
