package coffre.kms.server.store;

import coffre.kms.server.cluster.ChangeFeed;
import coffre.kms.server.cluster.ChangePublisher;
import coffre.kms.server.keys.KeyId;
import coffre.kms.server.keystores.ExternalKeyMapping;
import coffre.kms.server.keystores.ExternalKeyStore;
import coffre.kms.server.keystores.ExternalKeyStoreRepository;
import coffre.kms.server.keystores.KeyStoreSnapshot;
import coffre.kms.server.keystores.XksCredential;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import javax.sql.DataSource;

/**
 * The {@link ExternalKeyStoreRepository} over JDBC (tables {@code kms_xks_store},
 * {@code kms_xks_credential}, {@code kms_xks_key}, migration V12), with portable SQL shared by the
 * embedded H2 file and PostgreSQL. Each method is one transaction; a failed one changes nothing;
 * every change is announced on the change feed (topic {@code XKS}, the store id) inside it.
 *
 * <p>Credential changes of one store lock the store's row first ({@code SELECT ... FOR UPDATE}), so
 * two nodes activating credentials of one store at once cannot both pass the bound on active ones.
 */
public final class JdbcExternalKeyStores implements ExternalKeyStoreRepository {
    /** SQLState class 23 = integrity constraint violation (same code on H2 and PostgreSQL). */
    private static final String INTEGRITY_VIOLATION_CLASS = "23";

    private final Transactions transactions;
    private final ChangePublisher changes;

    /** Over a data source whose schema {@link Storage} has already migrated; does not own it. */
    public JdbcExternalKeyStores(DataSource dataSource) {
        this(dataSource, ChangePublisher.NONE);
    }

    /** @param changes told of every change, inside its transaction */
    JdbcExternalKeyStores(DataSource dataSource, ChangePublisher changes) {
        this.transactions = new Transactions(dataSource, "external key store");
        this.changes = changes;
    }

    @Override
    public List<KeyStoreSnapshot> loadAll() {
        return transactions.run(connection -> select(connection, null));
    }

    @Override
    public KeyStoreSnapshot load(String keyStoreId) {
        return transactions.run(connection -> select(connection, keyStoreId).stream().findFirst()
                .orElse(KeyStoreSnapshot.empty(keyStoreId)));
    }

    @Override
    public void insertCredential(XksCredential credential) {
        transactions.run(connection -> {
            try (PreparedStatement st = connection.prepareStatement("""
                    INSERT INTO kms_xks_credential (access_key_id, key_store_id, state, created_at)
                    VALUES (?, ?, ?, ?)""")) {
                st.setString(1, credential.accessKeyId());
                st.setString(2, credential.keyStoreId());
                st.setString(3, credential.state().name());
                st.setObject(4, utc(credential.createTime()));
                st.executeUpdate();
            }
            changes.publish(connection, ChangeFeed.Topic.XKS, credential.keyStoreId());
            return null;
        });
    }

    @Override
    public Activation insertStore(ExternalKeyStore store, String accessKeyId) {
        return transactions.run(connection -> {
            if (credentialState(connection, store.id(), accessKeyId, true) != XksCredential.State.PENDING) {
                return Activation.NOT_PENDING;
            }
            requireFree(connection, "id", "key_store_id", store.id());
            requireFree(connection, "name", "name", store.name());
            requireFree(connection, "uri_path", "uri_path", store.uriPath());
            try (PreparedStatement st = connection.prepareStatement("""
                    INSERT INTO kms_xks_store (id, name, uri_path, region, state, created_at)
                    VALUES (?, ?, ?, ?, ?, ?)""")) {
                st.setString(1, store.id());
                st.setString(2, store.name());
                st.setString(3, store.uriPath());
                st.setString(4, store.region());
                st.setString(5, store.state().name());
                st.setObject(6, utc(store.createTime()));
                st.executeUpdate();
            } catch (SQLException e) {
                if (isIntegrityViolation(e)) {
                    // Another node inserted the same name or path since the checks above.
                    throw new ConflictException("name");
                }
                throw e;
            }
            setCredentialState(connection, accessKeyId, XksCredential.State.ACTIVE);
            changes.publish(connection, ChangeFeed.Topic.XKS, store.id());
            return Activation.ACTIVATED;
        });
    }

    @Override
    public Activation activateCredential(String keyStoreId, String accessKeyId, int maxActive) {
        return transactions.run(connection -> {
            if (!lockStore(connection, keyStoreId)
                    || credentialState(connection, keyStoreId, accessKeyId, true) != XksCredential.State.PENDING) {
                return Activation.NOT_PENDING;
            }
            try (PreparedStatement st = connection.prepareStatement(
                    "SELECT COUNT(*) FROM kms_xks_credential WHERE key_store_id = ? AND state = ?")) {
                st.setString(1, keyStoreId);
                st.setString(2, XksCredential.State.ACTIVE.name());
                try (ResultSet rs = st.executeQuery()) {
                    rs.next();
                    if (rs.getInt(1) >= maxActive) {
                        return Activation.LIMIT_REACHED;
                    }
                }
            }
            setCredentialState(connection, accessKeyId, XksCredential.State.ACTIVE);
            changes.publish(connection, ChangeFeed.Topic.XKS, keyStoreId);
            return Activation.ACTIVATED;
        });
    }

    @Override
    public boolean revokeCredential(String keyStoreId, String accessKeyId) {
        return update(keyStoreId, """
                UPDATE kms_xks_credential SET state = 'REVOKED'
                WHERE access_key_id = ? AND key_store_id = ? AND state <> 'REVOKED'""", accessKeyId, keyStoreId);
    }

    @Override
    public boolean deletePendingCredential(String keyStoreId, String accessKeyId) {
        return update(keyStoreId, """
                DELETE FROM kms_xks_credential
                WHERE access_key_id = ? AND key_store_id = ? AND state = 'PENDING'""", accessKeyId, keyStoreId);
    }

    @Override
    public boolean updateStoreState(String keyStoreId, ExternalKeyStore.State state) {
        return update(keyStoreId, "UPDATE kms_xks_store SET state = ? WHERE id = ? AND state <> ?",
                state.name(), keyStoreId, state.name());
    }

    @Override
    public void insertMapping(ExternalKeyMapping mapping) {
        transactions.run(connection -> {
            try (PreparedStatement st = connection.prepareStatement(
                    "SELECT 1 FROM kms_xks_key WHERE key_store_id = ? AND external_key_id = ?")) {
                st.setString(1, mapping.keyStoreId());
                st.setString(2, mapping.externalKeyId());
                try (ResultSet rs = st.executeQuery()) {
                    if (rs.next()) {
                        throw new ConflictException("external_key_id");
                    }
                }
            }
            try (PreparedStatement st = connection.prepareStatement("""
                    INSERT INTO kms_xks_key (key_store_id, external_key_id, key_id, created_at)
                    VALUES (?, ?, ?, ?)""")) {
                st.setString(1, mapping.keyStoreId());
                st.setString(2, mapping.externalKeyId());
                st.setString(3, mapping.keyId().value());
                st.setObject(4, utc(mapping.createTime()));
                st.executeUpdate();
            }
            changes.publish(connection, ChangeFeed.Topic.XKS, mapping.keyStoreId());
            return null;
        });
    }

    @Override
    public boolean deleteMapping(String keyStoreId, String externalKeyId) {
        return update(keyStoreId, "DELETE FROM kms_xks_key WHERE key_store_id = ? AND external_key_id = ?",
                keyStoreId, externalKeyId);
    }

    /** One statement; announced if it changed a row. */
    private boolean update(String keyStoreId, String sql, String... parameters) {
        return transactions.run(connection -> {
            try (PreparedStatement st = connection.prepareStatement(sql)) {
                for (int i = 0; i < parameters.length; i++) {
                    st.setString(i + 1, parameters[i]);
                }
                if (st.executeUpdate() == 0) {
                    return false;
                }
            }
            changes.publish(connection, ChangeFeed.Topic.XKS, keyStoreId);
            return true;
        });
    }

    private static boolean lockStore(Connection connection, String keyStoreId) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement("SELECT id FROM kms_xks_store WHERE id = ? FOR UPDATE")) {
            st.setString(1, keyStoreId);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** The credential's state if it belongs to the store, else null; locked for this transaction if asked. */
    private static XksCredential.State credentialState(Connection connection, String keyStoreId, String accessKeyId,
                                                       boolean lock) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement(
                "SELECT state FROM kms_xks_credential WHERE access_key_id = ? AND key_store_id = ?"
                        + (lock ? " FOR UPDATE" : ""))) {
            st.setString(1, accessKeyId);
            st.setString(2, keyStoreId);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() ? XksCredential.State.valueOf(rs.getString(1)) : null;
            }
        }
    }

    private static void setCredentialState(Connection connection, String accessKeyId, XksCredential.State state)
            throws SQLException {
        try (PreparedStatement st = connection.prepareStatement(
                "UPDATE kms_xks_credential SET state = ? WHERE access_key_id = ?")) {
            st.setString(1, state.name());
            st.setString(2, accessKeyId);
            st.executeUpdate();
        }
    }

    private static void requireFree(Connection connection, String column, String field, String value)
            throws SQLException {
        try (PreparedStatement st = connection.prepareStatement("SELECT 1 FROM kms_xks_store WHERE " + column + " = ?")) {
            st.setString(1, value);
            try (ResultSet rs = st.executeQuery()) {
                if (rs.next()) {
                    throw new ConflictException(field);
                }
            }
        }
    }

    /** Every store id's content, or {@code only}'s: three queries, whatever the number of stores. */
    private static List<KeyStoreSnapshot> select(Connection connection, String only) throws SQLException {
        Map<String, ExternalKeyStore> stores = new LinkedHashMap<>();
        try (PreparedStatement st = prepare(connection,
                "SELECT id, name, uri_path, region, state, created_at FROM kms_xks_store", "id", only);
             ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                String id = rs.getString(1);
                stores.put(id, new ExternalKeyStore(id, rs.getString(2), rs.getString(3), rs.getString(4),
                        readState(ExternalKeyStore.State.class, rs.getString(5), id), instant(rs, 6)));
            }
        }
        Map<String, List<XksCredential>> credentials = new LinkedHashMap<>();
        try (PreparedStatement st = prepare(connection,
                "SELECT key_store_id, access_key_id, state, created_at FROM kms_xks_credential", "key_store_id", only);
             ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                String id = rs.getString(1);
                credentials.computeIfAbsent(id, k -> new ArrayList<>()).add(new XksCredential(id, rs.getString(2),
                        readState(XksCredential.State.class, rs.getString(3), rs.getString(2)), instant(rs, 4)));
            }
        }
        Map<String, List<ExternalKeyMapping>> mappings = new LinkedHashMap<>();
        try (PreparedStatement st = prepare(connection,
                "SELECT key_store_id, external_key_id, key_id, created_at FROM kms_xks_key", "key_store_id", only);
             ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                String id = rs.getString(1);
                try {
                    mappings.computeIfAbsent(id, k -> new ArrayList<>()).add(new ExternalKeyMapping(id, rs.getString(2),
                            new KeyId(rs.getString(3)), instant(rs, 4)));
                } catch (RuntimeException e) {
                    throw new SQLException("stored mapping " + id + "/" + rs.getString(2) + " is unreadable", e);
                }
            }
        }
        TreeSet<String> ids = new TreeSet<>(stores.keySet());
        ids.addAll(credentials.keySet());
        ids.addAll(mappings.keySet());
        List<KeyStoreSnapshot> all = new ArrayList<>(ids.size());
        for (String id : ids) {
            all.add(new KeyStoreSnapshot(id, Optional.ofNullable(stores.get(id)), credentials.getOrDefault(id, List.of()),
                    mappings.getOrDefault(id, List.of())));
        }
        return all;
    }

    private static PreparedStatement prepare(Connection connection, String select, String idColumn, String only)
            throws SQLException {
        PreparedStatement st = connection.prepareStatement(select + (only == null ? "" : " WHERE " + idColumn + " = ?"));
        if (only != null) {
            st.setString(1, only);
        }
        return st;
    }

    /** A row the domain cannot read means the database was edited by hand: fail loudly. */
    private static <E extends Enum<E>> E readState(Class<E> type, String text, String row) throws SQLException {
        try {
            return Enum.valueOf(type, text);
        } catch (IllegalArgumentException e) {
            throw new SQLException("stored state of " + row + " is unreadable", e);
        }
    }

    private static boolean isIntegrityViolation(SQLException e) {
        return e.getSQLState() != null && e.getSQLState().startsWith(INTEGRITY_VIOLATION_CLASS);
    }

    private static OffsetDateTime utc(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        return rs.getObject(column, OffsetDateTime.class).toInstant();
    }
}
