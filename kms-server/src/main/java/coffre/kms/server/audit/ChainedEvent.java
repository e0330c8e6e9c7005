package coffre.kms.server.audit;

import java.util.Objects;

/**
 * An {@link AuditEvent} in its place in a node's chain: {@code hash} is
 * {@link ChainHash#of(byte[], String, long, AuditEvent) ChainHash.of(previousHash, node, sequence, event)}.
 * Hashes are 32 bytes, shown and stored as lower-case hex.
 *
 * <p>{@code event} is null only for a stored row that no longer reads as an event at all (an
 * unknown type, decision or reason): such a row was edited outside Coffre.
 */
public record ChainedEvent(String node, long sequence, AuditEvent event, String previousHash, String hash) {
    /** A stored row that no longer reads as an event. */
    public static ChainedEvent unreadable(String node, long sequence, String previousHash, String hash) {
        return new ChainedEvent(node, sequence, null, previousHash, hash);
    }

    public boolean readable() {
        return event != null;
    }

    public ChainedEvent {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(previousHash, "previousHash");
        Objects.requireNonNull(hash, "hash");
        if (sequence < 1) {
            throw new IllegalArgumentException("sequence numbers start at 1");
        }
    }
}
