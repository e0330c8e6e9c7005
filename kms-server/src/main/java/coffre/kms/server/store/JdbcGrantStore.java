package coffre.kms.server.store;

import coffre.kms.server.access.GrantRecord;
import coffre.kms.server.access.GrantStore;
import coffre.kms.server.cluster.ChangeFeed;
import coffre.kms.server.cluster.ChangePublisher;
import coffre.kms.server.domain.DataOperation;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.domain.Principal;
import coffre.kms.server.keys.KeyId;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import javax.sql.DataSource;

/**
 * The {@link GrantStore} over JDBC (tables {@code kms_grant} and {@code kms_grant_constraint},
 * migration V3), with portable SQL shared by the embedded H2 file and PostgreSQL. Each method is
 * one transaction; a failed one changes nothing.
 */
public final class JdbcGrantStore implements GrantStore {
    private final Transactions transactions;
    private final ChangePublisher changes;

    /** Over a data source whose schema {@link Storage} has already migrated; does not own it. */
    public JdbcGrantStore(DataSource dataSource) {
        this(dataSource, ChangePublisher.NONE);
    }

    /** @param changes told of every grant change, inside its transaction */
    JdbcGrantStore(DataSource dataSource, ChangePublisher changes) {
        this.transactions = new Transactions(dataSource, "grant store");
        this.changes = changes;
    }

    @Override
    public void insert(GrantRecord grant) {
        transactions.run(connection -> {
            try (PreparedStatement st = connection.prepareStatement("""
                    INSERT INTO kms_grant (id, key_id, principal, operations, not_before, not_after,
                                           created_at, revoked_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)""")) {
                st.setString(1, grant.id());
                st.setString(2, grant.keyId().value());
                st.setString(3, grant.principal().name());
                st.setString(4, encode(grant.operations()));
                st.setObject(5, utc(grant.notBefore()));
                st.setObject(6, utc(grant.notAfter()));
                st.setObject(7, utc(grant.createdAt()));
                st.setObject(8, utc(grant.revokedAt()));
                st.executeUpdate();
            }
            if (!grant.contextConstraints().isEmpty()) {
                try (PreparedStatement st = connection.prepareStatement(
                        "INSERT INTO kms_grant_constraint (grant_id, context_key, context_value) VALUES (?, ?, ?)")) {
                    for (Map.Entry<String, String> pair : grant.contextConstraints().entrySet()) {
                        st.setString(1, grant.id());
                        st.setString(2, pair.getKey());
                        st.setString(3, pair.getValue());
                        st.addBatch();
                    }
                    st.executeBatch();
                }
            }
            changes.publish(connection, ChangeFeed.Topic.GRANT, grant.id());
            return null;
        });
    }

    @Override
    public boolean markRevoked(String grantId, Instant revokedAt) {
        return transactions.run(connection -> {
            try (PreparedStatement st = connection.prepareStatement(
                    "UPDATE kms_grant SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")) {
                // Truncated as GrantRecord keeps times: the databases would round instead.
                st.setObject(1, utc(revokedAt.truncatedTo(ChronoUnit.MICROS)));
                st.setString(2, grantId);
                if (st.executeUpdate() != 1) {
                    return false;
                }
            }
            changes.publish(connection, ChangeFeed.Topic.GRANT, grantId);
            return true;
        });
    }

    @Override
    public Optional<GrantRecord> find(String grantId) {
        return transactions.run(connection -> {
            List<GrantRecord> found = select(connection, grantId);
            return found.stream().findFirst();
        });
    }

    /** Two queries, whatever the number of grants. */
    @Override
    public List<GrantRecord> loadAll() {
        return transactions.run(connection -> select(connection, null));
    }

    /** Every grant, or the one with id {@code only}. */
    private static List<GrantRecord> select(Connection connection, String only) throws SQLException {
        Map<String, Map<String, String>> constraints = new HashMap<>();
        try (PreparedStatement st = connection.prepareStatement(
                "SELECT grant_id, context_key, context_value FROM kms_grant_constraint"
                        + (only == null ? "" : " WHERE grant_id = ?"))) {
            if (only != null) {
                st.setString(1, only);
            }
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    constraints.computeIfAbsent(rs.getString(1), k -> new TreeMap<>())
                            .put(rs.getString(2), rs.getString(3));
                }
            }
        }
        List<GrantRecord> grants = new ArrayList<>();
        try (PreparedStatement st = connection.prepareStatement(
                "SELECT id, key_id, principal, operations, not_before, not_after, created_at, revoked_at FROM kms_grant"
                        + (only == null ? "" : " WHERE id = ?") + " ORDER BY created_at, id")) {
            if (only != null) {
                st.setString(1, only);
            }
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    String id = rs.getString(1);
                    try {
                        grants.add(new GrantRecord(id, new KeyId(rs.getString(2)), new Principal(rs.getString(3)),
                                decode(rs.getString(4)), constraints.getOrDefault(id, Map.of()),
                                instant(rs, 5), instant(rs, 6), instant(rs, 7), instant(rs, 8)));
                    } catch (KmsException | IllegalArgumentException e) {
                        // A row the domain refuses means the database was edited by hand: fail at start.
                        throw new SQLException("stored grant " + id + " is unreadable: " + e.getMessage(), e);
                    }
                }
            }
        }
        return grants;
    }

    private static String encode(Set<DataOperation> operations) {
        return operations.stream().map(Enum::name).collect(Collectors.joining(","));
    }

    private static Set<DataOperation> decode(String text) {
        Set<DataOperation> operations = EnumSet.noneOf(DataOperation.class);
        for (String name : text.split(",")) {
            operations.add(DataOperation.valueOf(name.trim()));
        }
        return operations;
    }

    private static OffsetDateTime utc(Instant instant) {
        return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }
}
