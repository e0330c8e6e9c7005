package coffre.kms.server.keys;

import coffre.hsm.Hsm;
import coffre.hsm.HsmException;
import coffre.hsm.HsmKeyRef;
import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.domain.StoreException;
import java.lang.System.Logger.Level;
import java.lang.System.Logger;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.UnaryOperator;

/**
 * The key lifecycle: create, rotate, disable, enable, schedule and cancel deletion, and the
 * destruction of keys whose waiting period is over.
 *
 * <p>Each change is made in the HSM first (new material), then in the store, then in the
 * in-memory {@link KeyRegistry}; a store failure undoes the HSM step, so nothing half-made is
 * acknowledged. Changes are serialised by one lock: they are rare, and the hot path never takes it.
 *
 * <p>In a cluster, other nodes change keys too: {@code cluster.KeyRefresher} brings the registry up
 * to the store when told, through {@link #follow}, under this lock. A change made here against a
 * view that is a moment behind fails the store's revision check; the key is then re-read and the
 * change tried once more against what is really stored, so its preconditions hold at the time it
 * is made.
 */
public final class KeyLifecycle {
    public static final int MIN_PENDING_DAYS = 7;
    public static final int MAX_PENDING_DAYS = 30;
    public static final int DEFAULT_PENDING_DAYS = 30;

    private static final Logger LOG = System.getLogger(KeyLifecycle.class.getName());

    private final KeyMetadataStore store;
    private final KeyRegistry registry;
    private final Clock clock;
    private volatile java.util.function.Consumer<KeyId> destroyedListener = id -> { };
    private final SecureRandom random = new SecureRandom();
    private final ReentrantLock lock = new ReentrantLock();
    private final KeyMaterial material;
    private final KeyLoader loader;

    public KeyLifecycle(Hsm hsm, KeyMetadataStore store, KeyRegistry registry, Clock clock) {
        this.store = store;
        this.registry = registry;
        this.clock = clock;
        this.material = new KeyMaterial(hsm);
        this.loader = new KeyLoader(material, registry);
    }

    /** Builds the registry from the store (see {@code KeyLoader.loadAll}). */
    public void loadAll() {
        loader.loadAll(store.loadAllKeys());
    }

    /**
     * Brings the registry up to a revision of a key read from the store, changed (or created) on
     * another node: under the lifecycle's lock, so that it never overwrites a later change made
     * here (see {@code KeyLoader.adopt}).
     *
     * @return true if the registry changed
     */
    public boolean follow(KeyMetadata stored) {
        lock.lock();
        try {
            return loader.adopt(stored);
        } finally {
            lock.unlock();
        }
    }

    /** Re-reads a key after a lost revision race; the caller holds {@link #lock}. */
    private void reread(KeyId id) {
        try {
            store.findKey(id).ifPresent(loader::adopt);
        } catch (StoreException e) {
            throw storeFailure(e);
        }
    }

    public KeyMetadata create(KeyAttributes attributes) {
        lock.lock();
        try {
            if (attributes.alias() != null && registry.aliasInUse(attributes.alias())) {
                throw aliasTaken(attributes.alias());
            }
            KeyId id = KeyId.random(random);
            KeyMaterial.Made made = material.generate(KeyVersionMetadata.hsmLabelFor(id, 1), attributes.spec(),
                    attributes.usage());
            HsmKeyRef ref = made.ref();
            KeyMetadata meta;
            try {
                meta = KeyMetadata.created(id, attributes, now(), made.publicKey());
            } catch (RuntimeException e) {
                discard(ref);
                throw e;
            }
            try {
                store.insertKey(meta);
            } catch (KeyMetadataStore.AliasTakenException e) {
                discard(ref);
                throw aliasTaken(attributes.alias());
            } catch (RuntimeException e) {
                discard(ref);
                throw storeFailure(e);
            }
            registry.put(new LiveKey(meta, List.of(Optional.of(ref))));
            LOG.log(Level.INFO, "created key {0}", id);
            return meta;
        } finally {
            lock.unlock();
        }
    }

    /** @throws KmsException {@link ErrorReason#ALIAS_ALREADY_EXISTS} if a key already has the alias */
    public void requireAliasFree(Alias alias) {
        if (alias != null && registry.aliasInUse(alias)) {
            throw aliasTaken(alias);
        }
    }

    public KeyMetadata get(KeyReference reference) {
        return registry.resolve(reference).metadata();
    }

    /**
     * Adds a version (a new AES-256 key, or a new key pair: older versions keep theirs, so they still
     * decrypt and verify). Its HSM label carries a random tag: two nodes rotating the same key at the
     * same moment then make two distinct objects, and the one whose store write loses discards its own
     * object only, never the winner's.
     */
    public KeyMetadata rotate(KeyReference reference) {
        lock.lock();
        try {
            for (int attempt = 1; ; attempt++) {
                LiveKey live = registry.resolve(reference);
                requireUsable(live.metadata());
                int version = live.metadata().versions().size() + 1;
                String label = KeyVersionMetadata.hsmLabelFor(live.metadata().id(), version) + ":" + labelTag();
                KeyMaterial.Made made = material.generate(label, live.metadata().spec(), live.metadata().usage());
                HsmKeyRef ref = made.ref();
                KeyMetadata next = live.metadata().withNewVersion(now(), label, made.publicKey());
                try {
                    store.updateKey(next);
                } catch (KeyMetadataStore.ConcurrentUpdateException e) {
                    discard(ref);
                    if (attempt == 1) {
                        reread(next.id());
                        continue;
                    }
                    throw storeFailure(e);
                } catch (RuntimeException e) {
                    discard(ref);
                    throw storeFailure(e);
                }
                registry.put(live.with(next, Optional.of(ref)));
                LOG.log(Level.INFO, "rotated key {0} to version {1}", next.id(), next.primaryVersion());
                return next;
            }
        } finally {
            lock.unlock();
        }
    }

    private String labelTag() {
        char[] alphabet = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();
        char[] tag = new char[8];
        for (int i = 0; i < tag.length; i++) {
            tag[i] = alphabet[random.nextInt(alphabet.length)];
        }
        return new String(tag);
    }

    public KeyMetadata disable(KeyReference reference) {
        return transition(reference, meta -> switch (meta.state()) {
            case ENABLED -> meta.withState(KeyState.DISABLED, now());
            case DISABLED -> meta;
            case PENDING_DELETION -> throw pendingDeletion(meta);
            case DESTROYED -> throw destroyed(meta);
        });
    }

    public KeyMetadata enable(KeyReference reference) {
        return transition(reference, meta -> {
            checkEnable(meta);
            return meta.state() == KeyState.ENABLED ? meta : meta.withState(KeyState.ENABLED, now());
        });
    }

    /** @throws KmsException unless the key may be enabled (it is ENABLED or DISABLED) */
    public static void checkEnable(KeyMetadata meta) {
        switch (meta.state()) {
            case ENABLED, DISABLED -> { }
            case PENDING_DELETION -> throw new KmsException(ErrorReason.KEY_PENDING_DELETION,
                    "key " + meta.id() + " is scheduled for deletion; cancel the deletion first");
            case DESTROYED -> throw destroyed(meta);
        }
    }

    /** @throws KmsException unless the key may be scheduled for deletion (ENABLED or DISABLED) */
    public static void checkScheduleDeletion(KeyMetadata meta) {
        switch (meta.state()) {
            case ENABLED, DISABLED -> { }
            case PENDING_DELETION -> throw pendingDeletion(meta);
            case DESTROYED -> throw destroyed(meta);
        }
    }

    /** @throws KmsException unless the key is PENDING_DELETION */
    public static void checkCancelDeletion(KeyMetadata meta) {
        switch (meta.state()) {
            case PENDING_DELETION -> { }
            case DESTROYED -> throw destroyed(meta);
            case ENABLED, DISABLED -> throw new KmsException(ErrorReason.KEY_NOT_PENDING_DELETION,
                    "key " + meta.id() + " is not scheduled for deletion");
        }
    }

    /**
     * @param days 7-30, or 0 for the default of 30
     * @return the waiting period in days
     * @throws KmsException {@link ErrorReason#INVALID_PENDING_WINDOW} outside 7-30
     */
    public static int requireValidPendingWindow(int days) {
        int window = days == 0 ? DEFAULT_PENDING_DAYS : days;
        if (window < MIN_PENDING_DAYS || window > MAX_PENDING_DAYS) {
            throw new KmsException(ErrorReason.INVALID_PENDING_WINDOW,
                    "the deletion waiting period is " + MIN_PENDING_DAYS + " to " + MAX_PENDING_DAYS + " days",
                    Map.of("min", Integer.toString(MIN_PENDING_DAYS), "max", Integer.toString(MAX_PENDING_DAYS)));
        }
        return window;
    }

    /** @param days 7-30, or 0 for the default of 30 */
    public KeyMetadata scheduleDeletion(KeyReference reference, int days) {
        int window = requireValidPendingWindow(days);
        return transition(reference, meta -> {
            checkScheduleDeletion(meta);
            Instant now = now();
            return meta.withPendingDeletion(now.plus(Duration.ofDays(window)), now);
        });
    }

    /** Replaces the key's access policy. */
    public KeyMetadata setAccessPolicy(KeyReference reference, KeyAccessPolicy policy) {
        return transition(reference, meta -> {
            requireNotDestroyed(meta);
            KeyAttributes.requirePolicyFits(meta.spec(), policy);
            return meta.withAccessPolicy(policy, now());
        });
    }

    /** Turns per-unwrap approval (break-glass) on or off. */
    public KeyMetadata setUnwrapApproval(KeyReference reference, boolean required) {
        return transition(reference, meta -> {
            requireNotDestroyed(meta);
            KeyAttributes.requireFits(meta.spec(), meta.usage(), required);
            return meta.requireUnwrapApproval() == required ? meta : meta.withUnwrapApproval(required, now());
        });
    }

    /** @throws KmsException {@link ErrorReason#KEY_DESTROYED} for a destroyed key */
    public static void requireNotDestroyed(KeyMetadata meta) {
        if (meta.state() == KeyState.DESTROYED) {
            throw destroyed(meta);
        }
    }

    /** A key whose deletion is cancelled comes back DISABLED: enabling it is a separate decision. */
    public KeyMetadata cancelDeletion(KeyReference reference) {
        return transition(reference, meta -> {
            checkCancelDeletion(meta);
            return meta.withState(KeyState.DISABLED, now());
        });
    }

    /** Told of each key that {@link #destroyDueKeys()} destroys (the audit log records it). */
    public void onDestroyed(java.util.function.Consumer<KeyId> listener) {
        this.destroyedListener = java.util.Objects.requireNonNull(listener);
    }

    /**
     * Destroys the HSM objects of every key whose deletion time has passed, then records the key
     * as DESTROYED. HSM first: if the store write fails the next run finds the objects already
     * gone and completes the record. Each key is re-read from the store first, so a deletion
     * cancelled on another node a moment ago is never carried out here; when several nodes run
     * this at once, one records the destruction and the others follow it.
     *
     * @return the number of keys destroyed
     */
    public int destroyDueKeys() {
        Instant now = now();
        int destroyed = 0;
        for (LiveKey candidate : registry.all()) {
            KeyMetadata meta = candidate.metadata();
            if (meta.state() != KeyState.PENDING_DELETION || meta.deletionTime().isAfter(now)) {
                continue;
            }
            lock.lock();
            try {
                // Another node may have cancelled the deletion a moment ago: decide on the stored
                // state, not on a view that could lag, before any HSM object is destroyed.
                store.findKey(meta.id()).ifPresent(loader::adopt);
                LiveKey live = registry.get(meta.id()).orElseThrow();
                if (live.metadata().state() != KeyState.PENDING_DELETION || live.metadata().deletionTime().isAfter(now)) {
                    continue;
                }
                for (KeyVersionMetadata version : live.metadata().versions()) {
                    material.destroy(version.hsmLabel());
                }
                KeyMetadata gone = live.metadata().destroyed(now());
                store.updateKey(gone);
                registry.put(new LiveKey(gone, gone.versions().stream().map(v -> Optional.<HsmKeyRef>empty()).toList()));
                destroyed++;
                LOG.log(Level.INFO, "destroyed key {0} after its deletion waiting period", meta.id());
                destroyedListener.accept(meta.id());
            } catch (HsmException | StoreException e) {
                LOG.log(Level.WARNING, "could not destroy key {0} yet; will retry: {1}", meta.id(), e.getMessage());
            } catch (KeyMetadataStore.ConcurrentUpdateException e) {
                // Another node recorded it first (it destroyed the objects too): follow the store.
                LOG.log(Level.INFO, "key {0} was changed by another node while being destroyed", meta.id());
                try {
                    store.findKey(meta.id()).ifPresent(loader::adopt);
                } catch (StoreException again) {
                    LOG.log(Level.WARNING, "could not re-read key {0}: {1}", meta.id(), again.getMessage());
                }
            } finally {
                lock.unlock();
            }
        }
        return destroyed;
    }

    /** Microsecond precision: what both stores keep, so a key reads back exactly as written. */
    private Instant now() {
        return clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MICROS);
    }

    private KeyMetadata transition(KeyReference reference, UnaryOperator<KeyMetadata> change) {
        lock.lock();
        try {
            for (int attempt = 1; ; attempt++) {
                LiveKey live = registry.resolve(reference);
                KeyMetadata next = change.apply(live.metadata());
                if (next == live.metadata()) {
                    return next;
                }
                try {
                    store.updateKey(next);
                } catch (KeyMetadataStore.ConcurrentUpdateException e) {
                    if (attempt == 1) {
                        // This node's view was behind another node's change: apply ours to what is stored.
                        reread(next.id());
                        continue;
                    }
                    throw storeFailure(e);
                } catch (RuntimeException e) {
                    throw storeFailure(e);
                }
                registry.put(live.with(next, Optional.empty()));
                LOG.log(Level.INFO, "key {0} is now {1}", next.id(), next.state());
                return next;
            }
        } finally {
            lock.unlock();
        }
    }

    private void discard(HsmKeyRef ref) {
        try {
            material.destroy(ref.label());
        } catch (HsmException e) {
            LOG.log(Level.ERROR, "could not remove orphan HSM object {0}: {1}", ref.label(), e.getMessage());
        }
    }

    /** @throws KmsException unless the key is ENABLED: what wrap, unwrap and rotation need */
    public static void requireUsable(KeyMetadata meta) {
        switch (meta.state()) {
            case ENABLED -> { }
            case DISABLED -> throw new KmsException(ErrorReason.KEY_DISABLED, "key " + meta.id() + " is disabled");
            case PENDING_DELETION -> throw pendingDeletion(meta);
            case DESTROYED -> throw destroyed(meta);
        }
    }

    private static KmsException pendingDeletion(KeyMetadata meta) {
        return new KmsException(ErrorReason.KEY_PENDING_DELETION,
                "key " + meta.id() + " is scheduled for deletion at " + meta.deletionTime());
    }

    private static KmsException destroyed(KeyMetadata meta) {
        return new KmsException(ErrorReason.KEY_DESTROYED,
                "key " + meta.id() + " was destroyed at " + meta.destroyTime() + "; its material no longer exists");
    }

    private static KmsException aliasTaken(Alias alias) {
        return new KmsException(ErrorReason.ALIAS_ALREADY_EXISTS, "alias " + alias + " is already in use");
    }

    private static KmsException storeFailure(RuntimeException e) {
        if (e instanceof KmsException kms) {
            return kms;
        }
        if (e instanceof KeyMetadataStore.ConcurrentUpdateException) {
            return new KmsException(ErrorReason.CONCURRENT_MODIFICATION,
                    "the key was changed by another request; read it again and retry");
        }
        LOG.log(Level.ERROR, "store failure: {0}", e.toString());
        return new KmsException(ErrorReason.STORE_UNAVAILABLE, "the metadata store is unavailable; retry later",
                Map.of(), e);
    }
}
