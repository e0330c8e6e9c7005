package coffre.kms.server.testing;

import coffre.kms.v1.ApprovalRequest;
import coffre.kms.v1.Operation;
import com.google.protobuf.InvalidProtocolBufferException;

/** Reads the operation inside an approval request, for tests. */
public final class Operations {
    private Operations() {
    }

    public static Operation of(ApprovalRequest request) {
        try {
            return Operation.parseFrom(request.getOperation());
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError("approval request holds no operation", e);
        }
    }

    /** The key an executed key operation concerned (for CreateKey: its result). */
    public static String keyIdOf(ApprovalRequest request) {
        Operation op = of(request);
        return switch (op.getKindCase()) {
            case CREATE_KEY -> request.getResult();
            case ENABLE_KEY -> op.getEnableKey().getKeyId();
            case ROTATE_KEY -> op.getRotateKey().getKeyId();
            case CANCEL_KEY_DELETION -> op.getCancelKeyDeletion().getKeyId();
            case SCHEDULE_KEY_DELETION -> op.getScheduleKeyDeletion().getKeyId();
            case SET_ACCESS_POLICY -> op.getSetAccessPolicy().getKeyId();
            case SET_APPROVAL_POLICY -> op.getSetApprovalPolicy().getKeyId();
            case DISABLE_KEY -> op.getDisableKey().getKeyId();
            default -> throw new AssertionError("not a key operation: " + op.getKindCase());
        };
    }
}
