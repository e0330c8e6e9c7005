package coffre.kms.server.audit;

import java.time.Instant;
import java.util.Optional;

/**
 * Filters of an audit query; each one absent matches everything. Results are ordered by
 * (time, node, sequence), oldest first (or newest first), starting strictly after {@code after}
 * in that order when given.
 *
 * <p>The last three filters select calls of AWS external key stores ({@link XksCallRecord}):
 * {@code kmsRequestId} (KMS's request id, as CloudTrail shows it; matched on the events of the
 * time range, not indexed, since each call has its own), {@code awsPrincipal} (the AWS principal
 * that called KMS) and {@code xksKeyStore} (a key store's id or name).
 *
 * @param from  inclusive lower bound on the event time
 * @param until exclusive upper bound on the event time
 */
public record AuditQuery(Optional<Instant> from, Optional<Instant> until, Optional<String> principal,
                         Optional<String> keyId, Optional<AuditEventType> type, Optional<String> node,
                         Optional<Position> after, boolean newestFirst, int limit, Optional<String> kmsRequestId,
                         Optional<String> awsPrincipal, Optional<String> xksKeyStore) {
    public static final int MAX_LIMIT = 1000;

    public AuditQuery {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be 1 to " + MAX_LIMIT);
        }
    }

    /** A query without the XKS filters. */
    public AuditQuery(Optional<Instant> from, Optional<Instant> until, Optional<String> principal,
                      Optional<String> keyId, Optional<AuditEventType> type, Optional<String> node,
                      Optional<Position> after, boolean newestFirst, int limit) {
        this(from, until, principal, keyId, type, node, after, newestFirst, limit, Optional.empty(), Optional.empty(),
                Optional.empty());
    }

    /** Whether an event (decoded) meets the XKS filters; true when none is given. */
    public boolean matchesXks(AuditEventType eventType, String eventPrincipal, String requestId, String target,
                              String detail) {
        if (kmsRequestId.isEmpty() && awsPrincipal.isEmpty() && xksKeyStore.isEmpty()) {
            return true;
        }
        if (!eventType.isXks()) {
            return false;
        }
        return kmsRequestId.map(id -> XksCallRecord.requestIdForm(id).equals(requestId)).orElse(true)
                && awsPrincipal.map(p -> XksCallRecord.awsPrincipalOf(eventType, detail)
                        .filter(XksCallRecord.valueForm(p)::equals).isPresent()).orElse(true)
                && xksKeyStore.map(s -> s.equals(target) || ("xks:" + s).equals(eventPrincipal)).orElse(true);
    }

    /** Where a page ended: the (time, node, sequence) of its last event. */
    public record Position(long timeMicros, String node, long sequence) {
    }
}
