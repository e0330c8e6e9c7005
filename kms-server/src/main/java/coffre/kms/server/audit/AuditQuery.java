package coffre.kms.server.audit;

import java.time.Instant;
import java.util.Optional;

/**
 * Filters of an audit query; each one absent matches everything. Results are ordered by
 * (time, node, sequence), oldest first (or newest first), starting strictly after {@code after}
 * in that order when given.
 *
 * @param from  inclusive lower bound on the event time
 * @param until exclusive upper bound on the event time
 */
public record AuditQuery(Optional<Instant> from, Optional<Instant> until, Optional<String> principal,
                         Optional<String> keyId, Optional<AuditEventType> type, Optional<String> node,
                         Optional<Position> after, boolean newestFirst, int limit) {
    public static final int MAX_LIMIT = 1000;

    public AuditQuery {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be 1 to " + MAX_LIMIT);
        }
    }

    /** Where a page ended: the (time, node, sequence) of its last event. */
    public record Position(long timeMicros, String node, long sequence) {
    }
}
