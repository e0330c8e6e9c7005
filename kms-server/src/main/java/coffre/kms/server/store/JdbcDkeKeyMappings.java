package coffre.kms.server.store;

import coffre.kms.server.cluster.ChangeFeed;
import coffre.kms.server.cluster.ChangePublisher;
import coffre.kms.server.keys.KeyId;
import coffre.kms.server.keystores.DkeKeyMapping;
import coffre.kms.server.keystores.DkeKeyMappingRepository;
import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * DKE key name mappings in {@code kms_dke_key} (migration V14), with portable SQL shared by the
 * embedded H2 store and PostgreSQL. Each change is announced on the change feed (topic
 * {@code DKE}, the key name) inside its transaction.
 */
public final class JdbcDkeKeyMappings implements DkeKeyMappingRepository {
    private static final String SELECT = "SELECT key_name, key_id, created_at FROM kms_dke_key";

    private final Transactions transactions;
    private final ChangePublisher changes;

    /** Over a data source whose schema {@link Storage} has already migrated; does not own it. */
    public JdbcDkeKeyMappings(DataSource dataSource) {
        this(dataSource, ChangePublisher.NONE);
    }

    JdbcDkeKeyMappings(DataSource dataSource, ChangePublisher changes) {
        this.transactions = new Transactions(dataSource, "DKE key name");
        this.changes = changes;
    }

    @Override
    public List<DkeKeyMapping> loadAll() {
        return transactions.run(connection -> {
            try (PreparedStatement st = connection.prepareStatement(SELECT + " ORDER BY key_name");
                 ResultSet rs = st.executeQuery()) {
                List<DkeKeyMapping> all = new ArrayList<>();
                while (rs.next()) {
                    all.add(read(rs));
                }
                return all;
            }
        });
    }

    @Override
    public Optional<DkeKeyMapping> load(String keyName) {
        return transactions.run(connection -> {
            try (PreparedStatement st = connection.prepareStatement(SELECT + " WHERE key_name = ?")) {
                st.setString(1, keyName);
                try (ResultSet rs = st.executeQuery()) {
                    return rs.next() ? Optional.of(read(rs)) : Optional.empty();
                }
            }
        });
    }

    @Override
    public void insert(DkeKeyMapping mapping) {
        transactions.run(connection -> {
            if (exists(connection, mapping.keyName())) {
                throw new KmsException(ErrorReason.DKE_KEY_MAPPING_ALREADY_EXISTS, "DKE key name " + mapping.keyName()
                        + " is already mapped; unmap it first to map it to another key");
            }
            try (PreparedStatement st = connection.prepareStatement(
                    "INSERT INTO kms_dke_key (key_name, key_id, created_at) VALUES (?, ?, ?)")) {
                st.setString(1, mapping.keyName());
                st.setString(2, mapping.keyId().value());
                st.setObject(3, mapping.createTime().atOffset(ZoneOffset.UTC));
                st.executeUpdate();
            } catch (SQLException e) {
                // Another node inserted the name between the check and the insert (SQLState class 23).
                if (e.getSQLState() != null && e.getSQLState().startsWith("23")) {
                    throw new KmsException(ErrorReason.DKE_KEY_MAPPING_ALREADY_EXISTS, "DKE key name "
                            + mapping.keyName() + " is already mapped; unmap it first to map it to another key");
                }
                throw e;
            }
            changes.publish(connection, ChangeFeed.Topic.DKE, mapping.keyName());
            return null;
        });
    }

    @Override
    public boolean delete(String keyName) {
        return transactions.run(connection -> {
            try (PreparedStatement st = connection.prepareStatement("DELETE FROM kms_dke_key WHERE key_name = ?")) {
                st.setString(1, keyName);
                if (st.executeUpdate() == 0) {
                    return false;
                }
            }
            changes.publish(connection, ChangeFeed.Topic.DKE, keyName);
            return true;
        });
    }

    private static boolean exists(Connection connection, String keyName) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement("SELECT 1 FROM kms_dke_key WHERE key_name = ?")) {
            st.setString(1, keyName);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static DkeKeyMapping read(ResultSet rs) throws SQLException {
        return new DkeKeyMapping(rs.getString(1), new KeyId(rs.getString(2)),
                rs.getObject(3, OffsetDateTime.class).toInstant());
    }
}
