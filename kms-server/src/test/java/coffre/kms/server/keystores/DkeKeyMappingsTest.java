package coffre.kms.server.keystores;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.keys.Alias;
import coffre.kms.server.keys.KeyAccessPolicy;
import coffre.kms.server.keys.KeyAttributes;
import coffre.kms.server.keys.KeyId;
import coffre.kms.server.keys.KeyMetadata;
import coffre.kms.server.keys.KeyReference;
import coffre.kms.server.keys.KeySpec;
import coffre.kms.server.keys.PublicKeyInfo;
import coffre.kms.server.keys.KeyState;
import coffre.kms.server.keys.KeyUsage;
import coffre.kms.server.testing.MutableClock;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The rules of DKE key names: what may be asked (checked in full before officers see it), what an
 * approval does (checked again), unmapping at once, the view the edge reads and its refresh from
 * the store (another node's change).
 */
class DkeKeyMappingsTest {
    /** One RSA-2048 public key for every test key (the mappings never read it). */
    private static final PublicKeyInfo RSA_PUBLIC = rsaPublicKey();
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-07T09:00:00Z"));
    private final Map<KeyId, KeyMetadata> keys = new ConcurrentHashMap<>();
    private final InMemoryRepository repository = new InMemoryRepository();
    private final DkeKeyMappings names = DkeKeyMappings.open(repository, this::key, clock);

    /** The repository port in memory, as another node's writes would leave the database. */
    static final class InMemoryRepository implements DkeKeyMappingRepository {
        final Map<String, DkeKeyMapping> rows = new ConcurrentHashMap<>();

        @Override
        public List<DkeKeyMapping> loadAll() {
            return List.copyOf(rows.values());
        }

        @Override
        public Optional<DkeKeyMapping> load(String keyName) {
            return Optional.ofNullable(rows.get(keyName));
        }

        @Override
        public void insert(DkeKeyMapping mapping) {
            if (rows.putIfAbsent(mapping.keyName(), mapping) != null) {
                throw DkeKeyMappings.mappedAlready(mapping.keyName());
            }
        }

        @Override
        public boolean delete(String keyName) {
            return rows.remove(keyName) != null;
        }
    }

    private KeyMetadata addKey(String alias) {
        KeyId id = KeyId.random(new SecureRandom());
        KeyMetadata key = KeyMetadata.created(id, new KeyAttributes(alias == null ? null : new Alias(alias), "", Map.of(),
                KeyAccessPolicy.EMPTY, false, KeySpec.RSA_2048, KeyUsage.ENCRYPT_DECRYPT), clock.instant(), RSA_PUBLIC);
        keys.put(id, key);
        return key;
    }

    private KeyMetadata key(KeyReference reference) {
        KeyMetadata found = switch (reference) {
            case KeyReference.ById byId -> keys.get(byId.id());
            case KeyReference.ByAlias byAlias -> keys.values().stream()
                    .filter(k -> byAlias.alias().equals(k.alias())).findFirst().orElse(null);
        };
        if (found == null) {
            throw new KmsException(ErrorReason.KEY_NOT_FOUND, "no such key");
        }
        return found;
    }

    private static PublicKeyInfo rsaPublicKey() {
        try {
            java.security.KeyPairGenerator generator = java.security.KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return PublicKeyInfo.of(generator.generateKeyPair().getPublic().getEncoded(), KeySpec.RSA_2048);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ErrorReason reason(Runnable call) {
        return assertThrows(KmsException.class, call::run).reason();
    }

    @Test
    void aRequestResolvesTheAliasAndChangesNothingUntilApproved() {
        KeyMetadata key = addKey("finance-dke");
        DkeKeyMapping proposed = names.requestMapping("finance", "alias/finance-dke");
        assertEquals(key.id(), proposed.keyId());
        assertEquals(Optional.empty(), names.keyFor("finance"), "nothing is mapped before the approval");
        assertTrue(repository.rows.isEmpty());
        names.map("finance", key.id());
        assertEquals(Optional.of(key.id()), names.keyFor("finance"));
        assertEquals(key.id(), repository.rows.get("finance").keyId());
        assertEquals(names.map("finance", key.id()), repository.rows.get("finance"), "approving twice is one mapping");
    }

    @ParameterizedTest
    @ValueSource(strings = {"a/b", "a.b", "..", "with space", "é", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"})
    void badNamesAreRefused(String name) {
        KeyMetadata key = addKey(null);
        assertEquals(ErrorReason.INVALID_DKE_KEY_NAME, reason(() -> names.requestMapping(name, key.id().value())));
        assertEquals(ErrorReason.INVALID_DKE_KEY_NAME, reason(() -> names.checkUnmap(name)));
    }

    @Test
    void everyBadRequestFailsBeforeOfficersSeeIt() {
        KeyMetadata key = addKey(null);
        assertEquals(ErrorReason.MISSING_FIELD, reason(() -> names.requestMapping("", key.id().value())));
        assertEquals(ErrorReason.KEY_NOT_FOUND, reason(() -> names.requestMapping("x", "alias/nothing")));
        assertEquals(ErrorReason.INVALID_KEY_ID, reason(() -> names.requestMapping("x", "not-a-key")));
        names.map("taken", key.id());
        KeyMetadata other = addKey(null);
        assertEquals(ErrorReason.DKE_KEY_MAPPING_ALREADY_EXISTS, reason(() -> names.requestMapping("taken",
                other.id().value())));
        assertEquals(ErrorReason.DKE_KEY_MAPPING_ALREADY_EXISTS, reason(() -> names.map("taken", other.id())),
                "checked again when the approval runs");
        keys.put(other.id(), other.withState(KeyState.DESTROYED, clock.instant()));
        assertEquals(ErrorReason.KEY_DESTROYED, reason(() -> names.requestMapping("fresh", other.id().value())));
        assertEquals(ErrorReason.DKE_KEY_MAPPING_NOT_FOUND, reason(() -> names.checkUnmap("nothing")));
        KeyId aes = KeyId.random(new SecureRandom());
        keys.put(aes, KeyMetadata.created(aes, new KeyAttributes(null, "", Map.of()), clock.instant()));
        assertEquals(ErrorReason.INVALID_KEY_USAGE, reason(() -> names.requestMapping("aes", aes.value())),
                "Office encrypts to an RSA key's public half: an AES key cannot be mapped");
        KeyId signing = KeyId.random(new SecureRandom());
        keys.put(signing, KeyMetadata.created(signing, new KeyAttributes(null, "", Map.of(), KeyAccessPolicy.EMPTY, false,
                KeySpec.RSA_2048, KeyUsage.SIGN_VERIFY), clock.instant(), RSA_PUBLIC));
        assertEquals(ErrorReason.INVALID_KEY_USAGE, reason(() -> names.map("signing", signing)), "nor a signing key");
    }

    @Test
    void unmappingActsAtOnceAndTheNameMayBeMappedAgain() {
        KeyMetadata key = addKey(null);
        names.map("finance", key.id());
        assertEquals(key.id(), names.unmap("finance").keyId());
        assertEquals(Optional.empty(), names.keyFor("finance"));
        assertTrue(repository.rows.isEmpty());
        assertEquals(ErrorReason.DKE_KEY_MAPPING_NOT_FOUND, reason(() -> names.unmap("finance")));
        names.map("finance", addKey(null).id());
    }

    @Test
    void anotherNodesChangesArriveByRefresh() {
        KeyMetadata key = addKey(null);
        repository.rows.put("legal", new DkeKeyMapping("legal", key.id(), clock.instant()));
        assertEquals(Optional.empty(), names.keyFor("legal"));
        assertTrue(names.refresh("legal"));
        assertEquals(Optional.of(key.id()), names.keyFor("legal"));
        repository.rows.remove("legal");
        assertTrue(names.refresh("legal"));
        assertEquals(Optional.empty(), names.keyFor("legal"));
        repository.rows.put("a", new DkeKeyMapping("a", key.id(), clock.instant()));
        repository.rows.put("b", new DkeKeyMapping("b", key.id(), clock.instant()));
        assertEquals(2, names.refreshAll());
        assertEquals(0, names.refreshAll());
        assertEquals(List.of("a", "b"), names.list(0, "").items().stream().map(DkeKeyMapping::keyName).toList());
        KeyStorePage<DkeKeyMapping> first = names.list(1, "");
        assertEquals(List.of("b"), names.list(1, first.nextPageToken()).items().stream().map(DkeKeyMapping::keyName)
                .toList());
    }
}
