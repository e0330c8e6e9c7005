package coffre.kms.server.config;

import java.time.Duration;

/**
 * @param requestTtl        how long an approval request waits for votes before it expires
 * @param breakGlassWindow  how long an approved break-glass unwrap may be repeated (once)
 */
public record ApprovalSettings(Duration requestTtl, Duration breakGlassWindow) {
}
