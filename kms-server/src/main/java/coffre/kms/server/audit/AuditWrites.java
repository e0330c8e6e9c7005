package coffre.kms.server.audit;

/**
 * What the audit writer tells about its writes, for monitoring (batch sizes, write latency,
 * failures) without the audit package knowing how they are measured: the server's telemetry binds
 * its meters to it. Called on the writer thread after each attempt: it must be cheap and must not
 * block or throw.
 */
public interface AuditWrites {
    /** One batch of {@code events} events became durable in {@code nanos} (the store's append alone). */
    void written(int events, long nanos);

    /** A write attempt failed (the store refused or could not be reached); the log is now unwritable. */
    void failed();

    /** Tells nothing. */
    AuditWrites NONE = new AuditWrites() {
        @Override
        public void written(int events, long nanos) {
        }

        @Override
        public void failed() {
        }
    };
}
