package coffre.kms.server.cluster;

import coffre.kms.server.domain.StoreException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.function.Supplier;
import javax.sql.DataSource;

/**
 * {@link ClusterLock} on PostgreSQL: a transaction-scoped advisory lock
 * ({@code pg_advisory_xact_lock}) on a 64-bit number derived from the lock's name, held on one
 * pooled connection for the duration of the action. PostgreSQL releases it at the end of the
 * transaction, or when the holder's session dies with its node. A node waits at most
 * {@link #WAIT} ({@code lock_timeout}) for a lock another node holds.
 */
public final class PostgresClusterLock implements ClusterLock {
    static final Duration WAIT = Duration.ofSeconds(30);
    /** Keeps Coffre's advisory lock numbers apart from any other application's on the same database. */
    private static final String NAMESPACE = "coffre/cluster-lock/";

    private final DataSource dataSource;

    public PostgresClusterLock(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    @Override
    public <T> T holding(String name, Supplier<T> action) {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                try (Statement st = connection.createStatement()) {
                    st.execute("SET LOCAL lock_timeout = '" + WAIT.toMillis() + "ms'");
                }
                try (PreparedStatement st = connection.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
                    st.setLong(1, number(name));
                    st.execute();
                }
            } catch (SQLException e) {
                connection.rollback();
                throw new StoreException("cannot take the cluster lock '" + name + "': " + e.getMessage(), e);
            }
            try {
                return action.get();
            } finally {
                // Ends the transaction, which releases the lock; a broken connection releases it too.
                try {
                    connection.rollback();
                } catch (SQLException ignored) {
                    // The session is gone, and the lock with it.
                }
            }
        } catch (SQLException e) {
            throw new StoreException("cannot take the cluster lock '" + name + "': " + e.getMessage(), e);
        }
    }

    /** The first 8 bytes of SHA-256 over the namespaced name: stable across nodes and versions. */
    static long number(String name) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest((NAMESPACE + name).getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(digest, 0, Long.BYTES).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
