package coffre.kms.server.grpc.keys;

import coffre.kms.server.approval.ApprovalGate;
import coffre.kms.server.approval.SignedDocumentCodec;
import coffre.kms.server.keys.KeyAttributes;
import coffre.kms.server.keys.KeyLifecycle;
import coffre.kms.server.keys.KeyMetadata;
import coffre.kms.server.domain.Operation;
import coffre.kms.server.grpc.UnaryHandler;
import coffre.kms.v1.CancelKeyDeletionResponse;
import coffre.kms.v1.EnableKeyResponse;
import coffre.kms.v1.KeyOperation;
import coffre.kms.v1.KeyServiceGrpc;
import coffre.kms.v1.RotateKeyResponse;
import coffre.kms.v1.ScheduleKeyDeletionOperation;
import coffre.kms.v1.ScheduleKeyDeletionResponse;
import coffre.kms.v1.SetAccessPolicyOperation;
import coffre.kms.v1.SetAccessPolicyResponse;
import coffre.kms.v1.SetApprovalPolicyOperation;
import coffre.kms.v1.SetApprovalPolicyResponse;
import java.util.List;

/**
 * The approval-gated {@code KeyService} calls on an existing key — RotateKey, EnableKey,
 * ScheduleKeyDeletion, CancelKeyDeletion, SetAccessPolicy, SetApprovalPolicy — one
 * {@link KeyChangeHandler} each: what differs is only which operation they ask officers for.
 */
public final class KeyChangeHandlers {
    private KeyChangeHandlers() {
    }

    public static List<UnaryHandler<?, ?>> all(KeyLifecycle lifecycle, ApprovalGate approvals) {
        return List.of(
                new KeyChangeHandler<>(KeyServiceGrpc.getRotateKeyMethod(), Operation.ROTATE_KEY,
                        r -> r.getKeyId(), KeyLifecycle::requireUsable, (key, r) -> coffre.kms.v1.Operation.newBuilder().setRotateKey(of(key)).build(),
                        a -> RotateKeyResponse.newBuilder().setApprovalRequest(a).build(), lifecycle, approvals),
                new KeyChangeHandler<>(KeyServiceGrpc.getEnableKeyMethod(), Operation.ENABLE_KEY,
                        r -> r.getKeyId(), KeyLifecycle::checkEnable, (key, r) -> coffre.kms.v1.Operation.newBuilder().setEnableKey(of(key)).build(),
                        a -> EnableKeyResponse.newBuilder().setApprovalRequest(a).build(), lifecycle, approvals),
                new KeyChangeHandler<>(KeyServiceGrpc.getCancelKeyDeletionMethod(), Operation.CANCEL_KEY_DELETION,
                        r -> r.getKeyId(), KeyLifecycle::checkCancelDeletion,
                        (key, r) -> coffre.kms.v1.Operation.newBuilder().setCancelKeyDeletion(of(key)).build(),
                        a -> CancelKeyDeletionResponse.newBuilder().setApprovalRequest(a).build(), lifecycle, approvals),
                new KeyChangeHandler<>(KeyServiceGrpc.getScheduleKeyDeletionMethod(), Operation.SCHEDULE_KEY_DELETION,
                        r -> r.getKeyId(), KeyLifecycle::checkScheduleDeletion, (key, r) -> {
                            // uint32 above 2^31 arrives negative: out of range either way.
                            KeyLifecycle.requireValidPendingWindow(r.getPendingWindowDays() < 0
                                    ? Integer.MAX_VALUE : r.getPendingWindowDays());
                            return coffre.kms.v1.Operation.newBuilder().setScheduleKeyDeletion(
                                    ScheduleKeyDeletionOperation.newBuilder().setKeyId(key.id().value())
                                            .setPendingWindowDays(r.getPendingWindowDays())).build();
                        },
                        a -> ScheduleKeyDeletionResponse.newBuilder().setApprovalRequest(a).build(), lifecycle, approvals),
                new KeyChangeHandler<>(KeyServiceGrpc.getSetAccessPolicyMethod(), Operation.SET_ACCESS_POLICY,
                        r -> r.getKeyId(), key -> { }, (key, r) -> {
                            KeyAttributes.requirePolicyFits(key.spec(), SignedDocumentCodec.accessPolicy(r.getAccessPolicy()));
                            return coffre.kms.v1.Operation.newBuilder().setSetAccessPolicy(SetAccessPolicyOperation
                                    .newBuilder().setKeyId(key.id().value()).setAccessPolicy(r.getAccessPolicy())).build();
                        },
                        a -> SetAccessPolicyResponse.newBuilder().setApprovalRequest(a).build(), lifecycle, approvals),
                new KeyChangeHandler<>(KeyServiceGrpc.getSetApprovalPolicyMethod(), Operation.SET_APPROVAL_POLICY,
                        r -> r.getKeyId(), key -> { }, (key, r) -> {
                            KeyAttributes.requireFits(key.spec(), key.usage(),
                                    r.getApprovalPolicy().getRequireUnwrapApproval());
                            return coffre.kms.v1.Operation.newBuilder().setSetApprovalPolicy(
                                    SetApprovalPolicyOperation.newBuilder().setKeyId(key.id().value())
                                            .setApprovalPolicy(r.getApprovalPolicy())).build();
                        },
                        a -> SetApprovalPolicyResponse.newBuilder().setApprovalRequest(a).build(), lifecycle, approvals));
    }

    private static KeyOperation of(KeyMetadata key) {
        return KeyOperation.newBuilder().setKeyId(key.id().value()).build();
    }
}
