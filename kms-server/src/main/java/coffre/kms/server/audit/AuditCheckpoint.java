package coffre.kms.server.audit;

import java.time.Instant;
import java.util.Objects;

/**
 * The head of a node's chain at {@code sequence}, vouched for by an HMAC computed inside the HSM
 * over {@link ChainHash#checkpointBytes}. Whoever can write the database but not use the HSM's
 * audit key cannot rewrite the events up to {@code sequence} unnoticed.
 */
public record AuditCheckpoint(String node, long sequence, String headHash, Instant time, String mac) {
    public AuditCheckpoint {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(headHash, "headHash");
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(mac, "mac");
        time = time.truncatedTo(java.time.temporal.ChronoUnit.MICROS);
    }
}
