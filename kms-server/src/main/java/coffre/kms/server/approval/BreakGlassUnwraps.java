package coffre.kms.server.approval;

import coffre.kms.server.crypto.EncryptionContext;
import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.keys.KeyMetadata;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.domain.Principal;
import coffre.kms.server.crypto.UnwrapApprovals;
import coffre.kms.v1.Operation;
import coffre.kms.v1.UnwrapOnceOperation;
import coffre.kms.v1.signing.Statements;
import com.google.protobuf.ByteString;
import java.time.Clock;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Per-unwrap approval for break-glass keys. The first attempt creates an approval request for
 * that exact unwrap (caller, key version, envelope digest, context digest) and fails with
 * {@link ErrorReason#APPROVAL_REQUIRED} naming it; asking again while it is pending names the same
 * request; once officers approve, the same caller may repeat that exact unwrap once within the
 * window.
 */
public final class BreakGlassUnwraps implements UnwrapApprovals {
    private final BreakGlassAllowances allowances;
    private final ApprovalGate gate;
    private final Predicate<String> stillPending;
    private final Clock clock;

    public BreakGlassUnwraps(BreakGlassAllowances allowances, ApprovalGate gate, Predicate<String> stillPending,
                             Clock clock) {
        this.allowances = allowances;
        this.gate = gate;
        this.stillPending = stillPending;
        this.clock = clock;
    }

    @Override
    public void authorize(Principal caller, KeyMetadata key, int version, byte[] envelope, EncryptionContext context) {
        UnwrapOnceOperation unwrap = UnwrapOnceOperation.newBuilder()
                .setPrincipal(caller.name())
                .setKeyId(key.id().value())
                .setKeyVersion(version)
                .setEnvelopeSha256(ByteString.copyFrom(Statements.sha256(envelope)))
                .setContextSha256(ByteString.copyFrom(Statements.sha256(context.canonicalBytes())))
                .build();
        if (allowances.consume(unwrap, clock.instant())) {
            return;
        }
        String requestId = allowances.pendingRequest(unwrap).filter(stillPending).orElseGet(() -> {
            String id = gate.submit(Operation.newBuilder().setUnwrapOnce(unwrap).build(), caller).id();
            allowances.rememberPending(unwrap, id);
            return id;
        });
        throw new KmsException(ErrorReason.APPROVAL_REQUIRED, "key " + key.id()
                + " needs officers' approval for each unwrap; approval request " + requestId
                + " waits for their votes, then repeat this exact call once",
                Map.of("approval_request_id", requestId));
    }
}
