package coffre.kms.server.keys;

import coffre.hsm.HsmKeyRef;
import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The in-memory view of every key, so the wrap/unwrap hot path reads no database row and looks
 * up no HSM object by label. Writers (the lifecycle, under its per-key lock) replace whole
 * {@link LiveKey} values; readers never lock.
 *
 * <p>In a cluster a key or a version made on another node a moment ago may not be here yet. A
 * lookup that misses by id can then ask {@link #onMiss its catch-up} once: an error path only,
 * rate-limited by the catch-up, so the hot path still reads no row.
 */
public final class KeyRegistry {
    /** Finds a key that another node may have just created or rotated; empty if it cannot tell. */
    @FunctionalInterface
    public interface CatchUp {
        Optional<LiveKey> find(KeyId id);
    }

    /** Every key, for the hot path: a hash look-up stays flat with 10,000 keys (a skip list did not). */
    private final Map<KeyId, LiveKey> byId = new ConcurrentHashMap<>();
    /** The same keys in id order, for paging. */
    private final ConcurrentSkipListMap<KeyId, LiveKey> inOrder = new ConcurrentSkipListMap<>();
    private final Map<String, KeyId> byAlias = new ConcurrentHashMap<>();
    /** Aliases in lower case: uniqueness ignores case (see {@link Alias#folded()}). */
    private final Set<String> foldedAliases = ConcurrentHashMap.newKeySet();
    private volatile CatchUp catchUp = id -> Optional.empty();

    /** Sets what a lookup by id that misses may ask (a single node needs nothing). */
    public void onMiss(CatchUp catchUp) {
        this.catchUp = java.util.Objects.requireNonNull(catchUp, "catchUp");
    }

    public Optional<LiveKey> get(KeyId id) {
        return Optional.ofNullable(byId.get(id));
    }

    /** The key, asking the catch-up if it is not here. */
    public Optional<LiveKey> getOrCatchUp(KeyId id) {
        LiveKey key = byId.get(id);
        return key != null ? Optional.of(key) : catchUp.find(id);
    }

    /**
     * The key with at least {@code version} versions, asking the catch-up if this node only knows
     * fewer (a rotation on another node a moment ago); else what is here.
     */
    public Optional<LiveKey> withVersion(LiveKey key, int version) {
        if (version <= key.metadata().versions().size()) {
            return Optional.of(key);
        }
        return catchUp.find(key.metadata().id()).or(() -> Optional.of(key));
    }

    /**
     * The HSM reference of an enabled {@code version} of {@code key}. When this node has not found
     * its HSM object yet (created or rotated on another node a moment ago, and the HSM shows it
     * here a little later), the catch-up is asked once to look again.
     *
     * @throws KmsException {@link ErrorReason#HSM_UNAVAILABLE} if the object is still not visible:
     *                      a transient state that a retry (on this node or another) gets past
     */
    public HsmKeyRef enabledRef(LiveKey key, int version) {
        Optional<HsmKeyRef> ref = key.ref(version);
        if (ref.isPresent()) {
            return ref.get();
        }
        return catchUp.find(key.metadata().id()).flatMap(k -> k.ref(version)).orElseThrow(() -> new KmsException(
                ErrorReason.HSM_UNAVAILABLE, "the HSM object of key " + key.metadata().id() + " version " + version
                        + " is not visible on this node yet; try again"));
    }

    /** @throws KmsException {@link ErrorReason#KEY_NOT_FOUND} */
    public LiveKey resolve(KeyReference reference) {
        KeyId id = switch (reference) {
            case KeyReference.ById byId -> byId.id();
            case KeyReference.ByAlias byAlias -> this.byAlias.get(byAlias.alias().value());
        };
        LiveKey key = id == null ? null : getOrCatchUp(id).orElse(null);
        if (key == null) {
            throw new KmsException(ErrorReason.KEY_NOT_FOUND, "no key " + describe(reference));
        }
        return key;
    }

    public boolean aliasInUse(Alias alias) {
        return foldedAliases.contains(alias.folded());
    }

    public void put(LiveKey key) {
        KeyMetadata meta = key.metadata();
        inOrder.put(meta.id(), key);
        byId.put(meta.id(), key);
        if (meta.alias() != null) {
            byAlias.put(meta.alias().value(), meta.id());
            foldedAliases.add(meta.alias().folded());
        }
    }

    /** Up to {@code limit} keys with ids after {@code after} (null for the first page), by id. */
    public List<KeyMetadata> page(KeyId after, int limit) {
        Map<KeyId, LiveKey> tail = after == null ? inOrder : inOrder.tailMap(after, false);
        List<KeyMetadata> out = new ArrayList<>(Math.min(limit, 128));
        for (LiveKey key : tail.values()) {
            if (out.size() == limit) {
                break;
            }
            out.add(key.metadata());
        }
        return out;
    }

    public int size() {
        return byId.size();
    }

    /** Keys by state and overdue deletions at {@code now}, in one pass over memory (no copy). */
    public KeyCensus census(java.time.Instant now) {
        int[] counts = new int[KeyState.values().length];
        int due = 0;
        for (LiveKey key : byId.values()) {
            KeyMetadata meta = key.metadata();
            counts[meta.state().ordinal()]++;
            if (meta.state() == KeyState.PENDING_DELETION && !meta.deletionTime().isAfter(now)) {
                due++;
            }
        }
        java.util.EnumMap<KeyState, Integer> byState = new java.util.EnumMap<>(KeyState.class);
        for (KeyState state : KeyState.values()) {
            byState.put(state, counts[state.ordinal()]);
        }
        return new KeyCensus(byState, due);
    }

    public List<LiveKey> all() {
        return List.copyOf(inOrder.values());
    }

    private static String describe(KeyReference reference) {
        return switch (reference) {
            case KeyReference.ById byId -> byId.id().value();
            case KeyReference.ByAlias byAlias -> Alias.PREFIX + byAlias.alias().value();
        };
    }
}
