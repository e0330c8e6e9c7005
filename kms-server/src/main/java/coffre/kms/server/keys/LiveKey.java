package coffre.kms.server.keys;

import coffre.hsm.HsmKeyRef;
import java.util.List;
import java.util.Optional;

/**
 * A key as the hot path sees it: its metadata plus the resolved HSM references of its usable
 * versions (index {@code version - 1}; empty once destroyed or when the HSM lacks the object).
 */
public record LiveKey(KeyMetadata metadata, List<Optional<HsmKeyRef>> refs) {
    public LiveKey {
        refs = List.copyOf(refs);
        if (refs.size() != metadata.versions().size()) {
            throw new IllegalArgumentException("one HSM reference slot per key version");
        }
    }

    public Optional<HsmKeyRef> ref(int version) {
        return version < 1 || version > refs.size() ? Optional.empty() : refs.get(version - 1);
    }

    /** The same references under new metadata (same or more versions). */
    public LiveKey with(KeyMetadata newMetadata, Optional<HsmKeyRef> newestRef) {
        List<Optional<HsmKeyRef>> all = new java.util.ArrayList<>(refs);
        while (all.size() < newMetadata.versions().size()) {
            all.add(all.size() == newMetadata.versions().size() - 1 ? newestRef : Optional.empty());
        }
        return new LiveKey(newMetadata, all);
    }
}
