package coffre.kms.server.audit;

import java.util.concurrent.CompletionStage;

/** Where the service edge sends one event per request before it answers. */
public interface AuditSink {

    /**
     * Records {@code event}. The stage completes once the event is durable (or, in a fail-open
     * deployment, once it is queued for a retry) and fails with a
     * {@link coffre.kms.server.domain.KmsException} of reason {@code AUDIT_UNAVAILABLE} when the
     * event could not be written and the deployment fails closed. It may complete on any thread.
     */
    CompletionStage<Void> record(AuditEvent event);

    /**
     * Refuses work up front while the log is known to be unwritable in a fail-closed deployment,
     * so that no key is used without a record.
     *
     * @throws coffre.kms.server.domain.KmsException with reason {@code AUDIT_UNAVAILABLE}
     */
    void checkWritable();
}
