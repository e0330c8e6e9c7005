package coffre.kms.server.cluster;

/**
 * How many nodes of this deployment are alive now: what an AWS external key store's health check
 * reports as {@code xksProxyFleetSize} (AWS KMS watches it, e.g. for the count dropping to one).
 * A node counts itself, so the answer is at least 1.
 */
@FunctionalInterface
public interface ClusterMembers {

    /**
     * Blocks (a database query in a cluster): call it off the event loop, and not per request.
     *
     * @throws coffre.kms.server.domain.StoreException when it cannot be told now
     */
    int liveNodes();

    /** A single node on the embedded store. */
    ClusterMembers LOCAL = () -> 1;
}
