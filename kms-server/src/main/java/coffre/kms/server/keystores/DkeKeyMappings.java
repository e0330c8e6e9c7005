package coffre.kms.server.keystores;

import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.domain.DataOperation;
import coffre.kms.server.keys.KeyCapabilities;
import coffre.kms.server.keys.KeyId;
import coffre.kms.server.keys.KeyLifecycle;
import coffre.kms.server.keys.KeyMetadata;
import coffre.kms.server.keys.KeyReference;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The DKE key names of the deployment: their administration (every rule about what may be asked,
 * approved or cut off) and the in-memory view the DKE edge reads ({@link DkeKeyNames}), kept in
 * step with the other nodes by {@link #refresh} from the cluster's change feed.
 * <ul>
 *   <li>{@link #requestMapping}: checked in full now (name free, key exists, is an RSA
 *       {@code ENCRYPT_DECRYPT} key and is not destroyed), so a bad request fails before officers
 *       spend signatures on it; the caller submits the operation for approval;</li>
 *   <li>{@link #map}: runs once officers approved, every check made again;</li>
 *   <li>{@link #unmap}: narrowing, at once on one officer's signature (which the caller verified
 *       after {@link #checkUnmap}): taking a name away can only cut access, and a kill switch
 *       must not wait for a quorum — the same rule as unmapping an XKS external key id.</li>
 * </ul>
 * Every change is stored first (and announced), then shown in memory.
 */
public final class DkeKeyMappings implements DkeKeyNames {
    private static final Logger LOG = System.getLogger(DkeKeyMappings.class.getName());

    private final DkeKeyMappingRepository repository;
    private final Function<KeyReference, KeyMetadata> keys;
    private final Clock clock;
    private final Map<String, DkeKeyMapping> byName = new ConcurrentHashMap<>();

    private DkeKeyMappings(DkeKeyMappingRepository repository, Function<KeyReference, KeyMetadata> keys, Clock clock) {
        this.repository = Objects.requireNonNull(repository, "repository");
        this.keys = Objects.requireNonNull(keys, "keys");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * The mappings of a node, loaded from {@code repository}.
     *
     * @param keys looks a Coffre key up (e.g. {@link KeyLifecycle#get}), throwing KEY_NOT_FOUND
     */
    public static DkeKeyMappings open(DkeKeyMappingRepository repository, Function<KeyReference, KeyMetadata> keys,
                                      Clock clock) {
        DkeKeyMappings mappings = new DkeKeyMappings(repository, keys, clock);
        mappings.refreshAll();
        return mappings;
    }

    @Override
    public Optional<KeyId> keyFor(String keyName) {
        DkeKeyMapping mapping = keyName == null ? null : byName.get(keyName);
        return mapping == null ? Optional.empty() : Optional.of(mapping.keyId());
    }

    /**
     * The mapping officers would approve: the key resolved to its id now (an alias may move later).
     *
     * @throws KmsException MISSING_FIELD, INVALID_DKE_KEY_NAME, DKE_KEY_MAPPING_ALREADY_EXISTS,
     *                      INVALID_KEY_ID, KEY_NOT_FOUND, KEY_DESTROYED, INVALID_KEY_USAGE (not an RSA
     *                      decryption key)
     */
    public DkeKeyMapping requestMapping(String keyName, String keyRef) {
        DkeKeyMapping.requireName(keyName);
        KeyMetadata key = mappableKey(KeyReference.parse(keyRef, "key_id"));
        requireUnmapped(keyName);
        return new DkeKeyMapping(keyName, key.id(), now());
    }

    /**
     * Maps the name to the key (approved); mapping it again to the same key changes nothing.
     *
     * @throws KmsException as {@link #requestMapping}, the name taken meanwhile by another key included
     */
    public DkeKeyMapping map(String keyName, KeyId keyId) {
        DkeKeyMapping.requireName(keyName);
        mappableKey(new KeyReference.ById(keyId));
        DkeKeyMapping existing = byName.get(keyName);
        if (existing != null && existing.keyId().equals(keyId)) {
            return existing;
        }
        requireUnmapped(keyName);
        DkeKeyMapping mapping = new DkeKeyMapping(keyName, keyId, now());
        repository.insert(mapping);
        byName.put(keyName, mapping);
        LOG.log(Level.INFO, "DKE key name {0} mapped to key {1}", keyName, keyId);
        return mapping;
    }

    /**
     * The mapping {@link #unmap} would delete, so a bad request fails before the officer's
     * signature is checked (and used).
     *
     * @throws KmsException MISSING_FIELD, INVALID_DKE_KEY_NAME, DKE_KEY_MAPPING_NOT_FOUND
     */
    public DkeKeyMapping checkUnmap(String keyName) {
        DkeKeyMapping.requireName(keyName);
        DkeKeyMapping mapping = byName.get(keyName);
        if (mapping == null) {
            throw new KmsException(ErrorReason.DKE_KEY_MAPPING_NOT_FOUND, "no DKE key name " + keyName);
        }
        return mapping;
    }

    /** Narrowing: the name stops serving at once. @throws KmsException as {@link #checkUnmap} */
    public DkeKeyMapping unmap(String keyName) {
        DkeKeyMapping mapping = checkUnmap(keyName);
        repository.delete(keyName);
        byName.remove(keyName);
        LOG.log(Level.INFO, "DKE key name {0} unmapped (was key {1})", keyName, mapping.keyId());
        return mapping;
    }

    /** Mappings by name. @throws KmsException INVALID_PAGINATION */
    public KeyStorePage<DkeKeyMapping> list(int pageSize, String pageToken) {
        List<DkeKeyMapping> sorted = byName.values().stream().sorted(Comparator.comparing(DkeKeyMapping::keyName))
                .toList();
        return KeyStorePage.of(sorted, DkeKeyMapping::keyName, pageSize, pageToken);
    }

    /** Re-reads one name (another node changed it). @return whether this node's view changed */
    public boolean refresh(String keyName) {
        Optional<DkeKeyMapping> stored = repository.load(keyName);
        DkeKeyMapping before = stored.isPresent() ? byName.put(keyName, stored.get()) : byName.remove(keyName);
        return !Objects.equals(before, stored.orElse(null));
    }

    /** Re-reads every name (after the feed was interrupted). @return how many names changed */
    public int refreshAll() {
        Map<String, DkeKeyMapping> stored = new java.util.HashMap<>();
        for (DkeKeyMapping mapping : repository.loadAll()) {
            stored.put(mapping.keyName(), mapping);
        }
        int changed = 0;
        for (String name : List.copyOf(byName.keySet())) {
            if (!stored.containsKey(name)) {
                byName.remove(name);
                changed++;
            }
        }
        for (DkeKeyMapping mapping : stored.values()) {
            if (!mapping.equals(byName.put(mapping.keyName(), mapping))) {
                changed++;
            }
        }
        return changed;
    }

    private void requireUnmapped(String keyName) {
        DkeKeyMapping existing = byName.get(keyName);
        if (existing != null) {
            throw mappedAlready(keyName);
        }
    }

    static KmsException mappedAlready(String keyName) {
        return new KmsException(ErrorReason.DKE_KEY_MAPPING_ALREADY_EXISTS, "DKE key name " + keyName
                + " is already mapped; unmap it first to map it to another key");
    }

    /** An RSA decryption key (what Office encrypts to), not destroyed (no material left to use). */
    private KeyMetadata mappableKey(KeyReference reference) {
        KeyMetadata key = keys.apply(reference);
        KeyLifecycle.requireNotDestroyed(key);
        KeyCapabilities.require(key, DataOperation.DECRYPT);
        return key;
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }
}
