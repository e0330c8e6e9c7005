package coffre.kms.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.access.GrantRecord;
import coffre.kms.server.access.GrantTerms;
import coffre.kms.server.domain.StoreException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * Grants for real, migrated by Flyway from every migration on the classpath; the same tests on
 * each database (H2: {@link JdbcGrantStoreTest}, PostgreSQL: {@link JdbcGrantStorePostgresIT}).
 */
abstract class JdbcGrantStoreContract {
    private static final String KEY = "key-abcdefghijklmnopqrstuvwxyz";
    private static final Instant NOW = Instant.parse("2026-03-01T10:15:30.123456789Z");

    private final SecureRandom random = new SecureRandom();

    /** Opens the test's database, fresh for each test; each call opens it again (a restart). */
    abstract Storage open();

    /** Grants reference kms_key; a bare row (V1 columns, later ones have defaults) is enough here. */
    private static void insertKeyRow(DataSource dataSource, String id) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement st = c.prepareStatement("""
                INSERT INTO kms_key (id, alias, description, state, protection_level, primary_version,
                                     created_at, updated_at, revision)
                VALUES (?, NULL, '', 'ENABLED', 'HSM', 1, ?, ?, 1)""")) {
            st.setString(1, id);
            st.setObject(2, NOW.atOffset(ZoneOffset.UTC));
            st.setObject(3, NOW.atOffset(ZoneOffset.UTC));
            st.executeUpdate();
        }
    }

    private GrantRecord grant(String key, Map<String, String> constraints) {
        return GrantRecord.create(new GrantTerms(key, "spiffe://coffre.dev/batch", List.of("REWRAP", "UNWRAP"),
                constraints, NOW.plusSeconds(60), NOW.plus(Duration.ofDays(30)).plusNanos(987)), NOW, random);
    }

    @Test
    void grantsRoundTripWithConstraintsTimesAndRevocationAcrossReopen() throws SQLException {
        GrantRecord constrained = grant(KEY, Map.of("tenant", "acme", "job", "nightly"));
        GrantRecord plain = grant(KEY, Map.of());
        Instant revokedAt = NOW.plusSeconds(3600);
        try (Storage storage = open()) {
            insertKeyRow(storage.dataSource(), KEY);
            var store = storage.grants();
            store.insert(constrained);
            store.insert(plain);
            assertTrue(store.markRevoked(plain.id(), revokedAt));
            assertFalse(store.markRevoked(plain.id(), revokedAt.plusSeconds(1)), "already revoked");
            assertFalse(store.markRevoked("grt-aaaaaaaaaaaaaaaaaaaaaaaaaa", revokedAt), "unknown");
        }
        try (Storage reopened = open()) {
            List<GrantRecord> loaded = reopened.grants().loadAll();
            assertEquals(2, loaded.size());
            GrantRecord first = loaded.stream().filter(g -> g.id().equals(constrained.id())).findFirst().orElseThrow();
            GrantRecord second = loaded.stream().filter(g -> g.id().equals(plain.id())).findFirst().orElseThrow();
            assertEquals(constrained, first);
            assertEquals(plain.revokedAt(revokedAt), second);
            assertEquals(Map.of("job", "nightly", "tenant", "acme"), first.contextConstraints());
            assertEquals(Optional.of(first), reopened.grants().find(constrained.id()));
            assertEquals(Optional.of(second), reopened.grants().find(plain.id()));
            assertEquals(Optional.empty(), reopened.grants().find("grt-aaaaaaaaaaaaaaaaaaaaaaaaaa"));
            try (Connection c = reopened.dataSource().getConnection();
                 PreparedStatement st = c.prepareStatement("SELECT operations FROM kms_grant WHERE id = ?")) {
                st.setString(1, plain.id());
                try (var rs = st.executeQuery()) {
                    assertTrue(rs.next());
                    assertEquals("UNWRAP,REWRAP", rs.getString(1), "operation names in the API's order");
                }
            }
        }
    }

    @Test
    void aGrantOnAnUnknownKeyIsRefusedAndNothingIsWritten() {
        try (Storage storage = open()) {
            var store = storage.grants();
            GrantRecord orphan = grant(KEY, Map.of("tenant", "acme"));
            assertThrows(StoreException.class, () -> store.insert(orphan));
            assertEquals(List.of(), store.loadAll());
        }
    }
}
