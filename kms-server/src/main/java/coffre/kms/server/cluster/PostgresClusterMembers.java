package coffre.kms.server.cluster;

import coffre.kms.server.domain.StoreException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HexFormat;
import javax.sql.DataSource;

/**
 * The live nodes of a cluster on PostgreSQL, counted from the database's own view of its
 * sessions: every node keeps exactly one connection open to hear changes (the {@link ChangeFeed}'s
 * listening connection, reopened within seconds when it breaks), under an application name that
 * names the deployment ({@link #listenerName}), so nodes of other deployments sharing the database
 * in other schemas are not counted. A node that crashed or lost the database stops counting as
 * soon as PostgreSQL drops its session; no table, heartbeat or migration is needed.
 * {@code application_name} of other sessions is visible to every role.
 */
public final class PostgresClusterMembers implements ClusterMembers {
    private static final String PREFIX = "coffre-changes:";
    private static final String COUNT = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            + "AND application_name = ?";

    private final DataSource dataSource;
    private final String listenerName;

    /** @param schema the deployment's schema, or null for the connection's default */
    public PostgresClusterMembers(DataSource dataSource, String schema) {
        this.dataSource = dataSource;
        this.listenerName = listenerName(schema);
    }

    /**
     * The application name of a node's listening connection in the deployment of {@code schema}:
     * a fixed prefix and a digest of the schema (PostgreSQL cuts names at 63 bytes, schemas may be
     * as long).
     */
    public static String listenerName(String schema) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(PostgresChangeFeed.channelFor(schema).getBytes(StandardCharsets.UTF_8));
            return PREFIX + HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    @Override
    public int liveNodes() {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement st = connection.prepareStatement(COUNT)) {
            st.setString(1, listenerName);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                // This node counts even while its own listening connection is being reopened.
                return Math.max(1, rs.getInt(1));
            }
        } catch (SQLException e) {
            throw new StoreException("cannot count the cluster's live nodes", e);
        }
    }
}
