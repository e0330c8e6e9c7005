package coffre.kms.server.cluster;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * The writing half of the {@link ChangeFeed}: the JDBC stores call it inside the transaction that
 * changes a record, so that the announcement commits (or rolls back) with the change itself.
 */
public interface ChangePublisher {
    /** Announces, on commit of {@code connection}'s transaction, that record {@code id} changed. */
    void publish(Connection connection, ChangeFeed.Topic topic, String id) throws SQLException;

    /** For a single node: nobody else to tell. */
    ChangePublisher NONE = (connection, topic, id) -> { };
}
