package coffre.kms.server.keys;

import coffre.hsm.Hsm;
import coffre.hsm.HsmException;
import coffre.hsm.HsmKeyRef;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Puts stored key metadata into the {@link KeyRegistry} with the HSM references of its usable
 * versions: every key at start ({@link #loadAll}), then one stored revision at a time
 * ({@link #adopt}) whenever this node's view must follow the store: a key changed on another node
 * (see {@code cluster.KeyRefresher}), or re-read by {@link KeyLifecycle} before it changes or
 * destroys a key. Writes the registry only under the lifecycle's lock, which its callers hold.
 */
final class KeyLoader {
    private static final Logger LOG = System.getLogger(KeyLoader.class.getName());

    private final KeyMaterial material;
    private final KeyRegistry registry;

    KeyLoader(KeyMaterial material, KeyRegistry registry) {
        this.material = material;
        this.registry = registry;
    }

    /**
     * Builds the registry from {@code all} the stored keys, resolving every live version's HSM
     * object in one lookup per kind ({@link Hsm#findKeys}, {@link Hsm#findKeyPairs}: one scan of
     * the token each, not one per key).
     */
    void loadAll(List<KeyMetadata> all) {
        Map<String, HsmKeyRef> found = material.findAll(all);
        for (KeyMetadata meta : all) {
            List<Optional<HsmKeyRef>> refs = new ArrayList<>();
            for (KeyVersionMetadata version : meta.versions()) {
                Optional<HsmKeyRef> ref = Optional.empty();
                if (version.state() == KeyVersionState.ENABLED) {
                    ref = Optional.ofNullable(found.get(version.hsmLabel()));
                    if (ref.isEmpty()) {
                        LOG.log(Level.ERROR, "HSM object {0} of key {1} is missing; that version cannot be used",
                                version.hsmLabel(), meta.id());
                    }
                }
                refs.add(ref);
            }
            registry.put(new LiveKey(meta, refs));
        }
    }

    /**
     * Puts the stored state of a key in the registry unless the registry already has it (or a later
     * revision, written here since), keeping the HSM references already resolved and resolving the
     * others. A version whose HSM object cannot be found yet (a replicated HSM lagging behind) is
     * looked up again at the next refresh.
     *
     * @return true if the registry changed
     */
    boolean adopt(KeyMetadata stored) {
        LiveKey current = registry.get(stored.id()).orElse(null);
        if (current != null && current.metadata().revision() > stored.revision()) {
            return false;
        }
        boolean sameRevision = current != null && current.metadata().revision() == stored.revision();
        List<Optional<HsmKeyRef>> refs = new ArrayList<>();
        boolean resolvedMore = false;
        for (KeyVersionMetadata version : stored.versions()) {
            Optional<HsmKeyRef> known = current == null ? Optional.empty() : current.ref(version.version());
            if (version.state() != KeyVersionState.ENABLED) {
                if (known.isPresent()) {
                    forget(version.hsmLabel());
                }
                refs.add(Optional.empty());
            } else if (known.isPresent()) {
                refs.add(known);
            } else {
                Optional<HsmKeyRef> found = findQuietly(stored, version);
                if (found.isEmpty() && !sameRevision) {
                    LOG.log(Level.WARNING, "HSM object {0} of key {1} is not visible yet; will look again",
                            version.hsmLabel(), stored.id());
                }
                resolvedMore |= found.isPresent();
                refs.add(found);
            }
        }
        if (sameRevision && !resolvedMore) {
            return false;
        }
        registry.put(new LiveKey(stored, refs));
        if (!sameRevision) {
            LOG.log(Level.INFO, "key {0} follows the store: revision {1}, {2}, primary version {3}", stored.id(),
                    stored.revision(), stored.state(), stored.primaryVersion());
        }
        return true;
    }

    /**
     * Another node destroyed this version (HSM object first, then the record): destroying it here
     * too finds no object, but drops this node's reference and any session-object copy it holds,
     * so no usable copy of the material outlives the destruction on any node.
     */
    private void forget(String label) {
        try {
            material.destroy(label);
        } catch (HsmException e) {
            LOG.log(Level.WARNING, "could not release HSM object {0} destroyed on another node: {1}", label, e.kind());
        }
    }

    private Optional<HsmKeyRef> findQuietly(KeyMetadata key, KeyVersionMetadata version) {
        try {
            return material.find(key, version);
        } catch (HsmException e) {
            LOG.log(Level.WARNING, "cannot look up HSM object {0} now ({1}); will look again", version.hsmLabel(),
                    e.kind());
            return Optional.empty();
        }
    }
}
