package coffre.kms.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.cluster.ChangeFeed;
import coffre.kms.server.cluster.ChangePublisher;
import coffre.kms.server.domain.StoreException;
import coffre.kms.server.keys.KeyId;
import coffre.kms.server.keystores.ExternalKeyMapping;
import coffre.kms.server.keystores.ExternalKeyStore;
import coffre.kms.server.keystores.ExternalKeyStoreRepository;
import coffre.kms.server.keystores.ExternalKeyStoreRepository.Activation;
import coffre.kms.server.keystores.ExternalKeyStoreRepository.ConflictException;
import coffre.kms.server.keystores.KeyStoreSnapshot;
import coffre.kms.server.keystores.XksCredential;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * External key stores for real, migrated by Flyway from every migration on the classpath; the same
 * tests on each database (H2: {@link JdbcExternalKeyStoresTest}, PostgreSQL:
 * {@link JdbcExternalKeyStoresPostgresIT}).
 */
abstract class JdbcExternalKeyStoresContract {
    private static final Instant NOW = Instant.parse("2026-12-07T09:15:30.123456Z");
    private static final String STORE = "xks-abcdefghijklmnopqrstuvwxyz";
    private static final String OTHER = "xks-zyxwvutsrqponmlkjihgfedcba";
    private static final String KEY = "key-abcdefghijklmnopqrstuvwxyz";
    private static final String AKID_1 = "AAAAAAAAAAAAAAAAAAAAAAAA";
    private static final String AKID_2 = "BBBBBBBBBBBBBBBBBBBBBBBB";
    private static final String AKID_3 = "CCCCCCCCCCCCCCCCCCCCCCCC";

    /** Opens the test's database, fresh for each test; each call opens it again (a restart). */
    abstract Storage open();

    private static ExternalKeyStore store(String id, String name, String path) {
        return new ExternalKeyStore(id, name, path, "eu-west-3", ExternalKeyStore.State.ENABLED, NOW);
    }

    private static XksCredential pending(String store, String accessKeyId) {
        return new XksCredential(store, accessKeyId, XksCredential.State.PENDING, NOW);
    }

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

    /** A store with one active credential, through the repository's own calls. */
    private static void created(ExternalKeyStoreRepository repository, ExternalKeyStore store, String accessKeyId) {
        repository.insertCredential(pending(store.id(), accessKeyId));
        assertEquals(Activation.ACTIVATED, repository.insertStore(store, accessKeyId));
    }

    @Test
    void aStoreAndItsCredentialsRoundTripAcrossReopen() throws SQLException {
        ExternalKeyStore paris = store(STORE, "paris", "/paris/kms/xks/v1");
        ExternalKeyMapping mapping = new ExternalKeyMapping(STORE, "orders.v1_A-z", new KeyId(KEY), NOW);
        try (Storage storage = open()) {
            insertKeyRow(storage.dataSource(), KEY);
            ExternalKeyStoreRepository repository = storage.xksStores();
            repository.insertCredential(pending(STORE, AKID_1));
            assertEquals(new KeyStoreSnapshot(STORE, Optional.empty(), List.of(pending(STORE, AKID_1)), List.of()),
                    repository.load(STORE), "a pending credential exists before its store");
            assertEquals(Activation.ACTIVATED, repository.insertStore(paris, AKID_1));
            repository.insertCredential(pending(STORE, AKID_2));
            repository.insertMapping(mapping);
        }
        try (Storage reopened = open()) {
            KeyStoreSnapshot loaded = reopened.xksStores().load(STORE);
            assertEquals(Optional.of(paris), loaded.store());
            assertEquals(List.of(new XksCredential(STORE, AKID_1, XksCredential.State.ACTIVE, NOW), pending(STORE, AKID_2)),
                    loaded.credentials().stream().sorted(java.util.Comparator.comparing(XksCredential::accessKeyId)).toList());
            assertEquals(List.of(mapping), loaded.mappings());
            assertEquals(List.of(loaded), reopened.xksStores().loadAll());
            assertTrue(reopened.xksStores().load(OTHER).isEmpty());
        }
    }

    @Test
    void namesPathsAndIdsAreUniqueAndARefusedStoreWritesNothing() {
        try (Storage storage = open()) {
            ExternalKeyStoreRepository repository = storage.xksStores();
            created(repository, store(STORE, "paris", "/paris/kms/xks/v1"), AKID_1);
            repository.insertCredential(pending(OTHER, AKID_2));
            assertEquals("name", assertThrows(ConflictException.class,
                    () -> repository.insertStore(store(OTHER, "paris", "/other/kms/xks/v1"), AKID_2)).field());
            assertEquals("uri_path", assertThrows(ConflictException.class,
                    () -> repository.insertStore(store(OTHER, "lyon", "/paris/kms/xks/v1"), AKID_2)).field());
            repository.insertCredential(pending(STORE, AKID_3));
            assertEquals("key_store_id", assertThrows(ConflictException.class,
                    () -> repository.insertStore(store(STORE, "lyon", "/lyon/kms/xks/v1"), AKID_3)).field());
            KeyStoreSnapshot other = repository.load(OTHER);
            assertTrue(other.store().isEmpty());
            assertEquals(List.of(pending(OTHER, AKID_2)), other.credentials(), "still pending");
        }
    }

    @Test
    void aStoreIsCreatedOnlyWithAPendingCredentialOfItsOwn() {
        try (Storage storage = open()) {
            ExternalKeyStoreRepository repository = storage.xksStores();
            ExternalKeyStore paris = store(STORE, "paris", "/paris/kms/xks/v1");
            assertEquals(Activation.NOT_PENDING, repository.insertStore(paris, AKID_1), "no such credential");
            repository.insertCredential(pending(OTHER, AKID_1));
            assertEquals(Activation.NOT_PENDING, repository.insertStore(paris, AKID_1), "another store's credential");
            repository.insertCredential(pending(STORE, AKID_2));
            assertTrue(repository.revokeCredential(STORE, AKID_2));
            assertEquals(Activation.NOT_PENDING, repository.insertStore(paris, AKID_2), "revoked");
            assertTrue(repository.load(STORE).store().isEmpty());
        }
    }

    @Test
    void atMostTheGivenNumberOfCredentialsAreActive() {
        try (Storage storage = open()) {
            ExternalKeyStoreRepository repository = storage.xksStores();
            created(repository, store(STORE, "paris", "/paris/kms/xks/v1"), AKID_1);
            repository.insertCredential(pending(STORE, AKID_2));
            repository.insertCredential(pending(STORE, AKID_3));
            assertEquals(Activation.ACTIVATED, repository.activateCredential(STORE, AKID_2, 2));
            assertEquals(Activation.NOT_PENDING, repository.activateCredential(STORE, AKID_2, 2), "active already");
            assertEquals(Activation.LIMIT_REACHED, repository.activateCredential(STORE, AKID_3, 2));
            assertEquals(XksCredential.State.PENDING, state(repository, AKID_3));
            assertTrue(repository.revokeCredential(STORE, AKID_1));
            assertFalse(repository.revokeCredential(STORE, AKID_1), "revoked already");
            assertEquals(Activation.ACTIVATED, repository.activateCredential(STORE, AKID_3, 2));
            assertEquals(Activation.NOT_PENDING, repository.activateCredential(OTHER, AKID_3, 2), "no such store");
        }
    }

    @Test
    void onlyPendingCredentialsAreDeleted() {
        try (Storage storage = open()) {
            ExternalKeyStoreRepository repository = storage.xksStores();
            created(repository, store(STORE, "paris", "/paris/kms/xks/v1"), AKID_1);
            repository.insertCredential(pending(STORE, AKID_2));
            assertFalse(repository.deletePendingCredential(STORE, AKID_1), "active");
            assertFalse(repository.deletePendingCredential(OTHER, AKID_2), "not that store's");
            assertTrue(repository.deletePendingCredential(STORE, AKID_2));
            assertEquals(List.of(AKID_1), repository.load(STORE).credentials().stream().map(XksCredential::accessKeyId).toList());
        }
    }

    @Test
    void statesAndMappingsChange() throws SQLException {
        try (Storage storage = open()) {
            insertKeyRow(storage.dataSource(), KEY);
            ExternalKeyStoreRepository repository = storage.xksStores();
            created(repository, store(STORE, "paris", "/paris/kms/xks/v1"), AKID_1);
            created(repository, store(OTHER, "lyon", "/lyon/kms/xks/v1"), AKID_2);
            assertTrue(repository.updateStoreState(STORE, ExternalKeyStore.State.DISABLED));
            assertFalse(repository.updateStoreState(STORE, ExternalKeyStore.State.DISABLED), "disabled already");
            assertFalse(repository.updateStoreState("xks-aaaaaaaaaaaaaaaaaaaaaaaaaa", ExternalKeyStore.State.DISABLED));
            assertEquals(ExternalKeyStore.State.DISABLED, repository.load(STORE).store().orElseThrow().state());

            ExternalKeyMapping mapping = new ExternalKeyMapping(STORE, "orders", new KeyId(KEY), NOW);
            repository.insertMapping(mapping);
            repository.insertMapping(new ExternalKeyMapping(OTHER, "orders", new KeyId(KEY), NOW));
            assertEquals("external_key_id", assertThrows(ConflictException.class, () -> repository.insertMapping(
                    new ExternalKeyMapping(STORE, "orders", new KeyId(KEY), NOW))).field());
            assertThrows(StoreException.class, () -> repository.insertMapping(
                    new ExternalKeyMapping(STORE, "ghost", new KeyId("key-aaaaaaaaaaaaaaaaaaaaaaaaaa"), NOW)),
                    "only existing keys");
            assertTrue(repository.deleteMapping(STORE, "orders"));
            assertFalse(repository.deleteMapping(STORE, "orders"));
            assertEquals(List.of(), repository.load(STORE).mappings());
            assertEquals(1, repository.load(OTHER).mappings().size());
        }
    }

    @Test
    void everyChangeIsAnnouncedUnderItsStoreAndNoOpsAreNot() throws SQLException {
        List<String> announced = new ArrayList<>();
        ChangePublisher recorder = (connection, topic, id) -> announced.add(topic + ":" + id);
        try (Storage storage = open()) {
            insertKeyRow(storage.dataSource(), KEY);
            ExternalKeyStoreRepository repository = new JdbcExternalKeyStores(storage.dataSource(), recorder);
            repository.insertCredential(pending(STORE, AKID_1));
            repository.insertStore(store(STORE, "paris", "/paris/kms/xks/v1"), AKID_1);
            repository.insertCredential(pending(STORE, AKID_2));
            repository.activateCredential(STORE, AKID_2, 2);
            repository.revokeCredential(STORE, AKID_2);
            repository.updateStoreState(STORE, ExternalKeyStore.State.DISABLED);
            repository.insertMapping(new ExternalKeyMapping(STORE, "k", new KeyId(KEY), NOW));
            repository.deleteMapping(STORE, "k");
            String topic = ChangeFeed.Topic.XKS + ":" + STORE;
            assertEquals(List.of(topic, topic, topic, topic, topic, topic, topic, topic), announced);
            announced.clear();
            repository.revokeCredential(STORE, AKID_2);
            repository.updateStoreState(STORE, ExternalKeyStore.State.DISABLED);
            repository.deleteMapping(STORE, "k");
            repository.deletePendingCredential(STORE, AKID_1);
            repository.activateCredential(STORE, AKID_3, 2);
            assertEquals(List.of(), announced);
        }
    }

    private static XksCredential.State state(ExternalKeyStoreRepository repository, String accessKeyId) {
        return repository.load(STORE).credentials().stream().filter(c -> c.accessKeyId().equals(accessKeyId))
                .findFirst().orElseThrow().state();
    }
}
