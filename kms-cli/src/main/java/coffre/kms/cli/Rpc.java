package coffre.kms.cli;

import coffre.kms.v1.ApprovalServiceGrpc;
import coffre.kms.v1.CryptoServiceGrpc;
import coffre.kms.v1.KeyServiceGrpc;
import coffre.kms.v1.OfficerServiceGrpc;
import io.grpc.Channel;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Stubs for one command's calls. Each accessor returns a stub with a fresh deadline, so a command
 * that makes several calls (such as {@code keys list --all}) gives each call the full timeout.
 */
public final class Rpc {

    private final Channel channel;
    private final Duration timeout;

    Rpc(Channel channel, Duration timeout) {
        this.channel = channel;
        this.timeout = timeout;
    }

    /** A KeyService stub whose deadline starts now. */
    public KeyServiceGrpc.KeyServiceBlockingStub keys() {
        return KeyServiceGrpc.newBlockingStub(channel).withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** A CryptoService stub whose deadline starts now. */
    public CryptoServiceGrpc.CryptoServiceBlockingStub crypto() {
        return CryptoServiceGrpc.newBlockingStub(channel).withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** An ApprovalService stub whose deadline starts now. */
    public ApprovalServiceGrpc.ApprovalServiceBlockingStub approvals() {
        return ApprovalServiceGrpc.newBlockingStub(channel).withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * An ApprovalService stub without a deadline, for {@code Watch}: the stream is meant to stay
     * open until the user stops it, so the call timeout does not apply to it.
     */
    public ApprovalServiceGrpc.ApprovalServiceBlockingStub approvalsStream() {
        return ApprovalServiceGrpc.newBlockingStub(channel);
    }

    /** An AuditService stub whose deadline starts now. */
    public coffre.kms.v1.AuditServiceGrpc.AuditServiceBlockingStub audit() {
        return coffre.kms.v1.AuditServiceGrpc.newBlockingStub(channel).withDeadlineAfter(timeout.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /**
     * An AuditService stub without a deadline, for {@code VerifyChainStream}: a verification takes
     * as long as the log is long, so the command gives up when no message came for
     * {@link #timeout()} instead (the server sends progress while it works).
     */
    public coffre.kms.v1.AuditServiceGrpc.AuditServiceBlockingStub auditStream() {
        return coffre.kms.v1.AuditServiceGrpc.newBlockingStub(channel);
    }

    /** The call time-out of this command's connection settings. */
    public Duration timeout() {
        return timeout;
    }

    /** An OfficerService stub whose deadline starts now. */
    public OfficerServiceGrpc.OfficerServiceBlockingStub officers() {
        return OfficerServiceGrpc.newBlockingStub(channel).withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
}
