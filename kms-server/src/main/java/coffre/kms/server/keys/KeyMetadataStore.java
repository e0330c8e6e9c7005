package coffre.kms.server.keys;

import java.util.List;
import java.util.Optional;

/**
 * The port to Coffre's metadata store. It holds key metadata and never any key material.
 * Implementations: an embedded H2 file for a single node, PostgreSQL for clusters.
 *
 * <p>All methods block; callers run them off the event loop. Infrastructure failures surface as
 * {@link coffre.kms.server.domain.StoreException}; nothing is acknowledged by a method that throws.
 */
public interface KeyMetadataStore extends AutoCloseable {

    /**
     * Persists a new key with its versions and labels.
     *
     * @throws AliasTakenException if another key already has the alias
     */
    void insertKey(KeyMetadata key);

    /**
     * Replaces a key's mutable fields and versions, if the stored revision is
     * {@code key.revision() - 1}.
     *
     * @throws ConcurrentUpdateException if the stored revision differs
     */
    void updateKey(KeyMetadata key);

    Optional<KeyMetadata> findKey(KeyId id);

    /** Every key, for the in-memory view built at start. */
    List<KeyMetadata> loadAllKeys();

    /** A cheap round trip to the database, for health checks. */
    void ping();

    @Override
    void close();

    /** The alias is already used by another key. */
    final class AliasTakenException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public AliasTakenException(String alias) {
            super("alias already in use: " + alias);
        }
    }

    /** Someone else changed the key since it was read. */
    final class ConcurrentUpdateException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public ConcurrentUpdateException(KeyId id) {
            super("key " + id + " was changed concurrently");
        }
    }
}
