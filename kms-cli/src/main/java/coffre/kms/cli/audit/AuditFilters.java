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
            description = "Only this event type, e.g. WRAP, UNWRAP, VOTE, DISABLE_KEY, NODE_STARTED, XKS_ENCRYPT.")
    String type;

    @Option(names = "--node", paramLabel = "NODE", description = "Only this node's chain.")
    String node;

    @Option(names = "--kms-request-id", paramLabel = "ID",
            description = "Only the AWS external key store call with this KMS request id (as CloudTrail shows it; "
                    + "not indexed: bound the search with --since/--until).")
    String kmsRequestId;

    @Option(names = "--aws-principal", paramLabel = "ARN",
            description = "Only AWS external key store calls made for this AWS principal (exact ARN).")
    String awsPrincipal;

    @Option(names = "--xks-key-store", paramLabel = "STORE",
            description = "Only calls of this AWS external key store (its id xks-... or its name).")
    String xksKeyStore;

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
        if (kmsRequestId != null) {
            request.setKmsRequestId(kmsRequestId);
        }
        if (awsPrincipal != null) {
            request.setAwsPrincipalArn(awsPrincipal);
        }
        if (xksKeyStore != null) {
            request.setXksKeyStore(xksKeyStore);
        }
        return request;
    }

    private static Timestamp timestamp(Instant t) {
        return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
    }
}
