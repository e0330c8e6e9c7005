package coffre.kms.server.keys;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Everything Coffre knows about a key except its material, which stays in the HSM. Immutable:
 * each lifecycle change yields a new value with {@code revision + 1}, which the store uses for
 * optimistic concurrency.
 *
 * @param alias         may be null
 * @param versions      ascending by version number, never empty
 * @param deletionTime  set while {@link KeyState#PENDING_DELETION}
 * @param destroyTime   set once {@link KeyState#DESTROYED}
 * @param accessPolicy  who may use the key; {@link KeyAccessPolicy#EMPTY}: nobody
 * @param requireUnwrapApproval break-glass key: each unwrap needs a quorum approval
 */
public record KeyMetadata(
        KeyId id,
        Alias alias,
        String description,
        SortedMap<String, String> labels,
        KeyState state,
        int primaryVersion,
        List<KeyVersionMetadata> versions,
        Instant createdAt,
        Instant updatedAt,
        Instant deletionTime,
        Instant destroyTime,
        KeyAccessPolicy accessPolicy,
        boolean requireUnwrapApproval,
        long revision) {

    public KeyMetadata {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(updatedAt, "updatedAt");
        Objects.requireNonNull(accessPolicy, "accessPolicy");
        labels = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(labels));
        versions = List.copyOf(versions);
        if (versions.isEmpty()) {
            throw new IllegalArgumentException("a key has at least one version");
        }
        for (int i = 0; i < versions.size(); i++) {
            if (versions.get(i).version() != i + 1) {
                throw new IllegalArgumentException("key versions must be 1..n in order");
            }
        }
        if (primaryVersion < 1 || primaryVersion > versions.size()) {
            throw new IllegalArgumentException("primary version must be one of the key's versions");
        }
    }

    /** A new key with its first version, enabled. */
    public static KeyMetadata created(KeyId id, KeyAttributes attributes, Instant now) {
        return new KeyMetadata(id, attributes.alias(), attributes.description(), new TreeMap<>(attributes.labels()),
                KeyState.ENABLED, 1, List.of(KeyVersionMetadata.enabled(id, 1, now)), now, now, null, null,
                attributes.accessPolicy(), attributes.requireUnwrapApproval(), 1);
    }

    public Optional<KeyVersionMetadata> version(int version) {
        if (version < 1 || version > versions.size()) {
            return Optional.empty();
        }
        return Optional.of(versions.get(version - 1));
    }

    public KeyVersionMetadata primary() {
        return versions.get(primaryVersion - 1);
    }

    public KeyMetadata withState(KeyState newState, Instant now) {
        return new KeyMetadata(id, alias, description, labels, newState, primaryVersion, versions,
                createdAt, now, newState == KeyState.PENDING_DELETION ? deletionTime : null,
                destroyTime, accessPolicy, requireUnwrapApproval, revision + 1);
    }

    public KeyMetadata withPendingDeletion(Instant deleteAt, Instant now) {
        return new KeyMetadata(id, alias, description, labels, KeyState.PENDING_DELETION, primaryVersion,
                versions, createdAt, now, deleteAt, null, accessPolicy, requireUnwrapApproval, revision + 1);
    }

    public KeyMetadata withNewVersion(Instant now) {
        return withNewVersion(now, KeyVersionMetadata.hsmLabelFor(id, versions.size() + 1));
    }

    /** A new primary version whose HSM object is labelled {@code hsmLabel}. */
    public KeyMetadata withNewVersion(Instant now, String hsmLabel) {
        List<KeyVersionMetadata> more = new java.util.ArrayList<>(versions);
        int next = versions.size() + 1;
        more.add(new KeyVersionMetadata(next, hsmLabel, KeyVersionState.ENABLED, now, null));
        return new KeyMetadata(id, alias, description, labels, state, next, more, createdAt, now,
                deletionTime, destroyTime, accessPolicy, requireUnwrapApproval, revision + 1);
    }

    public KeyMetadata destroyed(Instant now) {
        List<KeyVersionMetadata> gone = versions.stream()
                .map(v -> v.state() == KeyVersionState.DESTROYED ? v : v.destroyed(now))
                .toList();
        return new KeyMetadata(id, alias, description, labels, KeyState.DESTROYED, primaryVersion, gone,
                createdAt, now, null, now, accessPolicy, requireUnwrapApproval, revision + 1);
    }

    public KeyMetadata withAccessPolicy(KeyAccessPolicy policy, Instant now) {
        return new KeyMetadata(id, alias, description, labels, state, primaryVersion, versions, createdAt, now,
                deletionTime, destroyTime, policy, requireUnwrapApproval, revision + 1);
    }

    public KeyMetadata withUnwrapApproval(boolean required, Instant now) {
        return new KeyMetadata(id, alias, description, labels, state, primaryVersion, versions, createdAt, now,
                deletionTime, destroyTime, accessPolicy, required, revision + 1);
    }
}
