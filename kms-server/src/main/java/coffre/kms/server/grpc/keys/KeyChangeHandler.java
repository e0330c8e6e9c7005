package coffre.kms.server.grpc.keys;

import coffre.kms.server.approval.ApprovalGate;
import coffre.kms.server.codec.QuorumMessages;
import coffre.kms.server.keys.KeyLifecycle;
import coffre.kms.server.keys.KeyMetadata;
import coffre.kms.server.keys.KeyReference;
import coffre.kms.server.domain.Operation;
import coffre.kms.server.domain.Principal;
import coffre.kms.server.grpc.Reply;
import coffre.kms.server.grpc.UnaryHandler;
import coffre.kms.v1.ApprovalRequest;
import io.grpc.MethodDescriptor;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * A {@code KeyService} call that changes one existing key through the quorum: it checks the input
 * and that the key exists, binds the change to the key's id (never an alias: officers approve a
 * change to one precise key), and answers with the approval request it creates. The change itself
 * runs when officers approve it. {@link KeyChangeHandlers} builds one per RPC.
 */
final class KeyChangeHandler<Req, Resp> implements UnaryHandler<Req, Resp> {
    private final MethodDescriptor<Req, Resp> method;
    private final Operation operation;
    private final Function<Req, String> keyIdOf;
    private final java.util.function.Consumer<KeyMetadata> precondition;
    private final BiFunction<KeyMetadata, Req, coffre.kms.v1.Operation> change;
    private final Function<ApprovalRequest, Resp> reply;
    private final KeyLifecycle lifecycle;
    private final ApprovalGate approvals;

    /** @param precondition checks the key's current state, so a doomed request fails at once */
    KeyChangeHandler(MethodDescriptor<Req, Resp> method, Operation operation, Function<Req, String> keyIdOf,
                     java.util.function.Consumer<KeyMetadata> precondition, BiFunction<KeyMetadata, Req, coffre.kms.v1.Operation> change,
                     Function<ApprovalRequest, Resp> reply, KeyLifecycle lifecycle, ApprovalGate approvals) {
        this.method = method;
        this.operation = operation;
        this.keyIdOf = keyIdOf;
        this.precondition = precondition;
        this.change = change;
        this.reply = reply;
        this.lifecycle = lifecycle;
        this.approvals = approvals;
    }

    @Override
    public MethodDescriptor<Req, Resp> method() {
        return method;
    }

    @Override
    public Operation operation() {
        return operation;
    }

    @Override
    public Reply<Resp> handle(Principal caller, Req request) {
        approvals.requireInitialized();
        KeyMetadata key = lifecycle.get(KeyReference.parse(keyIdOf.apply(request), "key_id"));
        KeyLifecycle.requireNotDestroyed(key);
        precondition.accept(key);
        return Reply.of(reply.apply(QuorumMessages.request(approvals.submit(change.apply(key, request), caller))));
    }
}
