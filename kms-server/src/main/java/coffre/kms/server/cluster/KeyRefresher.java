package coffre.kms.server.cluster;

import coffre.kms.server.keys.KeyId;
import coffre.kms.server.keys.KeyLifecycle;
import coffre.kms.server.keys.KeyMetadata;
import coffre.kms.server.keys.KeyMetadataStore;
import coffre.kms.server.keys.KeyRegistry;
import coffre.kms.server.keys.LiveKey;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Keeps this node's key registry in step with the keys other nodes create and change: one key when
 * its change is announced ({@link #refresh}), every key as the safety net ({@link #refreshAll}),
 * and a key that a call misses, read at once ({@link #followMisses}). Each stored revision goes
 * into the registry through {@link KeyLifecycle#follow}, under the lifecycle's lock, which also
 * resolves the HSM objects of versions made elsewhere and forgets those destroyed elsewhere.
 */
public final class KeyRefresher {
    /** Most catch-up reads per second (see {@link #followMisses()}). */
    static final int MAX_CATCH_UPS_PER_SECOND = 50;

    private static final Logger LOG = System.getLogger(KeyRefresher.class.getName());

    private final KeyLifecycle lifecycle;
    private final KeyMetadataStore store;
    private final KeyRegistry registry;
    private final AtomicLong nextCatchUp = new AtomicLong();

    public KeyRefresher(KeyLifecycle lifecycle, KeyMetadataStore store, KeyRegistry registry) {
        this.lifecycle = Objects.requireNonNull(lifecycle, "lifecycle");
        this.store = Objects.requireNonNull(store, "store");
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    /**
     * Brings one key up to the store after another node changed (or created) it.
     *
     * @return true if the registry changed
     */
    public boolean refresh(KeyId id) {
        return store.findKey(id).map(lifecycle::follow).orElse(false);
    }

    /**
     * Brings every key up to the store: the safety net behind change notifications.
     *
     * @return how many keys changed in the registry
     */
    public int refreshAll() {
        int changed = 0;
        for (KeyMetadata meta : store.loadAllKeys()) {
            if (lifecycle.follow(meta)) {
                changed++;
            }
        }
        return changed;
    }

    /**
     * In a cluster: lets a lookup that misses a key (or a version) read it from the store once, so a
     * key created or rotated on another node a moment ago is usable here at once rather than after
     * the announcement. Bounded to {@value #MAX_CATCH_UPS_PER_SECOND} reads per second, so that
     * requests naming unknown keys cannot turn into database load; beyond that they fail as usual.
     */
    public void followMisses() {
        registry.onMiss(this::catchUp);
    }

    private Optional<LiveKey> catchUp(KeyId id) {
        long now = System.nanoTime();
        long next = nextCatchUp.get();
        if (now - next < 0 || !nextCatchUp.compareAndSet(next, now + 1_000_000_000L / MAX_CATCH_UPS_PER_SECOND)) {
            return Optional.empty();
        }
        try {
            refresh(id);
        } catch (RuntimeException e) {
            LOG.log(Level.DEBUG, "catch-up of key {0} failed: {1}", id, e.toString());
        }
        return registry.get(id);
    }
}
