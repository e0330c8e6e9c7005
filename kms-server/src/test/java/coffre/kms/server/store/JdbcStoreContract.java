package coffre.kms.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.approval.SignedDocumentCodec;
import coffre.kms.server.domain.StoreException;
import coffre.kms.server.keys.Alias;
import coffre.kms.server.keys.KeyAccessPolicy;
import coffre.kms.server.keys.KeyAttributes;
import coffre.kms.server.keys.KeyId;
import coffre.kms.server.keys.KeyMetadata;
import coffre.kms.server.keys.KeyMetadataStore;
import coffre.kms.server.keys.KeySpec;
import coffre.kms.server.keys.KeyState;
import coffre.kms.server.keys.KeyUsage;
import coffre.kms.server.keys.PublicKeyInfo;
import java.security.GeneralSecurityException;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The key store for real, the same tests on each database (H2: {@link JdbcStoreTest}, PostgreSQL:
 * {@link JdbcStorePostgresIT}): migrations, round trips, constraints and revisions.
 */
abstract class JdbcStoreContract {
    /** Opens the test's database, fresh for each test; each call opens it again (a restart). */
    abstract Storage open();

    private final SecureRandom random = new SecureRandom();
    private final Instant now = Instant.parse("2026-03-01T10:15:30.123456Z");

    private KeyMetadata newKey(String alias) {
        return KeyMetadata.created(KeyId.random(random), new KeyAttributes(alias == null ? null : new Alias(alias), "d",
                Map.of("env", "prod", "team", "billing")), now);
    }

    @Test
    void policiesAndTheBreakGlassFlagRoundTrip() throws SQLException {
        try (Storage storage = open()) {
            KeyMetadata key = newKey(null);
            storage.keys().insertKey(key);
            // As written: an operation repeated, out of the API's order.
            coffre.kms.v1.AccessPolicy signed = coffre.kms.v1.AccessPolicy.newBuilder()
                    .addRules(coffre.kms.v1.AccessRule.newBuilder().addPrincipals("svc-*")
                            .addOperations(coffre.kms.v1.DataOperation.UNWRAP)
                            .addOperations(coffre.kms.v1.DataOperation.WRAP)
                            .addOperations(coffre.kms.v1.DataOperation.UNWRAP)).build();
            KeyAccessPolicy policy = SignedDocumentCodec.accessPolicy(signed);
            KeyMetadata changed = key.withAccessPolicy(policy, now).withUnwrapApproval(true, now);
            storage.keys().updateKey(key.withAccessPolicy(policy, now));
            storage.keys().updateKey(changed);
            assertEquals(changed, storage.keys().findKey(key.id()).orElseThrow());
            assertEquals(Base64.getEncoder().encodeToString(signed.toByteArray()), storedPolicy(storage, key.id()),
                    "the column keeps the signed policy's protobuf bytes");
        }
    }

    private static String storedPolicy(Storage storage, KeyId id) throws SQLException {
        try (Connection c = storage.dataSource().getConnection();
             PreparedStatement st = c.prepareStatement("SELECT access_policy FROM kms_key WHERE id = ?")) {
            st.setString(1, id.value());
            try (ResultSet rs = st.executeQuery()) {
                assertTrue(rs.next());
                return rs.getString(1);
            }
        }
    }

    @Test
    void keysRoundTripWithVersionsLabelsAndTimes() {
        try (Storage storage = open()) {
            KeyMetadataStore store = storage.keys();
            KeyMetadata key = newKey("a");
            store.insertKey(key);
            KeyMetadata rotated = key.withNewVersion(now.plusSeconds(5));
            store.updateKey(rotated);
            KeyMetadata pending = rotated.withPendingDeletion(now.plusSeconds(99), now.plusSeconds(6));
            store.updateKey(pending);
            assertEquals(pending, store.findKey(key.id()).orElseThrow());
        }
        try (Storage storage = open()) {
            KeyMetadataStore reopened = storage.keys();
            KeyMetadata loaded = reopened.loadAllKeys().get(0);
            assertEquals(KeyState.PENDING_DELETION, loaded.state());
            assertEquals(2, loaded.versions().size());
            assertEquals(Map.of("env", "prod", "team", "billing"), loaded.labels());
        }
    }

    @Test
    void duplicateAliasIsReportedAndNothingIsWritten() {
        try (Storage storage = open()) {
            KeyMetadataStore store = storage.keys();
            store.insertKey(newKey("same"));
            KeyMetadata second = newKey("same");
            assertThrows(KeyMetadataStore.AliasTakenException.class, () -> store.insertKey(second));
            assertTrue(store.findKey(second.id()).isEmpty());
            assertEquals(1, store.loadAllKeys().size());
        }
    }

    @Test
    void staleRevisionIsRefused() {
        try (Storage storage = open()) {
            KeyMetadataStore store = storage.keys();
            KeyMetadata key = newKey(null);
            store.insertKey(key);
            store.updateKey(key.withState(KeyState.DISABLED, now));
            assertThrows(KeyMetadataStore.ConcurrentUpdateException.class,
                    () -> store.updateKey(key.withState(KeyState.DISABLED, now)));
        }
    }

    @Test
    void aRotatedVersionKeepsItsOwnHsmLabel() {
        try (Storage storage = open()) {
            KeyMetadata key = newKey(null);
            storage.keys().insertKey(key);
            KeyMetadata rotated = key.withNewVersion(now, "coffre:" + key.id().value() + ":v2:abcdefgh");
            storage.keys().updateKey(rotated);
            assertEquals("coffre:" + key.id().value() + ":v2:abcdefgh",
                    storage.keys().findKey(key.id()).orElseThrow().primary().hsmLabel());
        }
    }

    private static PublicKeyInfo publicKey(KeySpec spec) throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance(spec.family().name());
        if (spec.family() == KeySpec.Family.EC) {
            generator.initialize(new java.security.spec.ECGenParameterSpec(spec == KeySpec.EC_P256 ? "secp256r1" : "secp384r1"));
        } else {
            generator.initialize(spec.bits());
        }
        return PublicKeyInfo.of(generator.generateKeyPair().getPublic().getEncoded(), spec);
    }

    @Test
    void asymmetricKeysRoundTripWithTheirSpecUsageAndEachVersionsPublicKey() throws GeneralSecurityException {
        KeyMetadata rotated;
        try (Storage storage = open()) {
            KeyMetadata key = KeyMetadata.created(KeyId.random(random), new KeyAttributes(new Alias("signer"), "d",
                    Map.of(), KeyAccessPolicy.EMPTY, false, KeySpec.EC_P384, KeyUsage.SIGN_VERIFY), now,
                    publicKey(KeySpec.EC_P384));
            storage.keys().insertKey(key);
            rotated = key.withNewVersion(now.plusSeconds(1), "coffre:" + key.id().value() + ":v2:abcdefgh",
                    publicKey(KeySpec.EC_P384));
            storage.keys().updateKey(rotated);
            KeyMetadata rsa = KeyMetadata.created(KeyId.random(random), new KeyAttributes(null, "d", Map.of(),
                    KeyAccessPolicy.EMPTY, true, KeySpec.RSA_4096, KeyUsage.ENCRYPT_DECRYPT), now,
                    publicKey(KeySpec.RSA_4096));
            storage.keys().insertKey(rsa);
            assertEquals(rsa, storage.keys().findKey(rsa.id()).orElseThrow());
        }
        try (Storage storage = open()) {
            KeyMetadata loaded = storage.keys().findKey(rotated.id()).orElseThrow();
            assertEquals(rotated, loaded);
            assertEquals(KeySpec.EC_P384, loaded.spec());
            assertEquals(KeyUsage.SIGN_VERIFY, loaded.usage());
            assertNotEquals(loaded.versions().get(0).publicKey(), loaded.versions().get(1).publicKey());
            KeyMetadata destroyed = loaded.destroyed(now.plusSeconds(2));
            storage.keys().updateKey(destroyed);
            assertEquals(rotated.versions().get(1).publicKey(),
                    storage.keys().findKey(rotated.id()).orElseThrow().versions().get(1).publicKey(),
                    "a destroyed version keeps its public key: it says which key signed what");
        }
    }

    @Test
    void aKeyWrittenWithoutSpecColumnsReadsBackAsAes256() throws SQLException {
        KeyId id = KeyId.random(random);
        try (Storage storage = open()) {
            // The columns a node before V13 wrote: the migration's defaults must say AES-256.
            try (Connection c = storage.dataSource().getConnection()) {
                try (PreparedStatement st = c.prepareStatement("INSERT INTO kms_key (id, description, state, "
                        + "protection_level, primary_version, created_at, updated_at, revision) "
                        + "VALUES (?, 'd', 'ENABLED', 'HSM', 1, ?, ?, 1)")) {
                    st.setString(1, id.value());
                    st.setObject(2, now.atOffset(java.time.ZoneOffset.UTC));
                    st.setObject(3, now.atOffset(java.time.ZoneOffset.UTC));
                    st.executeUpdate();
                }
                try (PreparedStatement st = c.prepareStatement("INSERT INTO kms_key_version (key_id, version, "
                        + "hsm_label, state, created_at) VALUES (?, 1, ?, 'ENABLED', ?)")) {
                    st.setString(1, id.value());
                    st.setString(2, "coffre:" + id.value() + ":v1");
                    st.setObject(3, now.atOffset(java.time.ZoneOffset.UTC));
                    st.executeUpdate();
                }
            }
            KeyMetadata loaded = storage.keys().findKey(id).orElseThrow();
            assertEquals(KeySpec.AES_256, loaded.spec());
            assertEquals(KeyUsage.ENCRYPT_DECRYPT, loaded.usage());
            assertNull(loaded.primary().publicKey());
        }
    }

    @Test
    void closedStoreFailsWithStoreException() {
        Storage storage = open();
        storage.close();
        assertThrows(StoreException.class, storage.keys()::loadAllKeys);
    }
}
