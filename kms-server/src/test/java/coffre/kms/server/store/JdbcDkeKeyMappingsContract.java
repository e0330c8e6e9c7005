package coffre.kms.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.keys.KeyId;
import coffre.kms.server.keystores.DkeKeyMapping;
import coffre.kms.server.keystores.DkeKeyMappingRepository;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * DKE key name mappings for real (migration V14), the same tests on each database (H2:
 * {@link JdbcDkeKeyMappingsTest}, PostgreSQL: {@link JdbcDkeKeyMappingsPostgresIT}).
 */
abstract class JdbcDkeKeyMappingsContract {
    private static final Instant NOW = Instant.parse("2026-12-07T09:15:30.123456Z");
    private static final String KEY = "key-abcdefghijklmnopqrstuvwxyz";
    private static final String OTHER_KEY = "key-zyxwvutsrqponmlkjihgfedcba";

    abstract Storage open();

    /** Mappings reference kms_key; a bare row (V1 columns, later ones have defaults) is enough here. */
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

    @Test
    void mappingsRoundTripAcrossReopenAndDeleteOnce() throws SQLException {
        DkeKeyMapping finance = new DkeKeyMapping("Finance-2026_eu", new KeyId(KEY), NOW);
        DkeKeyMapping legal = new DkeKeyMapping("legal", new KeyId(OTHER_KEY), NOW);
        try (Storage storage = open()) {
            insertKeyRow(storage.dataSource(), KEY);
            insertKeyRow(storage.dataSource(), OTHER_KEY);
            storage.dkeKeys().insert(legal);
            storage.dkeKeys().insert(finance);
        }
        try (Storage storage = open()) {
            DkeKeyMappingRepository repository = storage.dkeKeys();
            assertEquals(List.of(finance, legal), repository.loadAll());
            assertEquals(Optional.of(finance), repository.load("Finance-2026_eu"));
            assertEquals(Optional.empty(), repository.load("finance-2026_eu"), "names are case-sensitive");
            assertTrue(repository.delete("legal"));
            assertFalse(repository.delete("legal"));
            assertEquals(List.of(finance), repository.loadAll());
        }
    }

    @Test
    void aNameIsMappedOnceAndOnlyToAnExistingKey() throws SQLException {
        try (Storage storage = open()) {
            insertKeyRow(storage.dataSource(), KEY);
            insertKeyRow(storage.dataSource(), OTHER_KEY);
            storage.dkeKeys().insert(new DkeKeyMapping("finance", new KeyId(KEY), NOW));
            KmsException taken = assertThrows(KmsException.class,
                    () -> storage.dkeKeys().insert(new DkeKeyMapping("finance", new KeyId(OTHER_KEY), NOW)));
            assertEquals(ErrorReason.DKE_KEY_MAPPING_ALREADY_EXISTS, taken.reason());
            // Two names for one key are fine.
            storage.dkeKeys().insert(new DkeKeyMapping("finance-old", new KeyId(KEY), NOW));
            assertEquals(2, storage.dkeKeys().loadAll().size());
            assertThrows(RuntimeException.class, () -> storage.dkeKeys().insert(
                    new DkeKeyMapping("ghost", new KeyId("key-aaaaaaaaaaaaaaaaaaaaaaaaaa"), NOW)), "no such key row");
            assertEquals(2, storage.dkeKeys().loadAll().size(), "a refused insert changes nothing");
        }
    }
}
