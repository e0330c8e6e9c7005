package coffre.kms.client;

import coffre.kms.v1.ApprovalServiceGrpc;
import coffre.kms.v1.AuditServiceGrpc;
import coffre.kms.v1.CryptoServiceGrpc;
import coffre.kms.v1.KeyServiceGrpc;
import coffre.kms.v1.OfficerServiceGrpc;
import coffre.kms.v1.DkeAdminServiceGrpc;
import coffre.kms.v1.XksAdminServiceGrpc;
import io.grpc.Channel;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Blocking stubs for every Coffre service over one channel, for the calls {@link CoffreClient} has
 * no method of its own for (the admin services: keys, approvals, officers, audit, external key stores). Each accessor
 * returns a stub with a fresh deadline, so a caller that makes several calls (such as listing
 * every page of keys) gives each call the full deadline.
 *
 * <p>These are plain gRPC stubs: a failed call throws {@code io.grpc.StatusRuntimeException};
 * {@link CoffreErrors#toException} turns it into the typed {@link CoffreException} that
 * {@link CoffreClient}'s own methods throw. Thread-safe: stubs are immutable.
 */
public final class CoffreStubs {

    private final Channel channel;
    private final Duration deadline;

    /**
     * @param channel any channel to Coffre (a client's, or one wrapped with interceptors)
     * @param deadline of each call made through a stub with a deadline; positive
     */
    public CoffreStubs(Channel channel, Duration deadline) {
        this.channel = Objects.requireNonNull(channel, "channel");
        this.deadline = Objects.requireNonNull(deadline, "deadline");
        if (deadline.isNegative() || deadline.isZero()) {
            throw new IllegalArgumentException("deadline must be positive, got " + deadline);
        }
    }

    /** A KeyService stub whose deadline starts now. */
    public KeyServiceGrpc.KeyServiceBlockingStub keys() {
        return KeyServiceGrpc.newBlockingStub(channel).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** A CryptoService stub whose deadline starts now. */
    public CryptoServiceGrpc.CryptoServiceBlockingStub crypto() {
        return CryptoServiceGrpc.newBlockingStub(channel).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** An ApprovalService stub whose deadline starts now. */
    public ApprovalServiceGrpc.ApprovalServiceBlockingStub approvals() {
        return ApprovalServiceGrpc.newBlockingStub(channel).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * An ApprovalService stub without a deadline, for {@code Watch}: the stream is meant to stay
     * open until the caller stops it, so the call deadline does not apply to it.
     */
    public ApprovalServiceGrpc.ApprovalServiceBlockingStub approvalsStream() {
        return ApprovalServiceGrpc.newBlockingStub(channel);
    }

    /** An AuditService stub whose deadline starts now. */
    public AuditServiceGrpc.AuditServiceBlockingStub audit() {
        return AuditServiceGrpc.newBlockingStub(channel).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * An AuditService stub without a deadline, for {@code VerifyChainStream}: a verification takes
     * as long as the log is long, so the caller gives up when no message came for
     * {@link #deadline()} instead (the server sends progress while it works).
     */
    public AuditServiceGrpc.AuditServiceBlockingStub auditStream() {
        return AuditServiceGrpc.newBlockingStub(channel);
    }

    /** An OfficerService stub whose deadline starts now. */
    public OfficerServiceGrpc.OfficerServiceBlockingStub officers() {
        return OfficerServiceGrpc.newBlockingStub(channel).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** An XksAdminService stub (AWS external key stores) whose deadline starts now. */
    public XksAdminServiceGrpc.XksAdminServiceBlockingStub xks() {
        return XksAdminServiceGrpc.newBlockingStub(channel).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** A DkeAdminService stub (Microsoft 365 Double Key Encryption key names) whose deadline starts now. */
    public DkeAdminServiceGrpc.DkeAdminServiceBlockingStub dke() {
        return DkeAdminServiceGrpc.newBlockingStub(channel).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The deadline each stub with a deadline gives its call. */
    public Duration deadline() {
        return deadline;
    }
}
