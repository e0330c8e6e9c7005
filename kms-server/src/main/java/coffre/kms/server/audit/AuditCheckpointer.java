package coffre.kms.server.audit;

import coffre.kms.server.domain.StoreException;
import java.time.Clock;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Anchors this node's chain: when the durable head has moved since the last checkpoint, it
 * stores the head with an HMAC computed inside the HSM. Run at a fixed interval (and at shutdown),
 * it bounds what someone with write access to the database could rewrite unnoticed to the events
 * of the last interval.
 */
public final class AuditCheckpointer {
    private final AuditLog log;
    private final AuditStore store;
    private final AuditMacKey macKey;
    private final Clock clock;
    private long lastSequence = -1;
    private volatile java.time.Instant anchoredAt;

    public AuditCheckpointer(AuditLog log, AuditStore store, AuditMacKey macKey, Clock clock) {
        this.log = log;
        this.store = store;
        this.macKey = macKey;
        this.clock = clock;
        this.anchoredAt = clock.instant();
    }

    /**
     * When the chain was last known anchored up to its durable head: the time of the last run that
     * stored a checkpoint or found nothing new to anchor (this object's creation before the first
     * run). It falls behind only while checkpoints fail, so an idle node does not look stale;
     * monitoring alerts on its age.
     */
    public java.time.Instant anchoredAt() {
        return anchoredAt;
    }

    /**
     * Checkpoints the head if it moved.
     *
     * @return the new checkpoint, or empty when there was nothing new to anchor
     * @throws coffre.hsm.HsmException or {@link StoreException}
     *         when the HSM or the store cannot be used now; the next run tries again
     */
    public synchronized Optional<AuditCheckpoint> checkpoint() {
        if (lastSequence < 0) {
            lastSequence = store.lastCheckpoint(log.node()).map(AuditCheckpoint::sequence).orElse(0L);
        }
        AuditLog.Head head = log.head();
        if (head.sequence() <= lastSequence) {
            anchoredAt = clock.instant();
            return Optional.empty();
        }
        var time = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MICROS);
        byte[] mac = macKey.mac(ChainHash.checkpointBytes(log.node(), head.sequence(), head.hash(), time));
        AuditCheckpoint checkpoint = new AuditCheckpoint(log.node(), head.sequence(), head.hash(), time,
                HexFormat.of().formatHex(mac));
        store.appendCheckpoint(checkpoint);
        lastSequence = head.sequence();
        anchoredAt = time;
        return Optional.of(checkpoint);
    }
}
