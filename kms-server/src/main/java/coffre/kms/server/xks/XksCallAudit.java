package coffre.kms.server.xks;

import coffre.kms.server.telemetry.CallTelemetry;
import coffre.kms.server.telemetry.ObservedCall;
import coffre.kms.server.telemetry.Protocol;
import coffre.kms.server.telemetry.RoutedCall;
import java.util.function.Function;

import coffre.kms.server.audit.AuditDecision;
import coffre.kms.server.audit.AuditEvent;
import coffre.kms.server.audit.AuditEventType;
import coffre.kms.server.audit.XksCallRecord;
import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.keys.KeyId;
import coffre.kms.server.keystores.ExternalKeyStore;
import java.time.Clock;
import java.util.concurrent.TimeUnit;

/**
 * The audit event of one XKS call, filled in as the call goes (what is known when it is refused
 * is what the event says): the operation, the key store, the credential that signed, the request
 * metadata, the Coffre key and version, and what refused the call. Written once by the thread
 * that holds the call at the time (the event loop, then one worker).
 */
final class XksCallAudit {
    private final Clock clock;
    private final long startedNanos = System.nanoTime();
    /** The call's metrics and span: started once routed, or as {@code unrouted} when it never is. */
    private final RoutedCall telemetry;
    private volatile AuditEventType type = AuditEventType.XKS_REJECTED;
    private volatile ExternalKeyStore store;
    private volatile String externalKeyId;
    private volatile String accessKeyId;
    private volatile XksRequestMetadata metadata;
    private volatile KeyId keyId;
    private volatile int keyVersion;
    private volatile String denial;

    XksCallAudit(Clock clock, CallTelemetry calls, Function<String, String> headers) {
        this.clock = clock;
        this.telemetry = new RoutedCall(calls, Protocol.XKS, headers, startedNanos);
    }

    /** The call's telemetry (the one object every path through the endpoint carries holds it too). */
    ObservedCall observed() {
        return telemetry.observed();
    }

    void route(XksRoute route) {
        this.type = switch (route.operation()) {
            case GET_HEALTH_STATUS -> AuditEventType.XKS_HEALTH;
            case GET_KEY_METADATA -> AuditEventType.XKS_KEY_METADATA;
            case ENCRYPT -> AuditEventType.XKS_ENCRYPT;
            case DECRYPT -> AuditEventType.XKS_DECRYPT;
        };
        this.externalKeyId = route.externalKeyId();
        XksOperation operation = route.operation();
        // The route as a template: the key store's prefix and the external key id stay out of traces.
        telemetry.route(switch (operation) {
            case GET_HEALTH_STATUS -> "GetHealthStatus";
            case GET_KEY_METADATA -> "GetKeyMetadata";
            case ENCRYPT -> "Encrypt";
            case DECRYPT -> "Decrypt";
        }, "POST", "{uriPathPrefix}" + XksPaths.API_ROOT + (operation.hasExternalKey() ? "/keys/{externalKeyId}/" : "/")
                + operation.pathSegment());
    }

    void store(ExternalKeyStore store) {
        this.store = store;
    }

    void signedBy(String accessKeyId) {
        this.accessKeyId = accessKeyId;
    }

    void metadata(XksRequestMetadata metadata) {
        this.metadata = metadata;
        observed().requestId(metadata.kmsRequestId());
    }

    void key(KeyId keyId, int keyVersion) {
        this.keyId = keyId;
        this.keyVersion = keyVersion;
    }

    /** What refused the call, for the operator (e.g. {@code DENIED_BY_RULE:rules[3]}); never a request value. */
    void denial(String denial) {
        this.denial = denial;
    }

    /** AWS KMS's id of the call ({@code kmsRequestId}), for the log; null until the body is read. */
    String requestId() {
        XksRequestMetadata m = metadata;
        return m == null ? null : m.kmsRequestId();
    }

    /** The {@link System#nanoTime()} when the request arrived. */
    long startedNanos() {
        return startedNanos;
    }

    /** The event of a call answered with success (error null) or with {@code error}. */
    AuditEvent event(XksException error) {
        XksRequestMetadata m = metadata;
        ExternalKeyStore s = store;
        XksCallRecord record = new XksCallRecord(s == null ? null : s.id(), s == null ? null : s.name(), externalKeyId,
                accessKeyId, m == null ? null : m.kmsRequestId(), m == null ? null : m.kmsOperation(),
                m == null ? null : m.awsPrincipalArn(), m == null ? null : m.kmsKeyArn(),
                m == null ? null : m.kmsViaService(), m == null ? null : m.awsSourceVpc(),
                m == null ? null : m.awsSourceVpce(), error == null ? null : error.error().errorName(), denial);
        ErrorReason reason = error == null ? null : XksErrors.auditedReason(error);
        long latency = TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - startedNanos);
        return new AuditEvent(clock.instant(), type, record.principal(), keyId == null ? "" : keyId.value(), keyVersion,
                reason == null ? AuditDecision.ALLOWED : AuditDecision.of(reason), reason, record.requestId(),
                record.target(), record.detail(), "", latency);
    }

    /** The event of a request with a method other than POST on an API path (405: no XKS error). */
    AuditEvent methodNotAllowed() {
        XksCallRecord record = new XksCallRecord(null, null, externalKeyId, null, null, null, null, null, null, null,
                null, "MethodNotAllowed", null);
        return new AuditEvent(clock.instant(), AuditEventType.XKS_REJECTED, "", "", 0, AuditDecision.INVALID,
                ErrorReason.MISSING_FIELD, "", "", record.detail(), "",
                TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - startedNanos));
    }
}
