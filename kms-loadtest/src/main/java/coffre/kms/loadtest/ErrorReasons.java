package coffre.kms.loadtest;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;

/** Names a failed call for the report: the server's {@code ErrorInfo} reason, else the gRPC code. */
public final class ErrorReasons {
    private ErrorReasons() {
    }

    /** e.g. {@code PERMISSION_DENIED/KEY_DISABLED}, {@code UNAVAILABLE}, {@code DEADLINE_EXCEEDED}. */
    public static String of(Throwable t) {
        Status status = Status.fromThrowable(t);
        com.google.rpc.Status details = StatusProto.fromThrowable(t);
        if (details != null) {
            for (Any any : details.getDetailsList()) {
                if (any.is(ErrorInfo.class)) {
                    try {
                        return status.getCode() + "/" + any.unpack(ErrorInfo.class).getReason();
                    } catch (InvalidProtocolBufferException e) {
                        break;
                    }
                }
            }
        }
        return status.getCode().toString();
    }
}
