package coffre.kms.server.audit;

import coffre.kms.server.domain.CallBounds;
import coffre.kms.server.domain.StoreException;
import java.util.List;
import java.util.Optional;

/**
 * Where audit chains and checkpoints are kept (the same database as the metadata). All methods
 * block; infrastructure failures are {@link StoreException}s.
 */
public interface AuditStore {

    /** The last event of {@code node}'s chain, if it has one. */
    Optional<ChainedEvent> lastEvent(String node);

    /**
     * Appends consecutive events of one chain in one transaction. When this returns, they are
     * durable (committed and flushed to disk); when it throws, none of them was written.
     */
    void append(List<ChainedEvent> events);

    /**
     * As {@link #append(List)}, with each event's canonical bytes as {@link ChainHash#chainAll}
     * encoded them for its hash: a store that writes records may reuse them instead of encoding
     * every event again.
     */
    default void append(ChainHash.Chained chained) {
        append(chained.events());
    }

    void appendCheckpoint(AuditCheckpoint checkpoint);

    Optional<AuditCheckpoint> lastCheckpoint(String node);

    /** Up to {@code limit} events of {@code node}'s chain with a sequence above {@code afterSequence}, in order. */
    List<ChainedEvent> chain(String node, long afterSequence, int limit);

    /**
     * As {@link #chain(String, long, int)}, stopping with the reason of {@code bounds} (a
     * {@link coffre.kms.server.domain.KmsException}) once its call is over; a store that reads
     * in steps checks between them and cancels a step under way.
     */
    default List<ChainedEvent> chain(String node, long afterSequence, int limit, CallBounds bounds) {
        bounds.check();
        return chain(node, afterSequence, limit);
    }

    /** Every checkpoint of {@code node}, by sequence. */
    List<AuditCheckpoint> checkpoints(String node);

    /**
     * Up to {@code limit} checkpoints of {@code node} after {@code afterSequence}, by sequence: a
     * busy node checkpoints every few seconds (millions a year), so a reader pages through them.
     */
    default List<AuditCheckpoint> checkpoints(String node, long afterSequence, int limit) {
        return checkpoints(node).stream().filter(c -> c.sequence() > afterSequence).limit(limit).toList();
    }

    /** Where {@code node}'s chain starts after its last prune; empty if it was never pruned (it starts at 1). */
    Optional<AuditAnchor> anchor(String node);

    /**
     * The last sequence at or before {@code through} at which {@code node}'s chain can be cut
     * without splitting a stored row, and never in the row holding the chain's last event (a node
     * finds its tail in it at start); 0 when there is none.
     */
    long pruneBoundary(String node, long through);

    /**
     * In one transaction: records {@code anchor} and deletes {@code anchor.node()}'s events up to
     * and including {@code anchor.sequence()} (with their index entries) and its checkpoints
     * before that sequence. Nothing is changed when it throws.
     *
     * @throws IllegalStateException if {@code anchor.sequence()} is not a {@link #pruneBoundary}
     *         above the current anchor (the chain changed since it was read)
     */
    void prune(AuditAnchor anchor);

    /** The nodes that have a chain or a checkpoint. */
    List<String> nodes();

    List<ChainedEvent> query(AuditQuery query);

    /** As {@link #query(AuditQuery)}, bounded as {@link #chain(String, long, int, CallBounds)} is. */
    default List<ChainedEvent> query(AuditQuery query, CallBounds bounds) {
        bounds.check();
        return query(query);
    }
}
