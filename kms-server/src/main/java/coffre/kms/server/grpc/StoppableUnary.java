package coffre.kms.server.grpc;

import coffre.kms.server.domain.CallBounds;
import coffre.kms.server.domain.Operation;
import coffre.kms.server.domain.Principal;
import io.grpc.MethodDescriptor;
import java.util.function.Consumer;

/**
 * A {@link UnaryHandler} from a function whose work may run long and stops when its caller has gone
 * (its deadline passed, or it cancelled): the function gets the call's {@link CallBounds}, and,
 * for a server-streaming method, where to send its progress messages.
 */
public record StoppableUnary<Req, Resp>(MethodDescriptor<Req, Resp> method, Operation operation, Body<Req, Resp> body)
        implements UnaryHandler<Req, Resp> {

    /** The handling of one call. */
    @FunctionalInterface
    public interface Body<Req, Resp> {
        Resp apply(Principal caller, Req request, CallBounds bounds, Consumer<Resp> progress);
    }

    @Override
    public boolean stoppable() {
        return true;
    }

    @Override
    public Reply<Resp> handle(Principal caller, Req request) {
        return handle(caller, request, CallBounds.NONE, message -> { });
    }

    @Override
    public Reply<Resp> handle(Principal caller, Req request, CallBounds bounds, Consumer<Resp> progress) {
        return Reply.of(body.apply(caller, request, bounds, progress));
    }
}
