package coffre.kms.server.telemetry;

import coffre.kms.server.approval.QuorumService;
import coffre.kms.v1.Decision;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.DoubleSupplier;

/**
 * The approval engine's meters: {@code coffre_approvals_pending} (requests waiting for votes, on
 * every node: a store query, so read by {@link Polled}) and {@code coffre_approval_votes_total{vote}}
 * ({@code approve} or {@code reject}: votes this node recorded).
 */
public final class ApprovalMeters {
    private ApprovalMeters() {
    }

    static void bind(MeterRegistry registry, QuorumService quorum, Polled polled) {
        DoubleSupplier pending = polled.poll("the pending approval requests", quorum::pendingCount);
        Gauge.builder("coffre.approvals.pending", pending, DoubleSupplier::getAsDouble)
                .description("approval requests waiting for officers' votes").strongReference(true).register(registry);
        Counter approve = votes(registry, "approve");
        Counter reject = votes(registry, "reject");
        quorum.watchVotes(decision -> (decision == Decision.APPROVE ? approve : reject).increment());
    }

    private static Counter votes(MeterRegistry registry, String vote) {
        return Counter.builder("coffre.approval.votes").description("officers' votes recorded on this node")
                .tag("vote", vote).register(registry);
    }
}
