package coffre.kms.loadtest;

import coffre.kms.client.CoffreErrors;
import io.grpc.Status;

/** Names a failed call for the report: the server's {@code ErrorInfo} reason, else the gRPC code. */
public final class ErrorReasons {
    private ErrorReasons() {
    }

    /** e.g. {@code PERMISSION_DENIED/KEY_DISABLED}, {@code UNAVAILABLE}, {@code DEADLINE_EXCEEDED}. */
    public static String of(Throwable t) {
        Status.Code code = Status.fromThrowable(t).getCode();
        return CoffreErrors.errorInfo(t).map(info -> code + "/" + info.getReason()).orElse(code.toString());
    }
}
