package coffre.kms.server.store;

import coffre.kms.server.approval.SignedDocumentCodec;
import coffre.kms.server.cluster.ChangeFeed;
import coffre.kms.server.cluster.ChangePublisher;
import coffre.kms.server.keys.Alias;
import coffre.kms.server.keys.KeyAccessPolicy;
import coffre.kms.server.keys.KeyId;
import coffre.kms.server.keys.KeyMetadata;
import coffre.kms.server.keys.KeyMetadataStore;
import coffre.kms.server.keys.KeySpec;
import coffre.kms.server.keys.KeyState;
import coffre.kms.server.keys.KeyUsage;
import coffre.kms.server.keys.PublicKeyInfo;
import coffre.kms.server.keys.KeyVersionMetadata;
import coffre.kms.server.keys.KeyVersionState;
import coffre.kms.v1.AccessPolicy;
import com.google.protobuf.InvalidProtocolBufferException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import javax.sql.DataSource;

/**
 * The {@link KeyMetadataStore} of key metadata over JDBC, with portable SQL shared by the embedded H2 file and
 * PostgreSQL. Each method is one transaction; a failed one changes nothing.
 */
public final class JdbcStore implements KeyMetadataStore {
    private static final String PROTECTION_HSM = "HSM";
    /** SQLState class 23 = integrity constraint violation (same code on H2 and PostgreSQL). */
    private static final String INTEGRITY_VIOLATION_CLASS = "23";

    private final Transactions transactions;
    private final ChangePublisher changes;

    /** Over a data source whose schema {@link Storage} has already migrated; does not own it. */
    public JdbcStore(DataSource dataSource) {
        this(dataSource, ChangePublisher.NONE);
    }

    /** @param changes told of every key change, inside its transaction */
    JdbcStore(DataSource dataSource, ChangePublisher changes) {
        this.transactions = new Transactions(dataSource, "store");
        this.changes = changes;
    }

    @Override
    public void insertKey(KeyMetadata key) {
        transactions.run(connection -> {
            try (PreparedStatement st = connection.prepareStatement("""
                    INSERT INTO kms_key (id, alias, description, state, protection_level, primary_version,
                                         created_at, updated_at, deletion_time, destroy_time, revision,
                                         access_policy, require_unwrap_approval, alias_folded, key_spec, key_usage)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""")) {
                st.setString(1, key.id().value());
                st.setString(2, key.alias() == null ? null : key.alias().value());
                st.setString(3, key.description());
                st.setString(4, key.state().name());
                st.setString(5, PROTECTION_HSM);
                st.setInt(6, key.primaryVersion());
                st.setObject(7, utc(key.createdAt()));
                st.setObject(8, utc(key.updatedAt()));
                st.setObject(9, utc(key.deletionTime()));
                st.setObject(10, utc(key.destroyTime()));
                st.setLong(11, key.revision());
                st.setString(12, encode(key.accessPolicy()));
                st.setBoolean(13, key.requireUnwrapApproval());
                st.setString(14, key.alias() == null ? null : key.alias().folded());
                st.setString(15, key.spec().name());
                st.setString(16, key.usage().name());
                st.executeUpdate();
            } catch (SQLException e) {
                if (key.alias() != null && isIntegrityViolation(e)) {
                    throw new AliasTakenException(key.alias().value());
                }
                throw e;
            }
            try (PreparedStatement st = connection.prepareStatement(
                    "INSERT INTO kms_key_label (key_id, label_name, label_value) VALUES (?, ?, ?)")) {
                for (Map.Entry<String, String> label : key.labels().entrySet()) {
                    st.setString(1, key.id().value());
                    st.setString(2, label.getKey());
                    st.setString(3, label.getValue());
                    st.addBatch();
                }
                st.executeBatch();
            }
            insertVersions(connection, key.id(), key.versions());
            changes.publish(connection, ChangeFeed.Topic.KEY, key.id().value());
            return null;
        });
    }

    @Override
    public void updateKey(KeyMetadata key) {
        transactions.run(connection -> {
            try (PreparedStatement st = connection.prepareStatement("""
                    UPDATE kms_key SET state = ?, primary_version = ?, updated_at = ?, deletion_time = ?,
                                       destroy_time = ?, revision = ?, access_policy = ?, require_unwrap_approval = ?
                    WHERE id = ? AND revision = ?""")) {
                st.setString(1, key.state().name());
                st.setInt(2, key.primaryVersion());
                st.setObject(3, utc(key.updatedAt()));
                st.setObject(4, utc(key.deletionTime()));
                st.setObject(5, utc(key.destroyTime()));
                st.setLong(6, key.revision());
                st.setString(7, encode(key.accessPolicy()));
                st.setBoolean(8, key.requireUnwrapApproval());
                st.setString(9, key.id().value());
                st.setLong(10, key.revision() - 1);
                if (st.executeUpdate() != 1) {
                    throw new ConcurrentUpdateException(key.id());
                }
            }
            Map<Integer, KeyVersionState> stored = new HashMap<>();
            try (PreparedStatement st = connection.prepareStatement(
                    "SELECT version, state FROM kms_key_version WHERE key_id = ?")) {
                st.setString(1, key.id().value());
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        stored.put(rs.getInt(1), KeyVersionState.valueOf(rs.getString(2)));
                    }
                }
            }
            List<KeyVersionMetadata> added = new ArrayList<>();
            try (PreparedStatement st = connection.prepareStatement(
                    "UPDATE kms_key_version SET state = ?, destroyed_at = ? WHERE key_id = ? AND version = ?")) {
                for (KeyVersionMetadata version : key.versions()) {
                    KeyVersionState before = stored.get(version.version());
                    if (before == null) {
                        added.add(version);
                    } else if (before != version.state()) {
                        st.setString(1, version.state().name());
                        st.setObject(2, utc(version.destroyedAt()));
                        st.setString(3, key.id().value());
                        st.setInt(4, version.version());
                        st.addBatch();
                    }
                }
                st.executeBatch();
            }
            insertVersions(connection, key.id(), added);
            changes.publish(connection, ChangeFeed.Topic.KEY, key.id().value());
            return null;
        });
    }

    @Override
    public Optional<KeyMetadata> findKey(KeyId id) {
        return transactions.run(connection -> {
            List<KeyMetadata> found = select(connection, "WHERE k.id = ?", id.value());
            return found.stream().findFirst();
        });
    }

    @Override
    public List<KeyMetadata> loadAllKeys() {
        return transactions.run(connection -> select(connection, "", null));
    }

    @Override
    public void ping() {
        transactions.run(connection -> {
            try (PreparedStatement st = connection.prepareStatement("SELECT 1");
                 ResultSet rs = st.executeQuery()) {
                return rs.next();
            }
        });
    }

    /** The data source belongs to {@link Storage}, which closes it. */
    @Override
    public void close() {
    }

    private static void insertVersions(Connection connection, KeyId id, List<KeyVersionMetadata> versions)
            throws SQLException {
        if (versions.isEmpty()) {
            return;
        }
        try (PreparedStatement st = connection.prepareStatement("""
                INSERT INTO kms_key_version (key_id, version, hsm_label, state, created_at, destroyed_at, public_key)
                VALUES (?, ?, ?, ?, ?, ?, ?)""")) {
            for (KeyVersionMetadata version : versions) {
                st.setString(1, id.value());
                st.setInt(2, version.version());
                st.setString(3, version.hsmLabel());
                st.setString(4, version.state().name());
                st.setObject(5, utc(version.createdAt()));
                st.setObject(6, utc(version.destroyedAt()));
                st.setString(7, version.publicKey() == null ? null
                        : Base64.getEncoder().encodeToString(version.publicKey().der()));
                st.addBatch();
            }
            st.executeBatch();
        }
    }

    /** Reads keys with their versions and labels in three queries, whatever the number of keys. */
    private static List<KeyMetadata> select(Connection connection, String where, String param) throws SQLException {
        Map<String, List<KeyVersionMetadata>> versions = new HashMap<>();
        try (PreparedStatement st = connection.prepareStatement(
                "SELECT k.id, v.version, v.hsm_label, v.state, v.created_at, v.destroyed_at, v.public_key, k.key_spec "
                        + "FROM kms_key_version v JOIN kms_key k ON k.id = v.key_id " + where
                        + " ORDER BY k.id, v.version")) {
            bind(st, param);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    versions.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(new KeyVersionMetadata(
                            rs.getInt(2), rs.getString(3), KeyVersionState.valueOf(rs.getString(4)),
                            instant(rs, 5), instant(rs, 6), publicKey(rs.getString(7), rs.getString(8))));
                }
            }
        }
        Map<String, TreeMap<String, String>> labels = new HashMap<>();
        try (PreparedStatement st = connection.prepareStatement(
                "SELECT k.id, l.label_name, l.label_value FROM kms_key_label l JOIN kms_key k ON k.id = l.key_id " + where)) {
            bind(st, param);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    labels.computeIfAbsent(rs.getString(1), k -> new TreeMap<>()).put(rs.getString(2), rs.getString(3));
                }
            }
        }
        Map<String, KeyMetadata> keys = new LinkedHashMap<>();
        try (PreparedStatement st = connection.prepareStatement(
                "SELECT k.id, k.alias, k.description, k.state, k.primary_version, k.created_at, k.updated_at, "
                        + "k.deletion_time, k.destroy_time, k.revision, k.access_policy, k.require_unwrap_approval, "
                        + "k.key_spec, k.key_usage "
                        + "FROM kms_key k " + where + " ORDER BY k.id")) {
            bind(st, param);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    String id = rs.getString(1);
                    String alias = rs.getString(2);
                    keys.put(id, new KeyMetadata(new KeyId(id), alias == null ? null : new Alias(alias),
                            rs.getString(3), labels.getOrDefault(id, new TreeMap<>()), KeyState.valueOf(rs.getString(4)),
                            rs.getInt(5), versions.getOrDefault(id, List.of()), instant(rs, 6), instant(rs, 7),
                            instant(rs, 8), instant(rs, 9), decodePolicy(rs.getString(11)), rs.getBoolean(12),
                            KeySpec.valueOf(rs.getString(13)), KeyUsage.valueOf(rs.getString(14)), rs.getLong(10)));
                }
            }
        }
        return new ArrayList<>(keys.values());
    }

    private static void bind(PreparedStatement st, String param) throws SQLException {
        if (param != null) {
            st.setString(1, param);
        }
    }

    /** The policy's protobuf encoding, as officers signed it, in base64. */
    private static String encode(KeyAccessPolicy policy) {
        return Base64.getEncoder().encodeToString(SignedDocumentCodec.toProto(policy).toByteArray());
    }

    private static KeyAccessPolicy decodePolicy(String text) throws SQLException {
        try {
            return SignedDocumentCodec.storedAccessPolicy(AccessPolicy.parseFrom(Base64.getDecoder().decode(text)));
        } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
            throw new SQLException("stored access policy is unreadable", e);
        }
    }

    /** An asymmetric version's public key, checked against the key's spec; null for AES-256. */
    private static PublicKeyInfo publicKey(String base64, String spec) throws SQLException {
        if (base64 == null) {
            return null;
        }
        try {
            return PublicKeyInfo.of(Base64.getDecoder().decode(base64), KeySpec.valueOf(spec));
        } catch (IllegalArgumentException e) {
            throw new SQLException("stored public key is unreadable", e);
        }
    }

    private static OffsetDateTime utc(Instant instant) {
        return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }

    private static boolean isIntegrityViolation(SQLException e) {
        return e.getSQLState() != null && e.getSQLState().startsWith(INTEGRITY_VIOLATION_CLASS);
    }
}
