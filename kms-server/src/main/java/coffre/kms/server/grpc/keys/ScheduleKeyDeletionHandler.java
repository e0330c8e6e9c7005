package coffre.kms.server.grpc.keys;

import coffre.kms.server.domain.KeyLifecycle;
import coffre.kms.server.domain.KeyReference;
import coffre.kms.server.domain.Operation;
import coffre.kms.server.domain.Principal;
import coffre.kms.server.grpc.Reply;
import coffre.kms.server.grpc.UnaryHandler;
import coffre.kms.v1.ScheduleKeyDeletionRequest;
import coffre.kms.v1.ScheduleKeyDeletionResponse;
import coffre.kms.v1.KeyServiceGrpc;
import io.grpc.MethodDescriptor;

/** {@code KeyService.ScheduleKeyDeletion}. */
public final class ScheduleKeyDeletionHandler implements UnaryHandler<ScheduleKeyDeletionRequest, ScheduleKeyDeletionResponse> {
    private final KeyLifecycle lifecycle;

    public ScheduleKeyDeletionHandler(KeyLifecycle lifecycle) {
        this.lifecycle = lifecycle;
    }

    @Override
    public MethodDescriptor<ScheduleKeyDeletionRequest, ScheduleKeyDeletionResponse> method() {
        return KeyServiceGrpc.getScheduleKeyDeletionMethod();
    }

    @Override
    public Operation operation() {
        return Operation.SCHEDULE_KEY_DELETION;
    }

    @Override
    public Reply<ScheduleKeyDeletionResponse> handle(Principal caller, ScheduleKeyDeletionRequest request) {
        KeyReference key = KeyReference.parse(request.getKeyId(), "key_id");
        int days = request.getPendingWindowDays() < 0 ? Integer.MAX_VALUE : request.getPendingWindowDays();
        return Reply.of(ScheduleKeyDeletionResponse.newBuilder()
                .setKey(KeyMessages.toProto(lifecycle.scheduleDeletion(key, days))).build());
    }
}
