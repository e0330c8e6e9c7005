package coffre.kms.server.grpc;

import coffre.kms.server.audit.AuditDecision;
import coffre.kms.server.audit.AuditEvent;
import coffre.kms.server.audit.AuditEventType;
import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.domain.Principal;
import coffre.kms.server.telemetry.ObservedCall;
import com.google.protobuf.Message;
import java.time.Clock;
import java.util.concurrent.TimeUnit;

/**
 * The audit event of one call, assembled as the call proceeds, and the call's telemetry: the one
 * object every path through {@link GrpcEndpoint} carries from the call's arrival to its answer.
 */
final class CallAudit {
    private final Clock clock;
    private final AuditEventType type;
    private final AuditFields fields;
    private final String requestId;
    private final long startedNanos = System.nanoTime();
    private final ObservedCall observed;
    private Principal caller;

    CallAudit(Clock clock, AuditEventType type, AuditFields fields, String requestId, ObservedCall observed) {
        this.clock = clock;
        this.type = type;
        this.fields = fields;
        this.requestId = requestId;
        this.observed = observed;
        observed.requestId(requestId);
    }

    /** The call's metrics and span. */
    ObservedCall observed() {
        return observed;
    }

    /** Ends the call's metrics and span with its answer: OK (null), or {@code failure}'s reason and status. */
    void ended(KmsException failure) {
        ended(failure == null ? null : failure.reason());
    }

    /** Ends the call's metrics and span: answered OK. */
    void endedOk() {
        observed.end(ObservedCall.OK, 0);
    }

    /** As above, for a call that ends with {@code reason} (null: OK) without an exception. */
    void ended(ErrorReason reason) {
        if (reason == null) {
            observed.end(ObservedCall.OK, 0);
        } else {
            observed.end(reason.name(), ErrorMapping.statusOf(reason).code);
        }
    }

    String requestId() {
        return requestId;
    }

    /** The {@link System#nanoTime()} when the call arrived. */
    long startedNanos() {
        return startedNanos;
    }

    void caller(Principal principal) {
        this.caller = principal;
    }

    /** The event of a call that answered {@code response}, or failed with {@code error} (then response is null). */
    AuditEvent event(Object request, Object response, KmsException error) {
        AuditFields.Subject subject = request == null
                ? new AuditFields.Subject("", 0, "", "", "")
                : fields.extract((Message) request, (Message) response);
        long latency = TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - startedNanos);
        return new AuditEvent(clock.instant(), type, caller == null ? "" : caller.name(), subject.keyId(),
                subject.keyVersion(), error == null ? AuditDecision.ALLOWED : AuditDecision.of(error.auditedReason()),
                error == null ? null : error.auditedReason(), requestId, subject.target(), subject.detail(),
                subject.contextSha256(), latency);
    }
}
