package coffre.kms.cli.audit;

import coffre.kms.cli.args.InstantConverter;
import coffre.kms.v1.QueryAuditEventsRequest;
import com.google.protobuf.Timestamp;
import java.time.Instant;
import picocli.CommandLine.Option;

/** The filters shared by the audit commands that read events. */
public final class AuditFilters {

    @Option(names = "--since", paramLabel = "TIME", converter = InstantConverter.class,
            description = "Only events at or after this time (ISO 8601 with a zone, e.g. 2026-11-28T10:00:00Z).")
    Instant since;

    @Option(names = "--until", paramLabel = "TIME", converter = InstantConverter.class,
            description = "Only events before this time.")
    Instant until;

    @Option(names = "--principal", paramLabel = "PRINCIPAL", description = "Only this caller (exact).")
    String principal;

    @Option(names = "--key", paramLabel = "KEY_ID", description = "Only events about this key id (key-...).")
    String keyId;

    @Option(names = "--type", paramLabel = "TYPE",
            description = "Only this event type, e.g. WRAP, UNWRAP, VOTE, DISABLE_KEY, NODE_STARTED.")
    String type;

    @Option(names = "--node", paramLabel = "NODE", description = "Only this node's chain.")
    String node;

    /** A request with these filters and nothing else set. */
    QueryAuditEventsRequest.Builder request() {
        QueryAuditEventsRequest.Builder request = QueryAuditEventsRequest.newBuilder();
        if (since != null) {
            request.setStartTime(timestamp(since));
        }
        if (until != null) {
            request.setEndTime(timestamp(until));
        }
        if (principal != null) {
            request.setPrincipal(principal);
        }
        if (keyId != null) {
            request.setKeyId(keyId);
        }
        if (type != null) {
            request.setType(type.toUpperCase(java.util.Locale.ROOT));
        }
        if (node != null) {
            request.setNode(node);
        }
        return request;
    }

    private static Timestamp timestamp(Instant t) {
        return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
    }
}
