package coffre.kms.server.approval;

import coffre.kms.server.crypto.DecryptApprovals;
import coffre.kms.server.crypto.EncryptionContext;
import coffre.kms.server.crypto.UnwrapApprovals;
import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import coffre.kms.server.domain.Principal;
import coffre.kms.server.keys.KeyMetadata;
import coffre.kms.v1.DecryptOnceOperation;
import coffre.kms.v1.Operation;
import coffre.kms.v1.UnwrapOnceOperation;
import coffre.kms.v1.signing.Statements;
import com.google.protobuf.ByteString;
import java.time.Clock;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Per-call approval for break-glass keys: each unwrap of an AES-256 key (caller, key version,
 * envelope digest, context digest) and each asymmetric decryption of an RSA key (caller, key
 * version, ciphertext digest). The first attempt creates an approval request for that exact call
 * and fails with {@link ErrorReason#APPROVAL_REQUIRED} naming it; asking again while it is pending
 * names the same request; once officers approve, the same caller may repeat that exact call once
 * within the window.
 */
public final class BreakGlassUnwraps implements UnwrapApprovals, DecryptApprovals {
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
        Operation unwrap = Operation.newBuilder().setUnwrapOnce(UnwrapOnceOperation.newBuilder()
                .setPrincipal(caller.name())
                .setKeyId(key.id().value())
                .setKeyVersion(version)
                .setEnvelopeSha256(ByteString.copyFrom(Statements.sha256(envelope)))
                .setContextSha256(ByteString.copyFrom(Statements.sha256(context.canonicalBytes())))).build();
        authorize(caller, key, unwrap, "unwrap");
    }

    @Override
    public void authorize(Principal caller, KeyMetadata key, int version, byte[] ciphertext) {
        Operation decrypt = Operation.newBuilder().setDecryptOnce(DecryptOnceOperation.newBuilder()
                .setPrincipal(caller.name())
                .setKeyId(key.id().value())
                .setKeyVersion(version)
                .setCiphertextSha256(ByteString.copyFrom(Statements.sha256(ciphertext)))).build();
        authorize(caller, key, decrypt, "decryption");
    }

    private void authorize(Principal caller, KeyMetadata key, Operation call, String what) {
        if (allowances.consume(call, clock.instant())) {
            return;
        }
        String requestId = allowances.pendingRequest(call).filter(stillPending).orElseGet(() -> {
            String id = gate.submit(call, caller).id();
            allowances.rememberPending(call, id);
            return id;
        });
        throw new KmsException(ErrorReason.APPROVAL_REQUIRED, "key " + key.id()
                + " needs officers' approval for each " + what + "; approval request " + requestId
                + " waits for their votes, then repeat this exact call once",
                Map.of("approval_request_id", requestId));
    }
}
