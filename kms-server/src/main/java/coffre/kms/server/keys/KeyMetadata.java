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
 * @param requireUnwrapApproval break-glass key: each unwrap (AES-256) or decrypt (RSA) needs a quorum approval
 * @param spec          the material of every version: AES-256 or a key pair (each asymmetric version
 *                      carries its public key)
 * @param usage         what the key may do ({@link KeyCapabilities})
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
        KeySpec spec,
        KeyUsage usage,
        long revision) {

    public KeyMetadata {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(updatedAt, "updatedAt");
        Objects.requireNonNull(accessPolicy, "accessPolicy");
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(usage, "usage");
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
        for (KeyVersionMetadata version : versions) {
            if ((version.publicKey() != null) != spec.asymmetric()) {
                throw new IllegalArgumentException("asymmetric key versions, and only they, have a public key");
            }
        }
    }

    /** A new AES-256 key with its first version, enabled. */
    public static KeyMetadata created(KeyId id, KeyAttributes attributes, Instant now) {
        return created(id, attributes, now, null);
    }

    /**
     * A new key with its first version, enabled.
     *
     * @param publicKey the first version's public key (asymmetric keys), else null
     */
    public static KeyMetadata created(KeyId id, KeyAttributes attributes, Instant now, PublicKeyInfo publicKey) {
        KeyVersionMetadata first = new KeyVersionMetadata(1, KeyVersionMetadata.hsmLabelFor(id, 1),
                KeyVersionState.ENABLED, now, null, publicKey);
        return new KeyMetadata(id, attributes.alias(), attributes.description(), new TreeMap<>(attributes.labels()),
                KeyState.ENABLED, 1, List.of(first), now, now, null, null, attributes.accessPolicy(),
                attributes.requireUnwrapApproval(), attributes.spec(), attributes.usage(), 1);
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
                destroyTime, accessPolicy, requireUnwrapApproval, spec, usage, revision + 1);
    }

    public KeyMetadata withPendingDeletion(Instant deleteAt, Instant now) {
        return new KeyMetadata(id, alias, description, labels, KeyState.PENDING_DELETION, primaryVersion,
                versions, createdAt, now, deleteAt, null, accessPolicy, requireUnwrapApproval, spec, usage, revision + 1);
    }

    public KeyMetadata withNewVersion(Instant now) {
        return withNewVersion(now, KeyVersionMetadata.hsmLabelFor(id, versions.size() + 1));
    }

    /** A new primary version of an AES-256 key whose HSM object is labelled {@code hsmLabel}. */
    public KeyMetadata withNewVersion(Instant now, String hsmLabel) {
        return withNewVersion(now, hsmLabel, null);
    }

    /**
     * A new primary version whose HSM object (or key pair) is labelled {@code hsmLabel}.
     *
     * @param publicKey the new version's public key (asymmetric keys), else null
     */
    public KeyMetadata withNewVersion(Instant now, String hsmLabel, PublicKeyInfo publicKey) {
        List<KeyVersionMetadata> more = new java.util.ArrayList<>(versions);
        int next = versions.size() + 1;
        more.add(new KeyVersionMetadata(next, hsmLabel, KeyVersionState.ENABLED, now, null, publicKey));
        return new KeyMetadata(id, alias, description, labels, state, next, more, createdAt, now,
                deletionTime, destroyTime, accessPolicy, requireUnwrapApproval, spec, usage, revision + 1);
    }

    public KeyMetadata destroyed(Instant now) {
        List<KeyVersionMetadata> gone = versions.stream()
                .map(v -> v.state() == KeyVersionState.DESTROYED ? v : v.destroyed(now))
                .toList();
        return new KeyMetadata(id, alias, description, labels, KeyState.DESTROYED, primaryVersion, gone,
                createdAt, now, null, now, accessPolicy, requireUnwrapApproval, spec, usage, revision + 1);
    }

    public KeyMetadata withAccessPolicy(KeyAccessPolicy policy, Instant now) {
        return new KeyMetadata(id, alias, description, labels, state, primaryVersion, versions, createdAt, now,
                deletionTime, destroyTime, policy, requireUnwrapApproval, spec, usage, revision + 1);
    }

    public KeyMetadata withUnwrapApproval(boolean required, Instant now) {
        return new KeyMetadata(id, alias, description, labels, state, primaryVersion, versions, createdAt, now,
                deletionTime, destroyTime, accessPolicy, required, spec, usage, revision + 1);
    }
}
