package coffre.kms.server.audit;

import coffre.kms.server.domain.CallBounds;
import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Audit retention: pruning a node's chain from its start through a sealed sequence, leaving an
 * {@link AuditAnchor} so the rest still verifies. Pruning is irreversible, so it runs only as an
 * approved operation ({@code PruneAuditOperation}); {@link #check} refuses at request time what is
 * already known to be wrong, and {@link #prune} checks everything again against the chain as it is
 * when the officers' approval completes.
 *
 * <p>What may be pruned: events covered by a valid checkpoint (sealed), through which the chain
 * verifies, never the row holding the chain's last event. The prune point is rounded down to the
 * end of a stored row ({@link AuditStore#pruneBoundary}); the result names the actual point.
 */
public final class AuditRetention {
    private static final int MAX_NODE = 64;

    private final AuditStore store;
    private final AuditVerifier verifier;
    private final AuditMacKey macKey;
    private final AuditSink audit;
    private final Clock clock;

    public AuditRetention(AuditStore store, AuditVerifier verifier, AuditMacKey macKey, AuditSink audit, Clock clock) {
        this.store = store;
        this.verifier = verifier;
        this.macKey = macKey;
        this.audit = audit;
        this.clock = clock;
    }

    /**
     * Refuses a prune request that cannot succeed: malformed input, an unknown node, a sequence
     * already pruned or beyond the chain's last checkpoint. Reads two rows; changes nothing.
     */
    public void check(String node, long through, byte[] archiveSha256) {
        requireWellFormed(node, through, archiveSha256);
        if (!store.nodes().contains(node)) {
            throw new KmsException(ErrorReason.AUDIT_CHAIN_NOT_FOUND, "node " + node + " has no audit chain",
                    Map.of("field", "node"));
        }
        Optional<AuditAnchor> anchor = store.anchor(node);
        if (anchor.isPresent() && through <= anchor.get().sequence()) {
            throw notSealed("the chain of " + node + " is already pruned through " + anchor.get().sequence());
        }
        long sealed = store.lastCheckpoint(node).map(AuditCheckpoint::sequence).orElse(0L);
        if (through > sealed) {
            throw notSealed("event " + through + " of " + node + " is not sealed yet: the last checkpoint is at " + sealed
                    + " (events after it are pruned only once a checkpoint covers them)");
        }
    }

    /**
     * Prunes {@code node}'s chain through {@code through}, rounded down to a row boundary: checks
     * the request again, verifies the chain (HMACs in the HSM) up to a valid checkpoint at or after
     * the prune point, records the anchor with its HSM-made HMAC, deletes the events (one
     * transaction), then records an {@link AuditEventType#AUDIT_PRUNED} event.
     *
     * @return the outcome in words, with the actual prune point
     */
    public String prune(String node, long through, byte[] archiveSha256) {
        check(node, through, archiveSha256);
        long point = store.pruneBoundary(node, through);
        long previous = store.anchor(node).map(AuditAnchor::sequence).orElse(0L);
        if (point <= previous) {
            throw notSealed("nothing of " + node + " can be pruned through " + through + ": the events after "
                    + previous + " up to it share a stored row with later events, or are the chain's newest row");
        }
        ChainReport report = verifier.verifyThrough(node, point, CallBounds.NONE);
        if (report.anchoredThrough() < point) {
            throw notSealed("the chain of " + node + " is verified and sealed only through " + report.anchoredThrough()
                    + (report.valid() ? "" : " (" + report.problem() + " at " + report.firstBad() + ": " + report.detail() + ")")
                    + "; nothing is pruned");
        }
        List<AuditCheckpoint> seal = store.checkpoints(node, point - 1, 1);
        List<ChainedEvent> last = store.chain(node, point - 1, 1);
        if (seal.isEmpty() || last.isEmpty() || last.get(0).sequence() != point) {
            throw notSealed("the chain of " + node + " changed while it was pruned; nothing is pruned");
        }
        Instant now = clock.instant();
        String digest = HexFormat.of().formatHex(archiveSha256);
        AuditAnchor unsigned = new AuditAnchor(node, point, last.get(0).hash(), now, seal.get(0).sequence(), digest, "");
        AuditAnchor anchor = unsigned.withMac(HexFormat.of().formatHex(macKey.mac(unsigned.bytes())));
        try {
            store.prune(anchor);
        } catch (IllegalStateException changed) {
            throw notSealed(changed.getMessage() + "; nothing is pruned");
        }
        String detail = "node=" + node + " through=" + point + " checkpoint=" + anchor.checkpointSequence()
                + " archive_sha256=" + digest;
        // The prune is done whatever becomes of its event: the anchor and the approval record it too.
        audit.record(AuditEvent.system(now, AuditEventType.AUDIT_PRUNED, "", detail));
        return "pruned " + node + " through " + point + " (requested " + through + "), anchored by checkpoint "
                + anchor.checkpointSequence();
    }

    private static void requireWellFormed(String node, long through, byte[] archiveSha256) {
        if (node.isEmpty() || node.length() > MAX_NODE) {
            throw invalid("node must be 1 to " + MAX_NODE + " characters", "node");
        }
        if (through < 1) {
            // uint64 above 2^63 arrives negative: out of range either way.
            throw invalid("through_sequence must be 1 or more", "through_sequence");
        }
        if (archiveSha256.length != 32) {
            throw invalid("archive_sha256 must be the 32-byte SHA-256 of the archive, not " + archiveSha256.length
                    + " bytes", "archive_sha256");
        }
    }

    private static KmsException invalid(String message, String field) {
        return new KmsException(ErrorReason.INVALID_AUDIT_PRUNE, message, Map.of("field", field));
    }

    private static KmsException notSealed(String message) {
        return new KmsException(ErrorReason.AUDIT_NOT_SEALED, message);
    }
}
