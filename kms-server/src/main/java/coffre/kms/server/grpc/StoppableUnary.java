package coffre.kms.server.grpc;

import coffre.kms.server.domain.CallBounds;
import coffre.kms.server.domain.Operation;
import coffre.kms.server.domain.Principal;
import io.grpc.MethodDescriptor;

/**
 * A {@link UnaryHandler} from a function whose work may run long and stops when its caller has gone
 * (its deadline passed, or it cancelled): the function gets the call's {@link CallBounds}.
 */
public record StoppableUnary<Req, Resp>(MethodDescriptor<Req, Resp> method, Operation operation, Body<Req, Resp> body)
        implements UnaryHandler<Req, Resp> {

    /** The handling of one call. */
    @FunctionalInterface
    public interface Body<Req, Resp> {
        Resp apply(Principal caller, Req request, CallBounds bounds);
    }

    @Override
    public boolean stoppable() {
        return true;
    }

    @Override
    public Reply<Resp> handle(Principal caller, Req request) {
        return handle(caller, request, CallBounds.NONE);
    }

    @Override
    public Reply<Resp> handle(Principal caller, Req request, CallBounds bounds) {
        return Reply.of(body.apply(caller, request, bounds));
    }
}
