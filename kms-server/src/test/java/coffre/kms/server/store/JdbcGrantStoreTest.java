package coffre.kms.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.access.GrantRecord;
import coffre.kms.server.domain.Store;
import coffre.kms.v1.DataOperation;
import coffre.kms.v1.GrantSpec;
import com.google.protobuf.Timestamp;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Grants in a real H2 file, migrated by Flyway from every migration on the classpath. */
class JdbcGrantStoreTest {
    private static final String KEY = "key-abcdefghijklmnopqrstuvwxyz";
    private static final Instant NOW = Instant.parse("2026-03-01T10:15:30.123456789Z");

    @TempDir
    Path dir;

    private final SecureRandom random = new SecureRandom();

    /** Opened as {@link StoreFactory} opens the embedded store, then migrated as {@link Storage} does. */
    private HikariDataSource open() {
        HikariConfig config = new HikariConfig();
        config.setPoolName("grant-test");
        config.setJdbcUrl("jdbc:h2:file:" + dir.resolve("db").toAbsolutePath() + ";DB_CLOSE_ON_EXIT=FALSE");
        config.setUsername("coffre");
        config.setPassword("");
        config.setMaximumPoolSize(2);
        HikariDataSource dataSource = new HikariDataSource(config);
        Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load().migrate();
        return dataSource;
    }

    /** Grants reference kms_key; a bare row (V1 columns, later ones have defaults) is enough here. */
    private static void insertKeyRow(HikariDataSource dataSource, String id) throws SQLException {
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

    private static Timestamp ts(Instant instant) {
        return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
    }

    private GrantRecord grant(String key, Map<String, String> constraints) {
        return GrantRecord.create(GrantSpec.newBuilder().setKeyId(key).setPrincipal("spiffe://coffre.dev/batch")
                .addOperations(DataOperation.REWRAP).addOperations(DataOperation.UNWRAP)
                .putAllContextConstraints(constraints)
                .setNotBefore(ts(NOW.plusSeconds(60)))
                .setNotAfter(ts(NOW.plus(Duration.ofDays(30)).plusNanos(987)))
                .build(), NOW, random);
    }

    @Test
    void grantsRoundTripWithConstraintsTimesAndRevocationAcrossReopen() throws SQLException {
        GrantRecord constrained = grant(KEY, Map.of("tenant", "acme", "job", "nightly"));
        GrantRecord plain = grant(KEY, Map.of());
        Instant revokedAt = NOW.plusSeconds(3600);
        try (HikariDataSource dataSource = open()) {
            insertKeyRow(dataSource, KEY);
            JdbcGrantStore store = new JdbcGrantStore(dataSource);
            store.insert(constrained);
            store.insert(plain);
            assertTrue(store.markRevoked(plain.id(), revokedAt));
            assertFalse(store.markRevoked(plain.id(), revokedAt.plusSeconds(1)), "already revoked");
            assertFalse(store.markRevoked("grt-aaaaaaaaaaaaaaaaaaaaaaaaaa", revokedAt), "unknown");
        }
        try (HikariDataSource reopened = open()) {
            List<GrantRecord> loaded = new JdbcGrantStore(reopened).loadAll();
            assertEquals(2, loaded.size());
            GrantRecord first = loaded.stream().filter(g -> g.id().equals(constrained.id())).findFirst().orElseThrow();
            GrantRecord second = loaded.stream().filter(g -> g.id().equals(plain.id())).findFirst().orElseThrow();
            assertEquals(constrained, first);
            assertEquals(plain.revokedAt(revokedAt), second);
            assertEquals(Map.of("job", "nightly", "tenant", "acme"), first.contextConstraints());
        }
    }

    @Test
    void aGrantOnAnUnknownKeyIsRefusedAndNothingIsWritten() {
        try (HikariDataSource dataSource = open()) {
            JdbcGrantStore store = new JdbcGrantStore(dataSource);
            GrantRecord orphan = grant(KEY, Map.of("tenant", "acme"));
            assertThrows(Store.StoreException.class, () -> store.insert(orphan));
            assertEquals(List.of(), store.loadAll());
        }
    }
}
