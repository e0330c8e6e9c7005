package coffre.kms.server.dke;

import coffre.kms.server.logging.RequestIds;
import coffre.kms.server.telemetry.CallTelemetry;
import coffre.kms.server.telemetry.ObservedCall;
import coffre.kms.server.telemetry.Protocol;
import coffre.kms.server.telemetry.RoutedCall;
import java.util.function.Function;

import coffre.kms.server.audit.AuditDecision;
import coffre.kms.server.audit.AuditEvent;
import coffre.kms.server.audit.AuditEventType;
import coffre.kms.server.audit.DkeCallRecord;
import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.keys.KeyId;
import java.time.Clock;
import java.util.concurrent.TimeUnit;

/**
 * The audit event of one DKE call, filled in as the call goes, so a refusal records what was
 * known then: the operation, the key name, the user and tenant of a validated token, the Coffre
 * key and version, and what refused the call. Written by one thread at a time (the event loop,
 * then one worker).
 */
final class DkeCallAudit {
    private final Clock clock;
    private final long startedNanos = System.nanoTime();
    /** The call's metrics and span: started once routed, or as {@code unrouted} when it never is. */
    private final RoutedCall telemetry;
    private final String requestId;
    private volatile AuditEventType type = AuditEventType.DKE_REJECTED;
    private volatile String keyName;
    private volatile DkeCaller caller;
    private volatile KeyId keyId;
    private volatile int keyVersion;

    DkeCallAudit(Clock clock, CallTelemetry calls, Function<String, String> headers) {
        this.clock = clock;
        this.telemetry = new RoutedCall(calls, Protocol.DKE, headers, startedNanos);
        this.requestId = RequestIds.of(headers.apply(RequestIds.HEADER));
    }

    /** The call's request id: in its audit event, its log lines, its span and the response's {@code x-request-id}. */
    String requestId() {
        return requestId;
    }

    /** The call's telemetry (the one object every path through the endpoint carries holds it too). */
    ObservedCall observed() {
        return telemetry.observed();
    }

    void route(DkeRoute route) {
        this.type = route.operation() == DkeRoute.Operation.DECRYPT ? AuditEventType.DKE_DECRYPT
                : AuditEventType.DKE_PUBLIC_KEY;
        this.keyName = route.keyName();
        this.keyVersion = route.version();
        // The route as a template: the key name stays out of traces.
        if (route.operation() == DkeRoute.Operation.DECRYPT) {
            telemetry.route("Decrypt", "POST", "/{keyName}/{version}/decrypt");
        } else {
            telemetry.route("GetPublicKey", "GET", "/{keyName}");
        }
        telemetry.observed().requestId(requestId);
    }

    void caller(DkeCaller caller) {
        this.caller = caller;
    }

    void key(KeyId keyId, int keyVersion) {
        this.keyId = keyId;
        this.keyVersion = keyVersion;
    }

    /** The event of a call answered with success (error null) or with {@code error}. */
    AuditEvent event(DkeException error) {
        DkeCaller c = caller;
        DkeCallRecord record = new DkeCallRecord(keyName, c == null ? null : c.user(),
                c == null ? null : c.claims().tenantId(), c == null ? null : c.objectId(),
                error == null ? null : error.error().code(), error == null ? null : error.detail(),
                error == null ? null : error.approvalRequestId());
        ErrorReason reason = error == null ? null : error.auditedReason();
        return new AuditEvent(clock.instant(), type, record.principal(), keyId == null ? "" : keyId.value(), keyVersion,
                reason == null ? AuditDecision.ALLOWED : AuditDecision.of(reason), reason, requestId, record.target(),
                record.detail(), "", TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - startedNanos));
    }
}
