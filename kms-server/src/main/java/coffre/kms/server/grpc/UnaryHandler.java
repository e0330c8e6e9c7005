package coffre.kms.server.grpc;

import coffre.kms.server.domain.CallBounds;
import coffre.kms.server.domain.Operation;
import coffre.kms.server.domain.Principal;
import io.grpc.MethodDescriptor;
import java.util.function.Consumer;

/**
 * One unary gRPC method. {@link GrpcEndpoint} authenticates the caller, checks that it may
 * perform {@link #operation()}, and runs {@link #handle} on a worker thread, never on the event
 * loop; a thrown {@link coffre.kms.server.domain.KmsException} becomes the rich gRPC error.
 */
public interface UnaryHandler<Req, Resp> {

    MethodDescriptor<Req, Resp> method();

    Operation operation();

    Reply<Resp> handle(Principal caller, Req request);

    /**
     * True for a handler whose work may run long (it scans the audit log): {@link GrpcEndpoint}
     * then gives it the caller's deadline and cancellation as {@link CallBounds}. False for the
     * rest, so that the data plane's short calls pay for no timer.
     */
    default boolean stoppable() {
        return false;
    }

    /**
     * As {@link #handle(Principal, Object)}, stopping when {@code bounds} says the caller has gone;
     * a server-streaming method may send messages through {@code progress} before its last one
     * (the reply), which alone waits for the call's audit event: they must say nothing the audit
     * event would have to cover (counts, not results).
     */
    default Reply<Resp> handle(Principal caller, Req request, CallBounds bounds, Consumer<Resp> progress) {
        return handle(caller, request);
    }
}
