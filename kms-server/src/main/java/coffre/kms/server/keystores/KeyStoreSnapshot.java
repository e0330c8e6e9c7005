package coffre.kms.server.keystores;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything stored under one key store id, as one read returns it: the store (absent while its
 * creation waits for officers, when only its first, pending, credential exists), its credentials
 * in every state, and its key mappings. What the in-memory view replaces at once when the store
 * changes anywhere in the cluster.
 */
public record KeyStoreSnapshot(String keyStoreId, Optional<ExternalKeyStore> store, List<XksCredential> credentials,
                               List<ExternalKeyMapping> mappings) {

    public KeyStoreSnapshot {
        Objects.requireNonNull(keyStoreId, "keyStoreId");
        Objects.requireNonNull(store, "store");
        credentials = List.copyOf(credentials);
        mappings = List.copyOf(mappings);
    }

    /** Nothing stored under {@code keyStoreId}. */
    public static KeyStoreSnapshot empty(String keyStoreId) {
        return new KeyStoreSnapshot(keyStoreId, Optional.empty(), List.of(), List.of());
    }

    /** True when nothing is stored under this id (a discarded request, or an id never used). */
    public boolean isEmpty() {
        return store.isEmpty() && credentials.isEmpty() && mappings.isEmpty();
    }
}
