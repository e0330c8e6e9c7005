package coffre.kms.server.config;

import coffre.kms.server.audit.AuditLog;
import java.time.Duration;

/**
 * @param onFailure          what requests do when the audit log cannot be written: CLOSED refuses
 *                           them with AUDIT_UNAVAILABLE (default), OPEN answers and keeps the events
 *                           in memory for a retry
 * @param checkpointInterval how often the chain head is checkpointed with an HSM HMAC
 * @param maxBatch           most events written in one transaction (group commit)
 * @param maxBacklog         most unwritten events kept in memory when failing open
 */
public record AuditSettings(AuditLog.FailureMode onFailure, Duration checkpointInterval, int maxBatch,
                            int maxBacklog) {
}
