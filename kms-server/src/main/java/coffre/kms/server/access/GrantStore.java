package coffre.kms.server.access;

import coffre.kms.server.domain.StoreException;
import java.time.Instant;
import java.util.List;

/**
 * The port to where grants are kept. Only {@link GrantRegistry} calls it, on the administrative
 * path; the data path reads the registry's memory.
 *
 * <p>All methods block. Infrastructure failures surface as {@link StoreException}; nothing
 * is acknowledged by a method that throws.
 */
public interface GrantStore {

    /** Persists a new grant with its context constraints, in one transaction. */
    void insert(GrantRecord grant);

    /**
     * Records the revocation of a grant that is not revoked yet.
     *
     * @return true if this call revoked it; false if there is no such grant or it was already
     *         revoked (the earlier revocation time stands)
     */
    boolean markRevoked(String grantId, Instant revokedAt);

    /** One grant, revoked or not, as stored now (to follow a change made by another node). */
    java.util.Optional<GrantRecord> find(String grantId);

    /** Every grant, revoked and expired ones included, for the in-memory view built at start. */
    List<GrantRecord> loadAll();
}
