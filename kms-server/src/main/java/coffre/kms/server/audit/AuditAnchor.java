package coffre.kms.server.audit;

import coffre.kms.v1.audit.AuditChainEncoding;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;

/**
 * Where a node's chain starts after a prune: {@code sequence} and {@code hash} are the last pruned
 * event and its chain hash, so the first event left has sequence {@code sequence + 1} and previous
 * hash {@code hash}. {@code checkpointSequence} names the checkpoint (at or after {@code sequence},
 * kept in the store) that sealed the pruned events when they were pruned; {@code archiveSha256} is
 * the digest of the archive the officers approved. {@code mac} is an HMAC computed inside the HSM
 * over {@link #bytes()}: whoever can write the database but not use the HSM cannot forge an anchor
 * to hide a deletion of the chain's start, nor move one.
 */
public record AuditAnchor(String node, long sequence, String hash, Instant prunedAt, long checkpointSequence,
                          String archiveSha256, String mac) {
    public AuditAnchor {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(hash, "hash");
        Objects.requireNonNull(prunedAt, "prunedAt");
        Objects.requireNonNull(archiveSha256, "archiveSha256");
        Objects.requireNonNull(mac, "mac");
        // No check of the numbers: an anchor read back from the database may have been edited, and
        // it is the verifier (its HMAC) that must say so, not a failure to read it.
        prunedAt = prunedAt.truncatedTo(ChronoUnit.MICROS);
    }

    /** The bytes {@link #mac} covers. */
    public byte[] bytes() {
        return AuditChainEncoding.anchorBytes(node, sequence, hash, ChainHash.micros(prunedAt), checkpointSequence,
                archiveSha256);
    }

    /** The same anchor with {@code mac} set. */
    public AuditAnchor withMac(String mac) {
        return new AuditAnchor(node, sequence, hash, prunedAt, checkpointSequence, archiveSha256, mac);
    }
}
